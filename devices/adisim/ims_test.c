/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: remappable-format decode, IMS raise, masking and pending. */
#include "devices/adisim/fixture_test.h"

Test(adisim_remap, remappable_handles_round_trip)
{
	static const u32 handles[] = { 0, 1, 7, 0x1234, 0x7fff, 0x8000, 0xabcd, 0xffff };
	unsigned int i;
	u32 h;

	for (i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		cr_assert_eq(adisim_remap__decode(ADISIM_MSI_REMAP_ADDR(handles[i]), 0, 0x55, &h), 0);
		cr_assert_eq(h, handles[i], "handle %#x decoded as %#x", handles[i], h);
	}
}

Test(adisim_remap, field_positions)
{
	u32 h;

	/* handle[14:0] in bits 19:5, handle[15] in bit 2, bit 4 set. */
	cr_assert_eq(ADISIM_MSI_REMAP_ADDR(1), 0xFEE00030u);
	cr_assert_eq(ADISIM_MSI_REMAP_ADDR(0x8000), 0xFEE00014u);
	cr_assert_eq(adisim_remap__decode(0xFEEFFFF4u, 0, 0, &h), 0);
	cr_assert_eq(h, 0xffff);
}

Test(adisim_remap, subhandle_added_when_shv)
{
	u32 h;

	cr_assert_eq(adisim_remap__decode(ADISIM_MSI_REMAP_ADDR(100) | ADISIM_MSI_ADDR_SHV, 0,
					  0xabcd0005, &h), 0);
	cr_assert_eq(h, 105);
	/* Without SHV the data is ignored. */
	cr_assert_eq(adisim_remap__decode(ADISIM_MSI_REMAP_ADDR(100), 0, 5, &h), 0);
	cr_assert_eq(h, 100);
	/* Handle + subhandle beyond the table is a fault. */
	cr_assert_eq(adisim_remap__decode(ADISIM_MSI_REMAP_ADDR(0xffff) | ADISIM_MSI_ADDR_SHV, 0,
					  1, &h), -ERANGE);
}

Test(adisim_remap, compatibility_and_garbage_rejected)
{
	u32 h = 12345;

	cr_assert_eq(adisim_remap__decode(0xFEE01000u, 0, 0x4041, &h), -EPERM);
	cr_assert_eq(adisim_remap__decode(0xFED00010u, 0, 0, &h), -EINVAL);
	cr_assert_eq(adisim_remap__decode(0, 0, 0, &h), -EINVAL);
	cr_assert_eq(adisim_remap__decode(ADISIM_MSI_REMAP_ADDR(3), 1, 0, &h), -EINVAL);
	cr_assert_eq(h, 12345, "handle written on failure");
}

Test(adisim_ims, bar_size_is_power_of_two_at_least_4k)
{
	static const u32 entries[] = { 1, 256, 257, 300, 2048, 32768 };
	static const u64 sizes[] = { 4096, 4096, 8192, 8192, 32768, 524288 };
	unsigned int i;
	struct tfx t;

	for (i = 0; i < 6; i++) {
		tfx_init(&t, entries[i]);
		cr_assert_eq(t.adi[0].ims_bar_size, sizes[i], "%u entries: %llu", entries[i],
			     (unsigned long long)t.adi[0].ims_bar_size);
		cr_assert_eq(t.adi[0].ims[(entries[i] - 1) * 4 + 3], ADISIM_IMS_CTRL_MASK);
		tfx_fini(&t);
	}
}

Test(adisim_ims, delivers_through_bound_handle_only)
{
	struct tfx t;
	struct adisim_adi *a;
	int e5, e6;

	tfx_init(&t, 64);
	a = &t.adi[0];
	e5 = tfx_bind(&t, 0, 5);
	e6 = tfx_bind(&t, 1, 6);
	ims_set(a, 0, ADISIM_MSI_REMAP_ADDR(5), 0, 0, 0);
	ims_set(a, 1, ADISIM_MSI_REMAP_ADDR(6), 0, 0, 0);	/* adi1's handle */
	ims_set(a, 2, ADISIM_MSI_REMAP_ADDR(9), 0, 0, 0);	/* unbound */
	ims_set(a, 3, 0xFEE00000u, 0, 0x30, 0);			/* compatibility */
	cr_assert_eq(adisim_ims__raise(a, 0), IRQ_DELIVERED);
	cr_assert_eq(adisim_ims__raise(a, 1), IRQ_BLOCKED);
	cr_assert_eq(adisim_ims__raise(a, 2), IRQ_BLOCKED);
	cr_assert_eq(adisim_ims__raise(a, 3), IRQ_BLOCKED);
	cr_assert_eq(adisim_ims__raise(a, 64), IRQ_BLOCKED);	/* out of range */
	cr_assert_eq(efd_count(e5), 1);
	cr_assert_eq(efd_count(e6), 0);
	cr_assert_eq(a->cnt[ADISIM_CNT_RAISED], 5);
	cr_assert_eq(a->cnt[ADISIM_CNT_DELIVERED], 1);
	cr_assert_eq(a->cnt[ADISIM_CNT_BLOCKED], 3);
	cr_assert_eq(a->cnt[ADISIM_CNT_FAULTS], 1);
	cr_assert_eq(t.adi[1].cnt[ADISIM_CNT_DELIVERED], 0);
	close(e5);
	close(e6);
	tfx_fini(&t);
}

