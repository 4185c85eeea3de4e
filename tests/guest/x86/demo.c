/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `make demo`: a guest that says what machine it finds itself in: CPUs,
 * memory, PCI devices, the device tree, the command line. It passes if it
 * could see the basics (some RAM, a host bridge, every listed CPU running).
 */
#include "libcflat.h"
#include "atomic.h"
#include "fdt.h"
#include "pci.h"
#include "x86/apic.h"
#include "x86/processor.h"
#include "x86/pvh.h"
#include "x86/smp.h"

static atomic_t hellos;

static void say_hello(void *data)
{
	printf("  vCPU %d (APIC id %u) says hello\n", smp_id(), apic_id());
	atomic_inc(&hellos);
}

static void show_cpu(void)
{
	struct cpuid r = cpuid(0);
	char vendor[13];

	memcpy(vendor, &r.b, 4);
	memcpy(vendor + 4, &r.d, 4);
	memcpy(vendor + 8, &r.c, 4);
	vendor[12] = '\0';
	printf("CPU:     %s, family %u, %s\n", vendor, (cpuid(1).a >> 8) & 0xf,
	       cpu_is_kvm() ? "running on KVM" : "no KVM signature");
}

static u64 show_memory(void)
{
	u64 ram = boot_ram_total();

	printf("Memory:  %lu MiB of RAM in %u memory map entries\n", ram / MiB,
	       boot_info.memmap_entries);
	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		printf("         0x%010lx-0x%010lx %s\n", e->addr, e->addr + e->size - 1,
		       e->type == HVM_MEMMAP_TYPE_RAM ? "RAM" : "reserved");
	}
	return ram;
}

static bool show_pci(void)
{
	bool host_bridge = false;

	printf("PCI bus 0:\n");
	for (u32 dev = 0; dev < 32; dev++) {
		for (u32 fn = 0; fn < 8; fn++) {
			u32 id = pci_conf1_read32(0, dev, fn, PCI_VENDOR_ID);
			u16 cs;

			if ((id & 0xffff) == 0xffff)
				continue;
			cs = (u16)(pci_conf1_read32(0, dev, fn, PCI_CLASS_REVISION) >> 16);
			if (!dev && !fn && cs == PCI_CLASS_BRIDGE_HOST)
				host_bridge = true;
			printf("         00:%02x.%u %04x:%04x %s\n", dev, fn, id & 0xffff,
			       id >> 16, pci_class_name(cs));
		}
	}
	return host_bridge;
}

static void show_dtb(void)
{
	const void *fdt = boot_info.dtb;
	const char *model;
	int node;

	if (!fdt || fdt_check_header(fdt, boot_info.dtb_size)) {
		printf("Device tree: none (imsvm passes one; QEMU does not)\n");
		return;
	}
	model = fdt_getprop_string(fdt, 0, "compatible");
	printf("Device tree: %u bytes, machine \"%s\", nodes:", fdt_totalsize(fdt),
	       model ? model : "?");
	fdt_for_each_subnode(node, fdt, 0)
		printf(" %s", fdt_get_name(fdt, node, NULL));
	printf("\n");
}

int main(int argc, char **argv)
{
	struct smp_result smp;
	u64 ram;
	bool host_bridge;

	printf("\nHello from a guest test kernel booted through the PVH entry!\n\n");
	show_cpu();
	ram = show_memory();
	host_bridge = show_pci();
	show_dtb();
	printf("Command line: \"%s\"\n", boot_info.cmdline);

	printf("Starting the other vCPUs...\n");
	if (smp_init(&smp))
		printf("  could not start them all: %s\n", smp.reason);
	for (int cpu = 0; cpu < cpu_count(); cpu++)
		on_cpu(cpu, say_hello, NULL);
	printf("\n");

	report(ram > 0, "found %lu MiB of RAM", ram / MiB);
	report(host_bridge, "found the PCI host bridge");
	report(atomic_read(&hellos) == cpu_count() && cpu_count() == smp.expected,
	       "%d of %d vCPUs said hello", atomic_read(&hellos), smp.expected);
	return report_summary();
}
