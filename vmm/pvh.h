/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PVH boot ABI (Xen's public arch-x86/hvm/start_info.h, version 1, and
 * its ELF note), which no libc header provides: the one place imsvm defines
 * these layouts. Addresses and sizes are little-endian; 0 means "absent".
 */
#ifndef VMM_PVH_H
#define VMM_PVH_H

#include "vmm/util.h"

/* ELF note (name "Xen") holding the 32-bit physical entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY	18

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578	/* "xEn3" with 0x80 in the 'E' */

struct hvm_start_info {
	u32 magic;
	u32 version;		/* 1: memmap_paddr/memmap_entries are valid */
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;	/* struct hvm_modlist_entry[nr_modules] */
	u64 cmdline_paddr;	/* NUL-terminated */
	u64 rsdp_paddr;		/* ACPI RSDP: imsvm has none, 0 */
	u64 memmap_paddr;	/* struct hvm_memmap_table_entry[memmap_entries] */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;		/* e820 type codes */
	u32 reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info v1 is 56 bytes");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist entry is 32 bytes");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry is 24 bytes");

#endif /* VMM_PVH_H */
