/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device tree: imsvm passes an FDT as the PVH module named "dtb", and it
 * describes the machine it was asked for. What to expect comes through the
 * kernel's own command line (which /chosen/bootargs must also carry):
 *	imsvm run dtb.elf --cpus 2 --mem 128 --cmdline "expect.cpus=2 expect.mem=128"
 */
#include "libcflat.h"
#include "fdt.h"
#include "x86/mptable.h"
#include "x86/pvh.h"

#define PLATFORM_ECAM_BASE	0xe0000000ULL	/* vmm/layout.h */
#define PLATFORM_ECAM_SIZE	(16 * MiB)

static const void *fdt;

/*
 * A port-I/O device node: found by compatible, reg in the root's cells with
 * the I/O space marked by 1 in the high address cell: <1 PORT 0 LEN>.
 */
static void check_port_node(const char *compat, const char *what, u32 port, u32 size)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, compat), len;
	int ac = fdt_address_cells(fdt, 0), sc = fdt_size_cells(fdt, 0);
	const u32 *reg;

	report(node >= 0, "%s node (compatible \"%s\")%s%s", what, compat,
	       node >= 0 ? ": " : "", node >= 0 ? fdt_get_name(fdt, node, NULL) : "");
	if (node < 0)
		return;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len != 4 * (ac + sc) || ac != 2) {
		report(false, "%s reg: %d bytes for %d+%d cells", what, reg ? len : 0, ac, sc);
		return;
	}
	u64 addr = fdt_read_cells(&reg, ac), sz = fdt_read_cells(&reg, sc);

	report(addr == (1ULL << 32 | port) && sz == size,
	       "%s reg = I/O port 0x%x + %u (0x%lx + %lu)", what, port, size, addr, sz);
}

static void check_chosen(void)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *bootargs = chosen >= 0 ? fdt_getprop_string(fdt, chosen, "bootargs") : NULL;

	report(chosen >= 0, "/chosen exists");
	report(bootargs && !strcmp(bootargs, boot_info.cmdline),
	       "/chosen/bootargs \"%s\" is the command line", bootargs ? bootargs : "(none)");
}

static void check_cpus(void)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node, n = 0;
	u32 ids[64];
	bool regs_ok = true;
	unsigned long expect;
	struct mptable mp;

	report_prefix_push("cpus");
	report(cpus >= 0, "/cpus exists");
	if (cpus < 0) {
		report_prefix_pop();
		return;
	}
	report(fdt_address_cells(fdt, cpus) == 1 && fdt_size_cells(fdt, cpus) == 0,
	       "#address-cells = 1, #size-cells = 0");
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *name = fdt_get_name(fdt, node, NULL);
		int len;
		const u32 *reg = fdt_getprop(fdt, node, "reg", &len);

		if (strncmp(name, "cpu@", 4))
			continue;
		if (!reg || len != 4 || n >= (int)ARRAY_SIZE(ids)) {
			regs_ok = false;
			continue;
		}
		ids[n] = fdt32_to_cpu(*reg);
		if (strtoul(name + 4, NULL, 16) != ids[n])
			regs_ok = false;
		n++;
	}
	for (int i = 0; i < n; i++) {
		bool found = false;

		for (int j = 0; j < n; j++)
			found |= ids[j] == (u32)i;
		regs_ok &= found;
	}
	report(n > 0 && regs_ok, "%d cpu@N nodes, reg = N = APIC ids 0..%d", n, n - 1);
	if (arg_get_ulong("expect.cpus", &expect))
		report((unsigned long)n == expect, "%d CPUs, expect.cpus=%lu", n, expect);
	else
		report_skip("no expect.cpus=N on the command line");
	mptable_parse(&mp);
	if (mp.found)
		report(mp.ncpus == n, "MP table lists as many CPUs (%d)", mp.ncpus);
	report_prefix_pop();
}

