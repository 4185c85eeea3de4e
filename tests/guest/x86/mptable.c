/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MP table (Intel MPS 1.4), what a Linux guest without ACPI uses to find
 * CPUs and interrupt routing: checksums, every CPU with APIC ids 0..N-1 and
 * the BSP flagged, the IOAPIC, ISA IRQs 0-15 (IRQ 0 overridden to pin 2),
 * and PCI interrupts that agree with the device tree's interrupt-map.
 */
#include "libcflat.h"
#include "fdt.h"
#include "x86/apic.h"
#include "x86/mptable.h"
#include "x86/pvh.h"

static void check_cpus(const struct mptable *mp)
{
	unsigned long expect;
	bool ids_ok = true;

	for (int i = 0; i < mp->ncpus; i++) {
		bool found = false;

		for (int j = 0; j < mp->ncpus; j++)
			found |= mp->apic_ids[j] == (u32)i;
		ids_ok &= found;
	}
	report(mp->ncpus > 0 && ids_ok, "%d CPUs, APIC ids 0..%d", mp->ncpus, mp->ncpus - 1);
	report(mp->bsp_apic_id == apic_id(), "BSP flag on APIC id %u (this CPU is %u)",
	       mp->bsp_apic_id, apic_id());
	if (arg_get_ulong("expect.cpus", &expect))
		report((unsigned long)mp->ncpus == expect, "expect.cpus=%lu", expect);
	report(mp->lapic_addr == APIC_DEFAULT_BASE, "LAPIC address 0x%x", mp->lapic_addr);
}

static void check_isa(const struct mptable *mp)
{
	int listed = 0;
	bool identity = true;

	report(mp->isa_bus >= 0, "has an ISA bus (id %d)", mp->isa_bus);
	for (int irq = 0; irq < 16; irq++) {
		int pin = mptable_isa_irq_pin(mp, irq);

		if (pin < 0)
			continue;
		listed++;
		if (irq != 0 && irq != 2 && pin != irq) {
			report_info("ISA IRQ %d -> pin %d", irq, pin);
			identity = false;
		}
	}
	report(listed >= 15, "%d ISA IRQs listed", listed);
	report(mptable_isa_irq_pin(mp, 0) == 2, "ISA IRQ 0 (PIT) -> pin 2");
	report(identity, "other ISA IRQs on their own pins (COM1: 4 -> %d)",
	       mptable_isa_irq_pin(mp, 4));
}

/*
 * The device tree's interrupt-map pin for (dev, INTx), or -1. The map is
 * looked up once: under PVM every instruction of a tree walk costs ~1 us.
 */
static int dtb_intx_pin(u32 dev, u32 intx)
{
	static const u32 *map;
	static int len = -1;

	if (len < 0) {
		const void *fdt = boot_info.dtb;
		int node = fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic");

		map = node >= 0 ? fdt_getprop(fdt, node, "interrupt-map", &len) : NULL;
		if (!map)
			len = 0;
	}
	/* <phys.hi phys.mid phys.lo  intx  phandle  pin>: 6 cells each here. */
	for (int i = 0; i + 6 <= len / 4; i += 6) {
		if ((fdt32_to_cpu(map[i]) >> 11 & 0x1f) == dev &&
		    fdt32_to_cpu(map[i + 3]) == intx)
			return (int)fdt32_to_cpu(map[i + 5]);
	}
	return -1;
}

static void check_pci(const struct mptable *mp)
{
	int entries = 0, mismatches = 0;
	bool have_dtb = boot_info.dtb && !fdt_check_header(boot_info.dtb, boot_info.dtb_size);

	report(mp->pci_bus >= 0, "has a PCI bus (id %d)", mp->pci_bus);
	for (int i = 0; i < mp->nintsrc; i++) {
		const struct mptable_intsrc *s = &mp->intsrc[i];
		u32 dev = s->srcirq >> 2, intx = (s->srcirq & 3) + 1;
		int pin;

		if (s->srcbus != mp->pci_bus || s->irqtype != 0)
			continue;
		entries++;
		if (!have_dtb)
			continue;
		pin = dtb_intx_pin(dev, intx);
		if (pin != s->dstpin) {
			report_info("device %u INT%c: MP table pin %u, device tree %d", dev,
				    'A' + intx - 1, s->dstpin, pin);
			mismatches++;
		}
	}
	report(entries > 0, "%d PCI interrupt entries", entries);
	if (have_dtb)
		report(entries > 0 && !mismatches,
		       "PCI INTx pins agree with the device tree's interrupt-map");
	else
		report_skip("no device tree to compare PCI interrupts with");
}

int main(int argc, char **argv)
{
	struct mptable mp;

	mptable_parse(&mp);
	if (!mp.found) {
		report(false, "MP floating pointer found in the BIOS area");
		return report_summary();
	}
	report_info("floating pointer at 0x%lx, configuration table at 0x%lx",
		    mp.fp_addr, mp.config_addr);
	report(mp.checksums_ok, "checksums");
	check_cpus(&mp);
	report(mp.nioapics == 1 && mp.ioapic_addr == IOAPIC_DEFAULT_BASE &&
	       mp.ioapic_id == ioapic_id(), "one IOAPIC at 0x%x, id %u (register says %u)",
	       mp.ioapic_addr, mp.ioapic_id, ioapic_id());
	check_isa(&mp);
	check_pci(&mp);
	return report_summary();
}
