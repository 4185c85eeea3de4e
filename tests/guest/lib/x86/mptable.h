/* SPDX-License-Identifier: GPL-2.0-only */
/* Intel MultiProcessor Specification 1.4 tables, as firmware or imsvm lays them out. */
#ifndef TESTS_GUEST_LIB_X86_MPTABLE_H
#define TESTS_GUEST_LIB_X86_MPTABLE_H

#include "libcflat.h"

#define MPTABLE_MAX_CPUS	64
#define MPTABLE_MAX_INTSRC	64

struct mptable_intsrc {
	u8 irqtype;		/* 0 INT, 1 NMI, 2 SMI, 3 ExtINT */
	u16 flags;
	u8 srcbus, srcirq, dstapic, dstpin;
};

struct mptable {
	bool found;
	bool checksums_ok;	/* floating pointer and configuration table */
	phys_addr_t fp_addr, config_addr;
	u32 lapic_addr;
	int ncpus;		/* enabled processors */
	u32 apic_ids[MPTABLE_MAX_CPUS];
	u32 bsp_apic_id;
	int nioapics;
	u8 ioapic_id;
	u32 ioapic_addr;
	int isa_bus;		/* bus id of the "ISA   " bus, or -1 */
	int pci_bus;		/* bus id of the "PCI   " bus, or -1 */
	int nintsrc;
	struct mptable_intsrc intsrc[MPTABLE_MAX_INTSRC];
};

/* Find and parse the tables; mp->found says whether there were any. */
void mptable_parse(struct mptable *mp);
/* IOAPIC pin of ISA IRQ irq (ISA overrides), or -1 if not listed. */
int mptable_isa_irq_pin(const struct mptable *mp, int irq);

#endif /* TESTS_GUEST_LIB_X86_MPTABLE_H */
