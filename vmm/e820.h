/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's memory map, in the BIOS e820 form: the same table goes into
 * Linux's boot_params and (as hvm_memmap_table_entry) into PVH start_info.
 */
#ifndef VMM_E820_H
#define VMM_E820_H

#include <asm/e820.h>	/* E820_RAM, E820_RESERVED: the boot protocol's type codes */

#include "vmm/guest_mem.h"

/* RAM, EBDA, RAM, ECAM, IOAPIC, LAPIC, high RAM, with room to spare. */
#define E820_MAP_MAX	16

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;		/* E820_RAM or E820_RESERVED */
};

struct e820_map {
	unsigned int nr;
	struct e820_entry entries[E820_MAP_MAX];
};

/*
 * Describe @mem: RAM below the EBDA, the EBDA and BIOS area up to 1 MiB
 * reserved, RAM from 1 MiB to the low RAM end, the ECAM window and the
 * IOAPIC and LAPIC pages reserved, and RAM above 4 GiB. Sorted, no overlaps.
 * -EINVAL when @mem has no RAM above 1 MiB (nothing could boot there).
 */
int __must_check e820__build(const struct guest_mem *mem, struct e820_map *map);

#endif /* VMM_E820_H */
