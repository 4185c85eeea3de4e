/* SPDX-License-Identifier: GPL-2.0-only */
/* The remapping table's entries grow with the handles given out (devices/pvic_irt.c). */
#include <errno.h>

#include <criterion/criterion.h>

#include "devices/pvic_irt.h"

Test(pvic_irt, starts_empty_and_grows_with_the_handles_given_out)
{
	struct pvic_irt irt;
	u32 h, last = 0;

	cr_assert_eq(pvic_irt__init(&irt), 0);
	cr_assert_eq(irt.cap, 0, "no entry before the first handle");
	cr_assert_null(pvic_irt__get(&irt, 1));
	cr_assert_null(pvic_irt__get(&irt, 5000));
	for (u32 i = 0; i < 300; i++) {
		cr_assert_eq(pvic_irt__alloc(&irt, 7, &h), 0);
		cr_assert_eq(h, i + 1, "first fit: consecutive handles");
		cr_assert_lt(h, irt.cap);
		cr_assert_eq(irt.e[h].owner, 7);
		irt.e[h].vector = 0x40;		/* dirty it: a reused entry must come back cleared */
		irt.e[h].masked = true;
		last = h;
	}
	cr_assert_lt(irt.cap, 1024, "grows by doubling, not to the full table");
	pvic_irt__free(&irt, last);
	cr_assert_null(pvic_irt__get(&irt, last));
	pvic_irt__quarantine(&irt, 1);
	cr_assert_null(pvic_irt__get(&irt, 1));
	pvic_irt__destroy(&irt);
}

Test(pvic_irt, every_handle_then_enospc)
{
	struct pvic_irt irt;
	u32 h, n = 0;

	cr_assert_eq(pvic_irt__init(&irt), 0);
	while (pvic_irt__alloc(&irt, 1, &h) == 0) {
		cr_assert_eq(irt.e[h].vector, 0, "a new entry is cleared");
		cr_assert_eq(irt.e[h].owner, 1);
		n++;
	}
	cr_assert_eq(n, PVIC_MAX_HANDLES);
	cr_assert_eq(irt.cap, PVIC_IRT_SIZE);
	cr_assert_eq(pvic_irt__alloc(&irt, 1, &h), -ENOSPC);
	pvic_irt__free(&irt, 12345);
	cr_assert_eq(pvic_irt__alloc(&irt, 1, &h), 0);
	cr_assert_eq(h, 12345, "the freed handle is found again");
	cr_assert_eq(irt.e[h].owner, 1);
	pvic_irt__destroy(&irt);
}