Test(adisim_ims, masked_entry_pends_until_unmasked)
{
	struct tfx t;
	struct adisim_adi *a;
	int e;

	tfx_init(&t, 128);
	a = &t.adi[0];
	e = tfx_bind(&t, 0, 77);
	ims_set(a, 100, ADISIM_MSI_REMAP_ADDR(77), 0, 0, ADISIM_IMS_CTRL_MASK);
	cr_assert_eq(adisim_ims__raise(a, 100), IRQ_MASKED);
	cr_assert_eq(adisim_ims__raise(a, 100), IRQ_MASKED);
	cr_assert(a->ims[100 * 4 + 3] & ADISIM_IMS_CTRL_PENDING);
	cr_assert_eq(a->ims_npending, 1);
	cr_assert_eq(a->cnt[ADISIM_CNT_MASKED_PENDING], 2);
	adisim_ims__recheck(a);			/* still masked: nothing */
	cr_assert_eq(efd_count(e), 0);
	/* A client overwriting the control word cannot lose the pending state. */
	a->ims[100 * 4 + 3] = ADISIM_IMS_CTRL_MASK;
	adisim_ims__recheck(a);
	cr_assert(a->ims[100 * 4 + 3] & ADISIM_IMS_CTRL_PENDING, "pending bit not restored");
	a->ims[100 * 4 + 3] = 0;		/* unmask through the mapping */
	adisim_ims__recheck(a);
	cr_assert_eq(efd_count(e), 1, "one message for the pending interrupt");
	cr_assert_eq(a->ims[100 * 4 + 3] & ADISIM_IMS_CTRL_PENDING, 0);
	cr_assert_eq(a->ims_npending, 0);
	close(e);
	tfx_fini(&t);
}

Test(adisim_ims, region_access_keeps_pending_device_owned)
{
	struct tfx t;
	struct adisim_adi *a;
	u32 v;
	int e;

	tfx_init(&t, 16);
	a = &t.adi[0];
	e = tfx_bind(&t, 0, 1);
	/* Write the entry through REGION_WRITE as a trapping client would. */
	v = ADISIM_MSI_REMAP_ADDR(1);
	cr_assert_eq(adisim_ims__access(a, 2 * 16 + 0, &v, 4, true), 0);
	v = ADISIM_IMS_CTRL_MASK | ADISIM_IMS_CTRL_PENDING;	/* software cannot set pending */
	cr_assert_eq(adisim_ims__access(a, 2 * 16 + 12, &v, 4, true), 0);
	cr_assert_eq(a->ims[2 * 4 + 3], ADISIM_IMS_CTRL_MASK);
	cr_assert_eq(adisim_ims__raise(a, 2), IRQ_MASKED);
	v = 0;
	cr_assert_eq(adisim_ims__access(a, 2 * 16 + 12, &v, 4, true), 0);
	cr_assert_eq(efd_count(e), 1, "unmask by REGION_WRITE delivers at once");
	cr_assert_eq(adisim_ims__access(a, 2 * 16 + 12, &v, 4, false), 0);
	cr_assert_eq(v, 0);
	/* Bad sizes, alignment and offsets. */
	cr_assert_eq(adisim_ims__access(a, 2, &v, 4, false), -EINVAL);
	cr_assert_eq(adisim_ims__access(a, 0, &v, 2, false), -EINVAL);
	cr_assert_eq(adisim_ims__access(a, a->ims_bar_size, &v, 4, false), -EINVAL);
	/* Padding beyond the entries reads 0 and ignores writes. */
	v = 0xffffffff;
	cr_assert_eq(adisim_ims__access(a, 16 * 16, &v, 4, true), 0);
	cr_assert_eq(adisim_ims__access(a, 16 * 16, &v, 4, false), 0);
	cr_assert_eq(v, 0);
	close(e);
	tfx_fini(&t);
}
