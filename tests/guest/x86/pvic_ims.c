/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC with the ADI simulator assigned (docs/pvic.md): IMS vectors
 * allocated in batches of 1, 64 and 2048, their messages written into the
 * device's IMS storage by this guest, interrupts raised by descriptors
 * arriving on the vCPU and vector asked for; RETARGET moves the next one
 * without touching IMS; MASK keeps one pending that UNMASK delivers once;
 * FREE makes the device's write a remapping fault, as are forged messages;
 * every entry-level error; the GSI table running out without harm.
 *
 * Run by tests/pvic/run.sh with one simulator ADI (--ims-entries=2048) and
 * 2 vCPUs. Without a PV-IC or an ADI the test is skipped. Command line:
 * relay=1 when imsvm runs with --irq-delivery=relay (no GSI table to fill).
 */
#include "pvic_adi.h"

static struct pvic p;
static struct pa_adi adis[PA_MAX_ADIS];
static struct pa_adi *a;
static int ncpus;
static struct pvic_msg msgs[4200];
static int st[4200];
static u32 dests[MAX_CPUS];

/* Raise IMS entry @i and expect exactly one interrupt on @cpu, @vector. */
static bool raise_expect(u32 i, int cpu, int vector)
{
	int before = pa_count(cpu, vector), total = pa_total(vector);
	u32 s = pa_raise(a, i);

	if (s != ADISIM_COMP_SUCCESS) {
		report_info("IMS %u: descriptor status %u", i, s);
		return false;
	}
	if (!pa_wait(cpu, vector, before + 1)) {
		report_info("IMS %u: no interrupt on CPU %d vector 0x%x (%d elsewhere)", i, cpu,
			    vector, pa_total(vector) - total);
		return false;
	}
	return pa_total(vector) == total + 1;
}

static void test_query(void)
{
	struct pvic_adi_info q;

	report_prefix_push("query");
	report(pvic_query(&p, a->id, &q) == 0, "QUERY_ADI on 00:%02x.0", a->slot);
	report(q.irq_count == ADISIM_IRT_SIZE, "IMS IRQ index count %u", q.irq_count);
	report(q.state == PVIC_ADI_PRESENT, "present");
	report(pvic_reset_adi(&p, a->id) == 0, "RESET_ADI");
	report(pvic_query(&p, a->id, &q) == 0 && q.handles_owned == 0, "no handles owned");
	report(q.handles_free == PVIC_MAX_HANDLES, "%u handles free", q.handles_free);
	report_prefix_pop();
}

/* 1 vector, then 64 spread over the CPUs. Returns the handle of the first. */
static u32 test_alloc_small(void)
{
	int bs;
	u32 n, ok = 0;
	u64 before = p.doorbells;

	report_prefix_push("alloc 1");
	dests[0] = cpu_apic_id(0);
	n = pvic_alloc(&p, a->id, 1, 0, dests, 1, PA_VEC_FIRST, 1, 0, msgs, st, &bs);
	report(n == 1 && bs == 0, "granted (status %d)", bs);
	report(msgs[0].addr_lo == PVIC_MSI_REMAP_ADDR(msgs[0].handle) && msgs[0].addr_hi == 0 &&
	       msgs[0].data == 0, "remappable message for handle %u: 0x%x", msgs[0].handle,
	       msgs[0].addr_lo);
	report(p.doorbells - before == 1, "one doorbell");
	pa_ims_write(a, 0, &msgs[0]);
	report(raise_expect(0, 0, PA_VEC_FIRST), "interrupt on CPU 0, vector 0x%x", PA_VEC_FIRST);
	report_prefix_pop();

	report_prefix_push("alloc 64");
	for (int c = 0; c < ncpus; c++)
		dests[c] = cpu_apic_id(c);
	before = p.doorbells;
	n = pvic_alloc(&p, a->id, 64, 1, dests, ncpus, 0x50, 64, 0, msgs + 1, st + 1, &bs);
	report(n == 64 && bs == 0, "64 granted in %u doorbell(s)", (u32)(p.doorbells - before));
	for (u32 i = 1; i <= 64; i++)
		pa_ims_write(a, i, &msgs[i]);
	for (u32 i = 1; i <= 64; i++)
		ok += raise_expect(i, (int)((i - 1) % ncpus), 0x50 + (int)(i - 1));
	report(ok == 64, "each of 64 interrupts on its CPU and vector (%u)", ok);
	report_prefix_pop();
	return msgs[0].handle;
}

