/* SPDX-License-Identifier: GPL-2.0-only */
/* PCI configuration space through mechanism #1 (0xCF8/0xCFC) and ECAM. */
#ifndef TESTS_GUEST_LIB_PCI_H
#define TESTS_GUEST_LIB_PCI_H

#include "libcflat.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_CLASS_BRIDGE_HOST	0x0600

struct pci_ecam {
	phys_addr_t base;
	u32 bus_start, bus_end;	/* inclusive */
	const char *source;	/* where the base came from */
};

u32 pci_conf1_read32(u32 bus, u32 dev, u32 fn, u32 reg);
void pci_conf1_write32(u32 bus, u32 dev, u32 fn, u32 reg, u32 val);
u16 pci_conf1_read16(u32 bus, u32 dev, u32 fn, u32 reg);
u8 pci_conf1_read8(u32 bus, u32 dev, u32 fn, u32 reg);

u32 pci_ecam_read32(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn, u32 reg);
void pci_ecam_write32(const struct pci_ecam *e, u32 bus, u32 dev, u32 fn, u32 reg, u32 val);
/*
 * Find ECAM: the device tree's "pci-host-ecam-generic" node (imsvm), else
 * the Q35 host bridge's PCIEXBAR (QEMU q35, so the code is exercised under
 * QEMU too). Returns false if neither says.
 */
bool pci_ecam_find(struct pci_ecam *e);

/* Printable name of a class code (class << 8 | subclass). */
const char *pci_class_name(u16 class_subclass);

#endif /* TESTS_GUEST_LIB_PCI_H */
