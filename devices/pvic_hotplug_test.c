/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC core across hot unplug and plug (imsvm unassign/assign,
 * vmm/control_assign.c): a removed ADI's handles are gone and its
 * operations refused; a device plugged into the same function later is a
 * new ADI with its own handles; ADI slots do not run out over many cycles.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/pvic_core.h"
#include "devices/pvic_fake_be.h"

static struct fake_be fb;
static struct pvic_core core;
static struct pvic_page pg;
static u32 seq;
static int dev_a, dev_a2, dev_b;

#define ADI_A	PVIC_ADI_ID(0, 0, 3, 0)
#define ADI_B	PVIC_ADI_ID(0, 0, 4, 0)

static int run(u32 op, u32 adi, u32 count)
{
	pg.hdr.op = op;
	pg.hdr.adi = adi;
	pg.hdr.count = count;
	pg.hdr.flags = 0;
	pg.hdr.seq = seq++;
	return pvic_core__execute(&core, &pg);
}

static u32 alloc_n(u32 adi, u32 n)
{
	u32 ok = 0;

	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < n; i++)
		pg.e[i] = (struct pvic_entry){ .ims_index = i, .dest_id = 0, .vector = 0x40 + i };
	(void)run(PVIC_OP_ALLOC, adi, n);
	for (u32 i = 0; i < n; i++)
		ok += pg.e[i].status == 0;
	return ok;
}

static void setup(void)
{
	struct pvic_negotiate *n = (void *)&pg.e[0];

	fake_be__init(&fb, 2);
	cr_assert_eq(pvic_core__init(&core, &fake_be_ops, &fb, PVIC_FEAT_ALL, 2), 0);
	cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a, 65536, 0), 0);
	cr_assert_eq(pvic_core__add_adi(&core, ADI_B, &dev_b, 65536, 0), 0);
	memset(&pg, 0, sizeof(pg));
	n->version = PVIC_VERSION;
	n->features = PVIC_FEAT_ALL;
	seq = 100;
	cr_assert_eq(run(PVIC_OP_NEGOTIATE, 0, 1), 0);
}

static void teardown(void)
{
	pvic_core__destroy(&core);
}

TestSuite(pvic_hotplug, .init = setup, .fini = teardown);

Test(pvic_hotplug, replug_same_function)
{
	struct pvic_adi *a;

	cr_assert_eq(alloc_n(ADI_A, 8), 8);
	cr_assert_eq(alloc_n(ADI_B, 4), 4);
	cr_expect_eq(pvic_core__add_adi(&core, ADI_A, &dev_a2, 65536, 0), -EEXIST,
		     "a live ADI is not replaced");

	cr_assert_eq(pvic_core__adi_failed(&core, ADI_A), 0);
	a = pvic_core__find_adi(&core, ADI_A);
	cr_assert_not_null(a);
	cr_expect(a->failed);
	cr_expect_eq(a->nr_handles, 0, "every handle revoked");
	cr_expect_eq(run(PVIC_OP_ALLOC, ADI_A, 1), -ENODEV, "operations on it refused");

	cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a2, 65536, 0), 0,
		     "a device plugged into the removed one's function");
	a = pvic_core__find_adi(&core, ADI_A);
	cr_assert_not_null(a);
	cr_expect(!a->failed);
	cr_expect_eq(a->dev, &dev_a2);
	cr_expect_eq(a->cnt.allocs, 0, "a new ADI: its own counters");
	cr_expect_eq(alloc_n(ADI_A, 8), 8, "IMS indexes of the old device are free again");
	cr_expect_eq(pvic_core__find_adi(&core, ADI_B)->nr_handles, 4, "the other ADI untouched");
	cr_expect_eq(pvic_core__nr_adis(&core), 2);
}

Test(pvic_hotplug, many_cycles_do_not_use_up_slots)
{
	for (u32 i = 0; i < 3 * PVIC_MAX_ADIS; i++) {
		cr_assert_eq(pvic_core__adi_failed(&core, ADI_A), 0, "cycle %u", i);
		cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a, 65536, 0), 0, "cycle %u", i);
		cr_assert_eq(alloc_n(ADI_A, 2), 2, "cycle %u", i);
	}
	cr_expect(fake_be__consistent(&fb));
}
