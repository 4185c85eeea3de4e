/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine imsvm builds: guest-physical addresses and I/O ports.
 *
 * This is the platform ABI every guest sees; docs/architecture.md documents it
 * and the device tree describes it. Guest test kernels keep their own copy of
 * the few constants they need (guest code does not include host headers).
 */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

/* ---- guest-physical memory ------------------------------------------- */

/* Low RAM ends where the 32-bit PCI hole starts; the rest of RAM goes above 4 GiB. */
#define LAYOUT_PCI_HOLE_START	0xC0000000ULL	/* 3 GiB */
#define LAYOUT_HIGH_RAM_START	0x100000000ULL	/* 4 GiB */

/* 32-bit PCI MMIO window, where BARs below 4 GiB are placed. */
#define LAYOUT_PCI_MMIO32_BASE	0xC0000000ULL
#define LAYOUT_PCI_MMIO32_SIZE	0x20000000ULL	/* 512 MiB */

/* PCI I/O port window, where I/O BARs are placed (above the legacy ISA ports). */
#define LAYOUT_PCI_IO_BASE	0x6000ULL
#define LAYOUT_PCI_IO_SIZE	0xA000ULL	/* up to 0xFFFF */

/* PCI Express enhanced configuration (ECAM): bus 0..15, 1 MiB per bus. */
#define LAYOUT_PCI_ECAM_BASE	0xE0000000ULL
#define LAYOUT_PCI_ECAM_BUSES	16
#define LAYOUT_PCI_ECAM_SIZE	(LAYOUT_PCI_ECAM_BUSES * 0x100000ULL)

/* 64-bit PCI MMIO window: far above any RAM we allow (RAM is capped below it). */
#define LAYOUT_PCI_MMIO64_BASE	0x8000000000ULL	/* 512 GiB */
#define LAYOUT_PCI_MMIO64_SIZE	0x1000000000ULL	/* 64 GiB */

/* Platform MMIO owned by KVM's in-kernel irqchip. */
#define LAYOUT_IOAPIC_BASE	0xFEC00000ULL
#define LAYOUT_LAPIC_BASE	0xFEE00000ULL

/* ---- boot structures in low memory (below 1 MiB) ---------------------- */

#define LAYOUT_BOOT_GDT		0x00000500ULL	/* GDT for the boot vCPU state */
#define LAYOUT_BOOT_INFO	0x00007000ULL	/* boot_params (Linux) or hvm_start_info (PVH) */
#define LAYOUT_PVH_MEMMAP	0x00008000ULL	/* hvm_memmap_table_entry[] / hvm_modlist_entry[] */
#define LAYOUT_PAGE_TABLES	0x00009000ULL	/* PML4, PDPT, 4 PDs: identity map of 4 GiB */
#define LAYOUT_CMDLINE		0x00020000ULL
#define LAYOUT_CMDLINE_MAX	0x00010000ULL	/* 64 KiB */
#define LAYOUT_DTB		0x00040000ULL	/* setup_data header + DTB, or the DTB module */
#define LAYOUT_DTB_MAX		0x00010000ULL	/* 64 KiB */
#define LAYOUT_BOOT_STACK	0x0008F000ULL	/* initial stack pointer for ELF entry */
#define LAYOUT_EBDA_START	0x0009FC00ULL	/* reserved from here to 1 MiB in e820 */
#define LAYOUT_MPTABLE		0x000F0000ULL	/* MP floating pointer + config table (BIOS area) */
#define LAYOUT_KERNEL_DEFAULT	0x00100000ULL	/* 1 MiB */

/* ---- I/O ports --------------------------------------------------------- */

#define LAYOUT_PORT_I8042	0x0064	/* only the reset command (0xFE) is implemented */
#define LAYOUT_PORT_RTC		0x0070	/* MC146818 CMOS RTC: index 0x70, data 0x71 */
#define LAYOUT_PORT_TEST_EXIT	0x00F4	/* 32-bit write: the VM ends with that status */
#define LAYOUT_PORT_COM1	0x03F8	/* 8250/16550 UART, IRQ 4 */
#define LAYOUT_IRQ_COM1		4
#define LAYOUT_PORT_PCI_CONF	0x0CF8	/* configuration mechanism #1: 0xCF8..0xCFF */

/* ---- interrupts ---------------------------------------------------------- */

/*
 * PCI INTx: device in slot S, pin P (1 = INTA .. 4 = INTD) is wired to IOAPIC
 * pin 16 + ((S + P - 1) % 4), the usual swizzle; the MP table says so too.
 */
#define LAYOUT_PCI_INTX_GSI(slot, pin)	(16 + (((slot) + (pin) - 1) % 4))
#define LAYOUT_IOAPIC_PINS	24

#endif /* VMM_LAYOUT_H */
