/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>

#include "vmm/e820.h"
#include "vmm/layout.h"
#include "vmm/loader_test.h"

static void check_sorted_disjoint(const struct e820_map *m)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		cr_assert_gt(m->entries[i].size, 0, "entry %u is not empty", i);
		if (i)
			cr_assert_leq(m->entries[i - 1].addr + m->entries[i - 1].size,
				      m->entries[i].addr, "entries %u and %u sorted, disjoint", i - 1, i);
	}
}

static u64 ram_total(const struct e820_map *m)
{
	u64 sum = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->entries[i].type == E820_RAM)
			sum += m->entries[i].size;
	return sum;
}

Test(e820, small_guest)
{
	struct guest_mem mem;
	struct e820_map m;
	u8 *fake = (u8 *)0x1000;	/* e820 never touches guest memory */

	cr_assert_eq(guest_mem__layout(&mem, fake, -1, 256 * MiB), 0);
	cr_assert_eq(e820__build(&mem, &m), 0);
	check_sorted_disjoint(&m);
	cr_assert_eq(m.entries[0].addr, 0);
	cr_assert_eq(m.entries[0].size, LAYOUT_EBDA_START);
	cr_assert_eq(m.entries[0].type, E820_RAM);
	cr_assert_eq(m.entries[1].addr, LAYOUT_EBDA_START);
	cr_assert_eq(m.entries[1].addr + m.entries[1].size, 1 * MiB);
	cr_assert_eq(m.entries[1].type, E820_RESERVED);
	cr_assert_eq(m.entries[2].addr, 1 * MiB);
	cr_assert_eq(m.entries[2].addr + m.entries[2].size, 256 * MiB);
	cr_assert_eq(m.entries[2].type, E820_RAM);
	/* What the guest may use: all RAM but the EBDA..1 MiB hole. */
	cr_assert_eq(ram_total(&m), 256 * MiB - (1 * MiB - LAYOUT_EBDA_START));
	for (unsigned int i = 3; i < m.nr; i++)
		cr_assert_eq(m.entries[i].type, E820_RESERVED, "no RAM above the low end");
	cr_assert_eq(m.entries[3].addr, LAYOUT_PCI_ECAM_BASE);
	cr_assert_eq(m.entries[3].size, LAYOUT_PCI_ECAM_SIZE);
}

Test(e820, ram_split_around_the_pci_hole)
{
	struct guest_mem mem;
	struct e820_map m;
	u8 *fake = (u8 *)0x1000;
	bool ioapic = false, lapic = false;

	cr_assert_eq(guest_mem__layout(&mem, fake, -1, 6 * GiB), 0);
	cr_assert_eq(e820__build(&mem, &m), 0);
	check_sorted_disjoint(&m);
	cr_assert_eq(m.entries[2].addr + m.entries[2].size, LAYOUT_PCI_HOLE_START);
	cr_assert_eq(m.entries[m.nr - 1].addr, LAYOUT_HIGH_RAM_START);
	cr_assert_eq(m.entries[m.nr - 1].size, 6 * GiB - LAYOUT_PCI_HOLE_START);
	cr_assert_eq(m.entries[m.nr - 1].type, E820_RAM);
	cr_assert_eq(ram_total(&m), 6 * GiB - (1 * MiB - LAYOUT_EBDA_START));
	for (unsigned int i = 0; i < m.nr; i++) {
		const struct e820_entry *e = &m.entries[i];

		ioapic |= e->type == E820_RESERVED && e->addr == LAYOUT_IOAPIC_BASE;
		lapic |= e->type == E820_RESERVED && e->addr == LAYOUT_LAPIC_BASE;
		/* Nothing may claim the 32-bit BAR window. */
		if (e->type == E820_RAM)
			cr_assert(!ranges_overlap(e->addr, e->size, LAYOUT_PCI_MMIO32_BASE,
						  LAYOUT_PCI_MMIO32_SIZE));
	}
	cr_assert(ioapic && lapic);
}

Test(e820, guest_without_ram_above_1mib_refused)
{
	struct guest_mem mem;
	struct e820_map m;
	struct errlog log;
	u8 *fake = (u8 *)0x1000;

	cr_assert_eq(guest_mem__layout(&mem, fake, -1, 1 * MiB), 0);
	errlog_begin(&log);
	cr_assert_eq(e820__build(&mem, &m), -EINVAL);
	errlog_expect_one(&log, "1 MiB");
}