static void test_retarget_mask_free(u32 h)
{
	int to = ncpus - 1;
	u64 blocked;
	u8 flags = 0;
	u32 addr = a->ims[0];

	report_prefix_push("retarget");
	report(pvic_retarget(&p, a->id, h, cpu_apic_id(to), PA_VEC_FIRST + 1) == 0,
	       "handle %u to CPU %d vector 0x%x", h, to, PA_VEC_FIRST + 1);
	report(p.page->e[0].addr_lo == addr, "the message is unchanged");
	report(raise_expect(0, to, PA_VEC_FIRST + 1), "the next interrupt lands there");
	report(a->ims[0] == addr, "IMS entry untouched");
	report_prefix_pop();

	report_prefix_push("mask");
	report(pvic_mask(&p, a->id, h, true) == 0, "MASK");
	report(pa_raise(a, 0) == ADISIM_COMP_SUCCESS && pa_raise(a, 0) == ADISIM_COMP_SUCCESS,
	       "device raised twice while masked");
	report(pa_quiet(PA_VEC_FIRST + 1, 1), "nothing delivered while masked");
	report(pvic_get_pending(&p, a->id, h, &flags) == 0 &&
	       flags == (PVIC_ENTRY_F_MASKED | PVIC_ENTRY_F_PENDING), "GET_PENDING: masked, "
	       "pending (0x%x)", flags);
	report(pvic_mask(&p, a->id, h, false) == 0, "UNMASK");
	report(pa_wait(to, PA_VEC_FIRST + 1, 2), "the pending interrupt arrives on unmask");
	report(pa_quiet(PA_VEC_FIRST + 1, 2), "exactly once");
	report(pvic_get_pending(&p, a->id, h, &flags) == 0 && flags == 0, "no longer pending");
	report_prefix_pop();

	report_prefix_push("free");
	report(pvic_free(&p, a->id, &h, 1) == 0, "FREE handle %u", h);
	blocked = pa_counter(a, ADISIM_CNT_BLOCKED);
	report(pa_raise(a, 0) == ADISIM_COMP_SUCCESS, "device raises the freed entry");
	report(pa_quiet(PA_VEC_FIRST + 1, 2), "no interrupt");
	report(pa_counter(a, ADISIM_CNT_BLOCKED) == blocked + 1, "remapping fault counted");
	pa_ims_raw(a, 0, PVIC_MSI_REMAP_ADDR(30000), 0, 0);
	(void)pa_raise(a, 0);
	report(pa_counter(a, ADISIM_CNT_BLOCKED) == blocked + 2,
	       "forged message (handle never allocated) blocked");
	pa_ims_raw(a, 0, 0xFEE00000u | cpu_apic_id(0) << 12, 0, PA_VEC_FIRST);
	(void)pa_raise(a, 0);
	report(pa_counter(a, ADISIM_CNT_BLOCKED) == blocked + 3 && pa_quiet(PA_VEC_FIRST, 1),
	       "forged compatibility-format message blocked");
	report(pvic_free(&p, a->id, &h, 1) == PVIC_ENOENT, "double free: ENOENT");
	report(pvic_reset_adi(&p, a->id) == 0 && p.page->hdr.done == 64,
	       "RESET_ADI frees the other 64");
	report_prefix_pop();
}

static int one(u32 op, struct pvic_entry e)
{
	int es = 0, bs = pvic_one(&p, op, a->id, &e, &es);

	return bs ? bs : es;
}

