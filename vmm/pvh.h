/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PVH boot ABI (Xen's public arch-x86/hvm/start_info.h, version 1, and
 * its ELF note), which no libc header provides: the one place imsvm defines
 * these layouts. Addresses and sizes are little-endian; 0 means "absent".
 */
#ifndef VMM_PVH_H
#define VMM_PVH_H

/* <stdint.h> types only: the guest test library includes this header too. */
#include <stdint.h>

/* ELF note (name "Xen") holding the 32-bit physical entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY	18

#define XEN_HVM_START_MAGIC_VALUE	0x336ec578	/* "xEn3" with 0x80 in the 'E' */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;	/* 1: memmap_paddr/memmap_entries are valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;	/* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;	/* NUL-terminated */
	uint64_t rsdp_paddr;	/* ACPI RSDP: imsvm has none, 0 */
	uint64_t memmap_paddr;	/* struct hvm_memmap_table_entry[memmap_entries] */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* e820 type codes */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info v1 is 56 bytes");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist entry is 32 bytes");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry is 24 bytes");

#endif /* VMM_PVH_H */
