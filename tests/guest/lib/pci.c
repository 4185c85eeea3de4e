/* SPDX-License-Identifier: GPL-2.0-only */
#include "libcflat.h"
#include "fdt.h"
#include "pci.h"
#include "x86/processor.h"
#include "x86/pvh.h"

#define PCI_CONF_ADDR	0xcf8
#define PCI_CONF_DATA	0xcfc

static u32 conf1_addr(u32 bus, u32 dev, u32 fn, u32 reg)
{
	return 0x80000000U | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

u32 pci_conf1_read32(u32 bus, u32 dev, u32 fn, u32 reg)
{
	outl(conf1_addr(bus, dev, fn, reg), PCI_CONF_ADDR);
	return inl(PCI_CONF_DATA);
}

void pci_conf1_write32(u32 bus, u32 dev, u32 fn, u32 reg, u32 val)
{
	outl(conf1_addr(bus, dev, fn, reg), PCI_CONF_ADDR);
	outl(val, PCI_CONF_DATA);
}

u16 pci_conf1_read16(u32 bus, u32 dev, u32 fn, u32 reg)
{
	outl(conf1_addr(bus, dev, fn, reg), PCI_CONF_ADDR);
	return inw((u16)(PCI_CONF_DATA + (reg & 2)));
}

u8 pci_conf1_read8(u32 bus, u32 dev, u32 fn, u32 reg)
{
	outl(conf1_addr(bus, dev, fn, reg), PCI_CONF_ADDR);
	return inb((u16)(PCI_CONF_DATA + (reg & 3)));
}

static phys_addr_t ecam_addr(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn, u32 reg)
{
	return e->base + ((u64)(bus - e->bus_start) << 20 | dev << 15 | fn << 12 |
			  (reg & 0xffc));
}

u32 pci_ecam_read32(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn, u32 reg)
{
	return mmio_read32(ecam_addr(e, bus, dev, fn, reg));
}

void pci_ecam_write32(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn, u32 reg, u32 val)
{
	mmio_write32(ecam_addr(e, bus, dev, fn, reg), val);
}

static bool ecam_from_dtb(struct pci_ecam *e)
{
	const void *fdt = boot_info.dtb;
	int node, parent, ac, sc, len;
	const u32 *reg, *range;

	if (!fdt || fdt_check_header(fdt, boot_info.dtb_size))
		return false;
	node = fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic");
	if (node < 0)
		return false;
	parent = fdt_parent_offset(fdt, node);
	ac = fdt_address_cells(fdt, parent < 0 ? 0 : parent);
	sc = fdt_size_cells(fdt, parent < 0 ? 0 : parent);
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len < 4 * (ac + sc))
		return false;
	e->base = fdt_read_cells(&reg, ac);
	u64 size = fdt_read_cells(&reg, sc);

	e->bus_start = 0;
	e->bus_end = (u32)(size >> 20) - 1;
	range = fdt_getprop(fdt, node, "bus-range", &len);
	if (range && len == 8) {
		e->bus_start = fdt32_to_cpu(range[0]);
		e->bus_end = fdt32_to_cpu(range[1]);
	}
	e->source = "device tree";
	return true;
}

/* QEMU q35 (MCH 8086:29c0): PCIEXBAR at config offset 0x60, set by firmware. */
static bool ecam_from_q35(struct pci_ecam *e)
{
	u32 lo, id = pci_conf1_read32(0, 0, 0, PCI_VENDOR_ID);
	static const u32 buses[] = { 256, 128, 64, 0 };

	if (id != (0x29c0U << 16 | 0x8086))
		return false;
	lo = pci_conf1_read32(0, 0, 0, 0x60);
	if (!(lo & 1) || !buses[(lo >> 1) & 3])
		return false;
	e->base = (lo & 0xf0000000U) | ((u64)pci_conf1_read32(0, 0, 0, 0x64) << 32);
	e->bus_start = 0;
	e->bus_end = buses[(lo >> 1) & 3] - 1;
	e->source = "q35 PCIEXBAR";
	return true;
}

bool pci_ecam_find(struct pci_ecam *e)
{
	memset(e, 0, sizeof(*e));
	return ecam_from_dtb(e) || ecam_from_q35(e);
}

const char *pci_class_name(u16 cs)
{
	switch (cs) {
	case 0x0100: return "SCSI controller";
	case 0x0101: return "IDE controller";
	case 0x0106: return "SATA controller";
	case 0x0108: return "NVMe controller";
	case 0x0200: return "Ethernet controller";
	case 0x0300: return "VGA controller";
	case 0x0600: return "host bridge";
	case 0x0601: return "ISA bridge";
	case 0x0604: return "PCI bridge";
	case 0x0780: return "communication controller";
	case 0x0c05: return "SMBus controller";
	case 0x00ff: return "unclassified device";
	}
	switch (cs >> 8) {
	case 0x01: return "storage controller";
	case 0x02: return "network controller";
	case 0x03: return "display controller";
	case 0x06: return "bridge";
	case 0x08: return "system peripheral";
	case 0x0c: return "serial bus controller";
	case 0xff: return "vendor-specific device";
	}
	return "device";
}
