/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI: the host bridge at 00:00.0 is found through configuration mechanism
 * #1 and through ECAM with the same contents, every slot of bus 0 reads the
 * same either way, absent functions read all-ones, and a BAR sized through
 * one mechanism is seen through the other.
 */
#include "libcflat.h"
#include "pci.h"
#include "x86/pvh.h"

#define PLATFORM_ECAM_BASE	0xe0000000ULL	/* vmm/layout.h LAYOUT_PCI_ECAM_BASE */
#define CONFIG_DWORDS		16		/* the standard header */

static bool function_matches(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn,
			     u32 *bad_reg)
{
	for (u32 reg = 0; reg < CONFIG_DWORDS * 4; reg += 4) {
		if (pci_conf1_read32(bus, dev, fn, reg) != pci_ecam_read32(e, bus, dev, fn, reg)) {
			*bad_reg = reg;
			return false;
		}
	}
	return true;
}

static bool function_all_ones(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn)
{
	for (u32 reg = 0; reg < CONFIG_DWORDS * 4; reg += 4) {
		if (pci_conf1_read32(bus, dev, fn, reg) != 0xffffffff)
			return false;
		if (e && pci_ecam_read32(e, bus, dev, fn, reg) != 0xffffffff)
			return false;
	}
	return true;
}

static void check_host_bridge(void)
{
	u32 id = pci_conf1_read32(0, 0, 0, PCI_VENDOR_ID);
	u32 class = pci_conf1_read32(0, 0, 0, PCI_CLASS_REVISION) >> 16;

	report_prefix_push("conf1");
	report((id & 0xffff) != 0xffff && (id & 0xffff) != 0, "00:00.0 present (%04x:%04x)",
	       id & 0xffff, id >> 16);
	report(class == PCI_CLASS_BRIDGE_HOST, "00:00.0 is a host bridge (class 0x%04x)",
	       class);
	report(pci_conf1_read16(0, 0, 0, PCI_DEVICE_ID) == id >> 16 &&
	       pci_conf1_read8(0, 0, 0, PCI_VENDOR_ID + 1) == ((id >> 8) & 0xff),
	       "16- and 8-bit reads agree with the 32-bit read");
	report_prefix_pop();
}

/* Size the first memory BAR of some device through conf1, check it through ECAM. */
static void check_bar_write(const struct pci_ecam *e)
{
	for (u32 dev = 0; dev < 32; dev++) {
		if ((pci_conf1_read32(0, dev, 0, PCI_VENDOR_ID) & 0xffff) == 0xffff)
			continue;
		if ((pci_conf1_read32(0, dev, 0, PCI_HEADER_TYPE & ~3) >> 16 & 0x7f) != 0)
			continue;
		for (u32 bar = PCI_BAR0; bar < PCI_BAR0 + 24; bar += 4) {
			u32 orig = pci_conf1_read32(0, dev, 0, bar), mask;

			if (!orig || (orig & 1))
				continue;
			u32 cmd = pci_conf1_read32(0, dev, 0, PCI_COMMAND);

			/* No memory decoding while the BAR holds the sizing pattern. */
			pci_conf1_write32(0, dev, 0, PCI_COMMAND, cmd & ~2U);
			pci_conf1_write32(0, dev, 0, bar, 0xffffffff);
			mask = pci_ecam_read32(e, 0, dev, 0, bar);
			pci_ecam_write32(e, 0, dev, 0, bar, orig);
			pci_conf1_write32(0, dev, 0, PCI_COMMAND, cmd);
			report((mask & ~0xfU) && (mask & 0xfU) == (orig & 0xfU) &&
			       pci_conf1_read32(0, dev, 0, bar) == orig,
			       "BAR 0x%x of 00:%02x.0 sized via conf1 (mask 0x%x), restored via ECAM",
			       bar, dev, mask);
			return;
		}
	}
	report_skip("no device with a memory BAR on bus 0 to size");
}

int main(int argc, char **argv)
{
	struct pci_ecam e;
	int present = 0, absent = 0, mismatches = 0;
	bool absent_ok = true;

	check_host_bridge();

	if (!pci_ecam_find(&e)) {
		report_skip("ECAM base unknown (no device tree, not a q35 host bridge)");
		return report_summary();
	}
	report_prefix_push("ecam");
	report_info("ECAM at 0x%lx, buses %u-%u (from the %s)", e.base, e.bus_start,
		    e.bus_end, e.source);
	if (boot_info.dtb)
		report(e.base == PLATFORM_ECAM_BASE && e.bus_start == 0 && e.bus_end == 15,
		       "device tree places ECAM at 0x%llx, buses 0-15", PLATFORM_ECAM_BASE);
	report(pci_ecam_read32(&e, 0, 0, 0, PCI_CLASS_REVISION) >> 16 == PCI_CLASS_BRIDGE_HOST,
	       "00:00.0 is a host bridge");

	for (u32 dev = 0; dev < 32; dev++) {
		for (u32 fn = 0; fn < 8; fn++) {
			u32 id = pci_conf1_read32(0, dev, fn, PCI_VENDOR_ID), reg;

			if ((id & 0xffff) == 0xffff) {
				absent++;
				if (!function_all_ones(&e, 0, dev, fn)) {
					report_info("00:%02x.%u absent but not all-ones", dev, fn);
					absent_ok = false;
				}
				continue;
			}
			present++;
			if (!function_matches(&e, 0, dev, fn, &reg)) {
				report_info("00:%02x.%u differs at 0x%02x: conf1 0x%08x ecam 0x%08x",
					    dev, fn, reg, pci_conf1_read32(0, dev, fn, reg),
					    pci_ecam_read32(&e, 0, dev, fn, reg));
				mismatches++;
			}
		}
	}
	report(present >= 1 && mismatches == 0,
	       "%d functions on bus 0 read the same through conf1 and ECAM", present);
	report(absent > 0 && absent_ok, "%d absent functions read all-ones both ways",
	       absent);
	if (e.bus_end > e.bus_start + 1) {
		u32 bus = e.bus_end;

		report(function_all_ones(&e, bus, 0, 0) && function_all_ones(&e, bus, 31, 7),
		       "empty bus %u reads all-ones", bus);
	}
	check_bar_write(&e);
	report_prefix_pop();
	return report_summary();
}
