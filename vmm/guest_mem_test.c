/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmm/guest_mem.h"
#include "vmm/layout.h"

Test(guest_mem, small_ram_is_one_low_region)
{
	static u8 buf[64 * 1024];
	struct guest_mem mem;

	cr_assert_eq(guest_mem__layout(&mem, buf, -1, sizeof(buf)), 0);
	cr_assert_eq(mem.nr_regions, 1);
	cr_assert_eq(guest_mem__low_end(&mem), sizeof(buf));
	cr_assert_eq(guest_mem__ptr(&mem, 0x1000, 16), buf + 0x1000);
	cr_assert_null(guest_mem__ptr(&mem, sizeof(buf) - 8, 16), "straddles the end");
	cr_assert_null(guest_mem__ptr(&mem, ~0ULL - 4, 16), "wraps");
}

Test(guest_mem, large_ram_splits_around_pci_hole)
{
	struct guest_mem mem;
	u8 *fake = (u8 *)0x10000; /* never dereferenced */

	cr_assert_eq(guest_mem__layout(&mem, fake, -1, 4 * GiB), 0);
	cr_assert_eq(mem.nr_regions, 2);
	cr_assert_eq(mem.regions[0].size, LAYOUT_PCI_HOLE_START);
	cr_assert_eq(mem.regions[1].gpa, LAYOUT_HIGH_RAM_START);
	cr_assert_eq(mem.regions[1].size, 4 * GiB - LAYOUT_PCI_HOLE_START);
	cr_assert_null(guest_mem__ptr(&mem, LAYOUT_PCI_HOLE_START, 1), "hole is not RAM");
	cr_assert_eq(guest_mem__ptr(&mem, LAYOUT_HIGH_RAM_START, 1), fake + LAYOUT_PCI_HOLE_START);
}

Test(guest_mem, bad_sizes_refused)
{
	struct guest_mem mem;
	u8 b[8];

	cr_assert_eq(guest_mem__layout(&mem, b, -1, 0), -EINVAL);
	cr_assert_eq(guest_mem__layout(&mem, b, -1, 4097), -EINVAL);
}
