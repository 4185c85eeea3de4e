/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel MultiProcessor Specification 1.4 tables: how a guest without ACPI
 * (Linux with CONFIG_X86_MPPARSE) finds its CPUs, the IOAPIC and the wiring
 * of ISA and PCI interrupts.
 */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include "vmm/guest_mem.h"

/* APIC ids 0..N-1 plus the IOAPIC id N must stay below the broadcast id 0xff. */
#define MPTABLE_MAX_CPUS	254

/* The wire formats (MP spec 1.4, chapter 4), little-endian, packed. */
struct mpf_intel {			/* floating pointer, 16 bytes */
	char signature[4];		/* "_MP_" */
	u32 physptr;			/* configuration table */
	u8 length;			/* in 16-byte units: 1 */
	u8 specification;		/* 4: version 1.4 */
	u8 checksum;			/* all 16 bytes sum to 0 */
	u8 feature1;			/* 0: a configuration table is present */
	u8 feature2;			/* bit 7 IMCR present: 0, virtual wire mode */
	u8 feature3, feature4, feature5;
} __attribute__((packed));

struct mpc_table {			/* configuration table header, 44 bytes */
	char signature[4];		/* "PCMP" */
	u16 length;			/* header and base entries */
	u8 spec;			/* 4 */
	u8 checksum;			/* the base table sums to 0 */
	char oem[8];
	char productid[12];
	u32 oemptr;
	u16 oemsize;
	u16 oemcount;			/* number of entries */
	u32 lapic;			/* local APIC address */
	u16 reserved_ext_length;	/* extended table: none */
	u8 ext_checksum;
	u8 reserved;
} __attribute__((packed));

enum mp_entry_type {
	MP_PROCESSOR = 0,
	MP_BUS = 1,
	MP_IOAPIC = 2,
	MP_INTSRC = 3,
	MP_LINTSRC = 4,
};

struct mpc_cpu {			/* 20 bytes */
	u8 type;
	u8 apicid;
	u8 apicver;
	u8 cpuflag;			/* bit 0 enabled, bit 1 bootstrap processor */
	u32 cpufeature;			/* CPUID(1).EAX signature */
	u32 featureflag;		/* CPUID(1).EDX */
	u32 reserved[2];
} __attribute__((packed));

#define MPC_CPU_ENABLED		0x01
#define MPC_CPU_BOOTPROCESSOR	0x02

struct mpc_bus {			/* 8 bytes */
	u8 type;
	u8 busid;
	char bustype[6];		/* "ISA   ", "PCI   " */
} __attribute__((packed));

struct mpc_ioapic {			/* 8 bytes */
	u8 type;
	u8 apicid;
	u8 apicver;
	u8 flags;			/* bit 0 enabled */
	u32 apicaddr;
} __attribute__((packed));

/* Shared by I/O (type 3) and local (type 4) interrupt assignment entries. */
struct mpc_intsrc {			/* 8 bytes */
	u8 type;
	u8 irqtype;			/* enum mp_irq_type */
	u16 irqflag;			/* polarity bits 1:0, trigger bits 3:2 */
	u8 srcbus;
	u8 srcbusirq;			/* ISA: IRQ; PCI: slot << 2 | (pin - 1) */
	u8 dstapic;			/* IOAPIC id; for LINT: 0xff = all LAPICs */
	u8 dstirq;			/* IOAPIC pin or LINTIN# */
} __attribute__((packed));

enum mp_irq_type { MP_INT = 0, MP_NMI = 1, MP_SMI = 2, MP_EXTINT = 3 };

#define MP_IRQPOL_DEFAULT	0x0
#define MP_IRQPOL_ACTIVE_HIGH	0x1
#define MP_IRQPOL_ACTIVE_LOW	0x3
#define MP_IRQTRIG_DEFAULT	(0x0 << 2)
#define MP_IRQTRIG_EDGE		(0x1 << 2)
#define MP_IRQTRIG_LEVEL	(0x3 << 2)

/*
 * Linux matches a PCI interrupt entry's source bus id against the PCI bus
 * number itself, so the PCI root bus must be MP bus 0; ISA comes after it.
 */
#define MPTABLE_BUS_PCI		0
#define MPTABLE_BUS_ISA		1
#define MPTABLE_PCI_SLOTS	32

/*
 * Write the floating pointer and the configuration table at LAYOUT_MPTABLE
 * for @nr_cpus processors (APIC ids 0..nr_cpus-1, the first is the BSP) and
 * one IOAPIC (id nr_cpus). -EINVAL for 0 or more than MPTABLE_MAX_CPUS CPUs,
 * -EFAULT when the BIOS area is not guest RAM.
 */
int __must_check mptable__write(const struct guest_mem *mem, unsigned int nr_cpus);

#endif /* VMM_MPTABLE_H */