static void test_errors(void)
{
	struct pvic_entry ok = { .ims_index = 100, .dest_id = cpu_apic_id(0), .vector = 0x60 };
	struct pvic_entry e;
	struct pvic_adi_info q0, q1;
	u32 h;

	report_prefix_push("errors");
	(void)pvic_query(&p, a->id, &q0);
	e = ok; e.vector = 15;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "vector 15: EINVAL");
	e = ok; e.vector = 20;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "vector 20 (exceptions): EINVAL");
	e = ok; e.dest_id = 200;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "destination not a vCPU: EINVAL");
	e = ok; e.dest_id = 0xff;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "broadcast: EINVAL");
	e = ok; e.dest_mode = PVIC_DEST_LOGICAL;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EOPNOTSUPP, "logical destination: EOPNOTSUPP");
	e = ok; e.delivery_mode = 4;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "NMI delivery: EINVAL");
	e = ok; e.flags = 0x40;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "reserved entry flag: EINVAL");
	e = ok; e.ims_index = 40000;
	report(one(PVIC_OP_ALLOC, e) == PVIC_EINVAL, "IMS index out of range: EINVAL");
	(void)pvic_query(&p, a->id, &q1);
	report(q1.handles_owned == q0.handles_owned && q1.handles_free == q0.handles_free &&
	       q1.routes_free == q0.routes_free, "refused entries changed nothing");

	report(one(PVIC_OP_ALLOC, ok) == 0, "valid entry granted");
	h = p.page->e[0].handle;
	report(one(PVIC_OP_ALLOC, ok) == PVIC_EBUSY, "second handle for IMS %u: EBUSY",
	       ok.ims_index);
	e = (struct pvic_entry){ .handle = 31999 };
	report(one(PVIC_OP_FREE, e) == PVIC_ENOENT, "unknown handle: ENOENT");
	e = (struct pvic_entry){ .handle = 0 };
	report(one(PVIC_OP_MASK, e) == PVIC_ENOENT, "handle 0: ENOENT");
	e = (struct pvic_entry){ .handle = h, .dest_id = 77, .vector = 0x60 };
	report(one(PVIC_OP_RETARGET, e) == PVIC_EINVAL, "RETARGET to a non-vCPU: EINVAL");

	/* A batch of three where the middle one is bad. */
	p.page->e[0] = (struct pvic_entry){ .ims_index = 101, .dest_id = 0, .vector = 0x61 };
	p.page->e[1] = (struct pvic_entry){ .ims_index = 102, .dest_id = 0, .vector = 3 };
	p.page->e[2] = (struct pvic_entry){ .ims_index = 103, .dest_id = 0, .vector = 0x62 };
	report(pvic_submit(&p, PVIC_OP_ALLOC, a->id, 3, 0) == PVIC_EINVAL &&
	       p.page->hdr.done == 2 && p.page->hdr.result == PVIC_RESULT_PARTIAL,
	       "partial grant: 2 of 3, PARTIAL, first error EINVAL");
	p.page->e[0] = (struct pvic_entry){ .ims_index = 104, .dest_id = 0, .vector = 0x61 };
	p.page->e[1] = (struct pvic_entry){ .ims_index = 105, .dest_id = 0, .vector = 3 };
	report(pvic_submit(&p, PVIC_OP_ALLOC, a->id, 2, PVIC_HDR_F_ALL_OR_NOTHING) == PVIC_EINVAL &&
	       p.page->hdr.done == 0 && p.page->e[0].status == PVIC_ECANCELED,
	       "all-or-nothing: the good entry is cancelled");
	report(pvic_reset_adi(&p, a->id) == 0 && p.page->hdr.done == 3,
	       "RESET_ADI frees the 3 live handles");
	report_prefix_pop();
}