static void check_memory(void)
{
	int root = 0, node, ac = fdt_address_cells(fdt, 0), sc = fdt_size_cells(fdt, 0);
	u64 total = 0, ram = boot_ram_total();
	unsigned long expect;
	int nodes = 0;

	report_prefix_push("memory");
	fdt_for_each_subnode(node, fdt, root) {
		const char *type = fdt_getprop_string(fdt, node, "device_type");
		int len;
		const u32 *reg = fdt_getprop(fdt, node, "reg", &len);

		if (!type || strcmp(type, "memory") || !reg)
			continue;
		nodes++;
		for (; len >= 4 * (ac + sc); len -= 4 * (ac + sc)) {
			u64 base = fdt_read_cells(&reg, ac), size = fdt_read_cells(&reg, sc);

			report_info("%s: 0x%lx + 0x%lx", fdt_get_name(fdt, node, NULL), base, size);
			total += size;
		}
	}
	report(nodes > 0, "%d memory node(s) (device_type \"memory\")", nodes);
	if (arg_get_ulong("expect.mem", &expect))
		report(total <= expect * MiB && total >= expect * MiB - 1 * MiB,
		       "%lu KiB, expect.mem=%lu MiB", total / KiB, expect);
	else
		report_skip("no expect.mem=MiB on the command line");
	report(total >= ram, "covers the memory map's %lu KiB of RAM", ram / KiB);
	report_prefix_pop();
}

/* The MMIO windows of vmm/layout.h, as "ranges" entries (identity mapped). */
static void check_pci_ranges(int node, int parent_ac)
{
	int len, entry = 3 + parent_ac + 2;
	const u32 *r = fdt_getprop(fdt, node, "ranges", &len);
	bool mem32 = false, mem64 = false;

	if (!r || len <= 0 || len % (4 * entry)) {
		report(false, "ranges: %d bytes, not a multiple of %d cells", r ? len : 0, entry);
		return;
	}
	for (int i = 0; i < len / 4; i += entry) {
		const u32 *p = r + i;
		u32 space = fdt32_to_cpu(p[0]) >> 24 & 3;
		u64 pci = (u64)fdt32_to_cpu(p[1]) << 32 | fdt32_to_cpu(p[2]), cpu, size;

		p += 3;
		cpu = fdt_read_cells(&p, parent_ac);
		size = fdt_read_cells(&p, 2);
		report_info("ranges: space %u pci 0x%lx cpu 0x%lx size 0x%lx", space, pci, cpu,
			    size);
		if (space == 2 && pci == cpu && cpu == 0xc0000000ULL && size == 512 * MiB)
			mem32 = true;
		if (space == 3 && pci == cpu && cpu == 0x8000000000ULL && size == 64 * GiB)
			mem64 = true;
	}
	report(mem32, "32-bit MMIO window 0xc0000000 + 512 MiB");
	report(mem64, "64-bit MMIO window 0x8000000000 + 64 GiB");
}

static void check_pci(void)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic");
	int parent, ac, sc, len;
	const u32 *reg;

	report_prefix_push("pci");
	report(node >= 0, "host bridge node (compatible \"pci-host-ecam-generic\")");
	if (node < 0) {
		report_prefix_pop();
		return;
	}
	parent = fdt_parent_offset(fdt, node);
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (reg && len >= 4 * (ac + sc)) {
		u64 base = fdt_read_cells(&reg, ac), size = fdt_read_cells(&reg, sc);

		report(base == PLATFORM_ECAM_BASE && size == PLATFORM_ECAM_SIZE,
		       "reg = ECAM 0x%lx + 0x%lx", base, size);
	} else {
		report(false, "reg = ECAM (no usable reg property)");
	}
	check_pci_ranges(node, fdt_address_cells(fdt, parent));
	const char *type = fdt_getprop_string(fdt, node, "device_type");

	report(type && !strcmp(type, "pci"), "device_type \"pci\"");
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	const char *compat;
	int err;

	fdt = boot_info.dtb;
	if (!fdt) {
		report_skip("no \"dtb\" module in hvm_start_info (QEMU gives none)");
		return report_summary();
	}
	err = fdt_check_header(fdt, boot_info.dtb_size);
	report(!err, "valid FDT header, %u bytes in a %lu-byte module",
	       err ? 0 : fdt_totalsize(fdt), boot_info.dtb_size);
	if (err)
		return report_summary();
	compat = fdt_getprop_string(fdt, 0, "compatible");
	report(compat && !fdt_node_check_compatible(fdt, 0, "imsvm,virt"),
	       "root compatible \"imsvm,virt\" (%s)", compat ? compat : "none");
	check_chosen();
	check_cpus();
	check_memory();
	check_pci();
	check_port_node("ns16550a", "serial", 0x3f8, 8);
	check_port_node("imsvm,test-exit", "test-exit", 0xf4, 4);
	return report_summary();
}
