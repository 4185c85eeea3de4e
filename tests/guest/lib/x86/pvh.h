/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH boot structures (vmm/pvh.h, imsvm's one definition of Xen's
 * start_info.h version 1) and what lib_start() found in them.
 */
#ifndef TESTS_GUEST_LIB_X86_PVH_H
#define TESTS_GUEST_LIB_X86_PVH_H

#include "libcflat.h"
#include "../../../../vmm/pvh.h"	/* the layouts, as imsvm writes them */

#define HVM_MEMMAP_TYPE_RAM		1
#define HVM_MEMMAP_TYPE_RESERVED	2

struct boot_info {
	const struct hvm_start_info *start_info;	/* NULL if magic was wrong */
	u32 start_info_pa;
	const char *cmdline;				/* "" if none */
	const struct hvm_memmap_table_entry *memmap;
	u32 memmap_entries;
	const void *dtb;				/* the "dtb" module or NULL */
	u64 dtb_size;
};

extern struct boot_info boot_info;

/* Sum of the sizes of the memory map's RAM entries. */
u64 boot_ram_total(void);

/* Kernel image bounds, from the linker script. */
extern char __kernel_start[], __kernel_end[];

#endif /* TESTS_GUEST_LIB_X86_PVH_H */
