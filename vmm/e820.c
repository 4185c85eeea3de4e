/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <string.h>

#include "vmm/e820.h"
#include "vmm/layout.h"
#include "vmm/log.h"

static void add(struct e820_map *map, u64 addr, u64 size, u32 type)
{
	/* The fixed layout never needs more than E820_MAP_MAX; see e820.h. */
	if (map->nr >= E820_MAP_MAX)
		die("e820: more than %d entries (broken layout)", E820_MAP_MAX);
	map->entries[map->nr++] = (struct e820_entry){ .addr = addr, .size = size, .type = type };
}

int e820__build(const struct guest_mem *mem, struct e820_map *map)
{
	u64 low_end = guest_mem__low_end(mem);

	memset(map, 0, sizeof(*map));
	if (low_end <= LAYOUT_KERNEL_DEFAULT) {
		pr_err("e820: guest RAM (%llu KiB below 4 GiB) must extend past 1 MiB",
		       (unsigned long long)(low_end / KiB));
		return -EINVAL;
	}

	/*
	 * The EBDA and the BIOS area (where the MP table lives) are reserved
	 * so the guest neither allocates nor clobbers them.
	 */
	add(map, 0, LAYOUT_EBDA_START, E820_RAM);
	add(map, LAYOUT_EBDA_START, LAYOUT_KERNEL_DEFAULT - LAYOUT_EBDA_START, E820_RESERVED);
	add(map, LAYOUT_KERNEL_DEFAULT, low_end - LAYOUT_KERNEL_DEFAULT, E820_RAM);

	/*
	 * Linux trusts an MMCONFIG (ECAM) area only if firmware reserved it;
	 * the irqchip pages are reserved as on real PCs. The 32-bit BAR
	 * window stays a hole: the PCI core allocates from it.
	 */
	add(map, LAYOUT_PCI_ECAM_BASE, LAYOUT_PCI_ECAM_SIZE, E820_RESERVED);
	add(map, LAYOUT_IOAPIC_BASE, 0x1000, E820_RESERVED);
	add(map, LAYOUT_LAPIC_BASE, 0x1000, E820_RESERVED);

	if (mem->nr_regions > 1)
		add(map, mem->regions[1].gpa, mem->regions[1].size, E820_RAM);
	return 0;
}