static void test_2048(void)
{
	struct pvic_adi_info q;
	u32 n, ok = 0, tried = 0, want = MIN(2048u, a->ims_entries);
	u64 before = p.doorbells;
	u32 handles[2048];
	int bs;

	report_prefix_push("alloc 2048");
	if (want < 2048)
		report_info("the device has %u IMS entries: allocating %u", a->ims_entries, want);
	n = pvic_alloc(&p, a->id, want, 0, dests, ncpus, PA_VEC_FIRST,
		       PA_VEC_LAST - PA_VEC_FIRST + 1, 0, msgs, st, &bs);
	report(n == want && bs == 0, "%u granted in %u doorbells", n, (u32)(p.doorbells - before));
	for (u32 i = 0; i < n; i++)
		pa_ims_write(a, i, &msgs[i]);
	for (u32 i = 0; i < n; i += (i < 8 ? 1 : 97)) {
		tried++;
		ok += raise_expect(i, (int)(i % ncpus),
				   PA_VEC_FIRST + (int)(i % (PA_VEC_LAST - PA_VEC_FIRST + 1)));
	}
	tried++;
	ok += raise_expect(n - 1, (int)((n - 1) % ncpus),
			   PA_VEC_FIRST + (int)((n - 1) % (PA_VEC_LAST - PA_VEC_FIRST + 1)));
	report(ok == tried, "%u of %u sampled entries interrupt on their CPU and vector", ok, tried);
	for (u32 i = 0; i < n; i++)
		handles[i] = msgs[i].handle;
	report(pvic_free(&p, a->id, handles, n) == 0, "FREE all");
	report(pvic_query(&p, a->id, &q) == 0 && q.handles_owned == 0 &&
	       q.handles_free == PVIC_MAX_HANDLES, "every handle back");
	report_prefix_pop();
}

static void test_gsi_exhaustion(void)
{
	struct pvic_adi_info q;
	unsigned long relay = 0;
	u32 n, got = 0;
	int bs = 0;

	report_prefix_push("GSI table");
	if (arg_get_ulong("relay", &relay) && relay) {
		report_skip("relay delivery (--irq-delivery=relay) uses no GSI route");
		report_prefix_pop();
		return;
	}
	/* One live vector in IMS 0 first, to prove the table survives. */
	n = pvic_alloc(&p, a->id, 1, 0, dests, 1, 0x70, 1, 0, msgs, st, &bs);
	pa_ims_write(a, 0, &msgs[0]);
	(void)pvic_query(&p, a->id, &q);
	report_info("%u routes free", q.routes_free);
	if (q.routes_free + 64 > ARRAY_SIZE(msgs)) {
		report_skip("more routes than this test allocates (%u)", q.routes_free);
		goto out;
	}
	n = pvic_alloc(&p, a->id, q.routes_free + 40, PVIC_IMS_ANY, dests, 1, 0x71, 1, 0,
		       msgs + 1, st + 1, &bs);
	got = n;
	report(n == q.routes_free && bs == PVIC_ENOSPC, "%u granted, then ENOSPC (%d)", n, bs);
	report(st[q.routes_free + 40] == PVIC_ENOSPC, "the last entry says ENOSPC");
	report(raise_expect(0, 0, 0x70), "the vector allocated before still interrupts");
out:
	report(pvic_reset_adi(&p, a->id) == 0 && p.page->hdr.done == got + 1,
	       "RESET_ADI frees all %u", got + 1);
	(void)pvic_query(&p, a->id, &q);
	report(q.routes_free >= got, "routes given back (%u free)", q.routes_free);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct smp_result res;
	u32 h;

	if (!pvic_find(&p)) {
		report_skip("no PV-IC on bus 0");
		return report_summary();
	}
	if (pa_find(adis, PA_MAX_ADIS) < 1) {
		report_skip("no ADI simulator function assigned");
		return report_summary();
	}
	a = &adis[0];
	pa_irq_setup();
	if (smp_init(&res))
		report_info("SMP: %s", res.reason);
	ncpus = cpu_count();
	report_info("%d CPU(s), ADI at 00:%02x.0 with %u IMS entries", ncpus, a->slot,
		    a->ims_entries);
	irq_enable();
	report(pvic_negotiate(&p, PVIC_FEAT_ALL) == 0, "NEGOTIATE");
	test_query();
	h = test_alloc_small();
	test_retarget_mask_free(h);
	test_errors();
	test_2048();
	test_gsi_exhaustion();
	return report_summary();
}
