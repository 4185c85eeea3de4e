/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two ADIs behind one PV-IC: a handle belongs to the ADI it was allocated
 * for. The other ADI can neither free, retarget, mask, unmask nor query it
 * (EPERM), and its device writing the other ADI's message is blocked by
 * the remapping (counted), never delivered. Resetting one ADI leaves the
 * other's vectors working. Run by tests/pvic/run.sh with two simulator
 * ADIs, from one server process or from two.
 */
#include "pvic_adi.h"

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];

static bool raise_expect(struct pa_adi *a, u32 i, int vector)
{
	int total = pa_total(vector), before = pa_count(0, vector);
	u32 s = pa_raise(a, i);

	if (s != ADISIM_COMP_SUCCESS) {
		report_info("IMS %u: descriptor status %u", i, s);
		return false;
	}
	if (!pa_wait(0, vector, before + 1)) {
		report_info("IMS %u: no interrupt 0x%x (raised %lu delivered %lu blocked %lu)", i,
			    vector, pa_counter(a, ADISIM_CNT_RAISED),
			    pa_counter(a, ADISIM_CNT_DELIVERED), pa_counter(a, ADISIM_CNT_BLOCKED));
		return false;
	}
	return pa_total(vector) == total + 1;
}

int main(int argc, char **argv)
{
	static const u32 ops[] = { PVIC_OP_FREE, PVIC_OP_RETARGET, PVIC_OP_MASK,
				   PVIC_OP_UNMASK, PVIC_OP_GET_PENDING };
	struct pa_adi *a, *b;
	struct pvic_msg ma, mb;
	u32 dest[1];
	u64 blocked;
	int bs, n;

	if (!pvic_find(&p)) {
		report_skip("no PV-IC on bus 0");
		return report_summary();
	}
	n = pa_find(adis, PA_MAX_ADIS);
	if (n < 2) {
		report_skip("needs two ADI simulator functions (%d found)", n);
		return report_summary();
	}
	a = &adis[0];
	b = &adis[1];
	dest[0] = apic_id();
	pa_start_two(&p, a, b);
	n = pvic_alloc(&p, a->id, 1, 0, dest, 1, 0x40, 1, 0, &ma, NULL, &bs);
	n += pvic_alloc(&p, b->id, 1, 0, dest, 1, 0x41, 1, 0, &mb, NULL, &bs);
	report(n == 2, "one vector each: handles %u and %u", ma.handle, mb.handle);
	report(ma.handle != mb.handle, "distinct handles");
	pa_ims_write(a, 0, &ma);
	pa_ims_write(b, 0, &mb);
	report(raise_expect(a, 0, 0x40), "ADI 00:%02x.0 interrupts on 0x40", a->slot);
	report(raise_expect(b, 0, 0x41), "ADI 00:%02x.0 interrupts on 0x41", b->slot);

	report_prefix_push("foreign handle");
	for (u32 i = 0; i < ARRAY_SIZE(ops); i++) {
		struct pvic_entry e = { .handle = ma.handle, .dest_id = dest[0], .vector = 0x50 };
		int es = 0, ret = pvic_one(&p, ops[i], b->id, &e, &es);

		report(ret == PVIC_EPERM && es == PVIC_EPERM, "op %u by the other ADI: EPERM", ops[i]);
	}
	report(raise_expect(a, 0, 0x40), "the owner's vector is untouched");
	report_prefix_pop();

	report_prefix_push("forged");
	blocked = pa_counter(b, ADISIM_CNT_BLOCKED);
	pa_ims_write(b, 1, &ma);
	report(pa_raise(b, 1) == ADISIM_COMP_SUCCESS, "ADI b raises a's message");
	report(pa_quiet(0x40, 2) && pa_counter(b, ADISIM_CNT_BLOCKED) == blocked + 1,
	       "blocked and counted, not delivered");
	blocked = pa_counter(a, ADISIM_CNT_BLOCKED);
	pa_ims_write(a, 1, &mb);
	(void)pa_raise(a, 1);
	report(pa_quiet(0x41, 1) && pa_counter(a, ADISIM_CNT_BLOCKED) == blocked + 1,
	       "and the other way round");
	report_prefix_pop();

	report(pvic_reset_adi(&p, b->id) == 0 && p.page->hdr.done == 1, "RESET_ADI of b");
	report(raise_expect(a, 0, 0x40), "a still interrupts");
	blocked = pa_counter(b, ADISIM_CNT_BLOCKED);
	(void)pa_raise(b, 0);
	report(pa_quiet(0x41, 1) && pa_counter(b, ADISIM_CNT_BLOCKED) == blocked + 1,
	       "b's reset handle is blocked");
	report(pvic_reset_adi(&p, a->id) == 0, "RESET_ADI of a");
	return report_summary();
}
