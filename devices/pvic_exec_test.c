/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC executor against a fake backend that records calls: every
 * operation, every error path of docs/pvic.md section 6, one commit per
 * batch, partial grants, GSI and handle exhaustion, mask/unmask.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices/adisim/regs.h"	/* the format the simulator decodes */
#include "devices/pvic_core.h"
#include "devices/pvic_fake_be.h"

static struct fake_be fb;
static struct pvic_core core;
static struct pvic_page pg;
static u32 seq;
static int dev_a, dev_b;	/* backend cookies: their addresses */

#define ADI_A	PVIC_ADI_ID(0, 0, 3, 0)
#define ADI_B	PVIC_ADI_ID(0, 0, 4, 0)
#define NOT_ADI	PVIC_ADI_ID(0, 0, 9, 0)

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int run(u32 op, u32 adi, u32 count, u32 flags)
{
	pg.hdr.op = op;
	pg.hdr.adi = adi;
	pg.hdr.count = count;
	pg.hdr.flags = flags;
	pg.hdr.seq = seq++;
	pg.hdr.status = 12345;	/* the host must overwrite it */
	return pvic_core__execute(&core, &pg);
}

static int negotiate(u32 features)
{
	struct pvic_negotiate *n = (void *)&pg.e[0];

	memset(&pg, 0, sizeof(pg));
	n->version = PVIC_VERSION;
	n->features = features;
	seq = 100;
	return run(PVIC_OP_NEGOTIATE, 0, 1, 0);
}

static void fill_alloc(u32 i, u32 ims, u32 dest, u8 vector)
{
	pg.e[i] = (struct pvic_entry){ .ims_index = ims, .dest_id = dest, .vector = vector,
				       .handle = 0xdeadbeef, .status = 777 };
}

/* ALLOC @n entries for @adi (IMS index @ims0 + i, vCPU i % 2, vector 0x40 + i). */
static int alloc_n(u32 adi, u32 n, u32 ims0)
{
	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < n; i++)
		fill_alloc(i, ims0 == PVIC_IMS_ANY ? PVIC_IMS_ANY : ims0 + i, i % 2, 0x40 + i);
	return run(PVIC_OP_ALLOC, adi, n, 0);
}

static void handles_op(u32 op, u32 adi, const u32 *h, u32 n)
{
	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < n; i++)
		pg.e[i].handle = h[i];
	(void)run(op, adi, n, 0);
}

static void setup(void)
{
	fake_be__init(&fb, 4);
	cr_assert_eq(pvic_core__init(&core, &fake_be_ops, &fb, PVIC_FEAT_ALL, 4), 0);
	cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a, 65536, 0), 0);
	cr_assert_eq(pvic_core__add_adi(&core, ADI_B, &dev_b, 65536, 0), 0);
	cr_assert_eq(negotiate(PVIC_FEAT_ALL), 0);
}

static void teardown(void)
{
	pvic_core__destroy(&core);
}

TestSuite(pvic, .init = setup, .fini = teardown);

/* ---- header, sequence, negotiation ---- */

Test(pvic, negotiate_reports_limits_and_sets_sequence)
{
	struct pvic_negotiate *n = (void *)&pg.e[0];

	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(n->version, PVIC_VERSION);
	cr_assert_eq(n->features, PVIC_FEAT_ALL);
	cr_assert_eq(n->max_entries, 126);
	cr_assert_eq(n->nr_adis, 2);
	cr_assert_eq(n->max_handles, 32767);
	cr_assert_eq(n->nr_vcpus, 4);
	cr_assert_eq(core.next_seq, 101);
}

Test(pvic, negotiate_keeps_only_offered_features)
{
	pvic_core__destroy(&core);
	cr_assert_eq(pvic_core__init(&core, &fake_be_ops, &fb, PVIC_FEAT_MASK, 4), 0);
	cr_assert_eq(negotiate(0xFFFFFFFFu), 0);
	cr_assert_eq(((struct pvic_negotiate *)&pg.e[0])->features,
		     PVIC_FEAT_MASK | PVIC_FEAT_BATCH);
}

Test(pvic, negotiate_wrong_major_is_eproto)
{
	struct pvic_negotiate *n = (void *)&pg.e[0];

	memset(&pg, 0, sizeof(pg));
	n->version = 2 << 16;
	cr_assert_eq(run(PVIC_OP_NEGOTIATE, 0, 1, 0), -EPROTO);
	cr_assert_eq(n->status, -EPROTO);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EPROTO, "not negotiated any more");
}

Test(pvic, nothing_before_negotiate)
{
	pvic_core__reset(&core);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EPROTO);
	cr_assert_eq(pg.hdr.status, -EPROTO);
	cr_assert_eq(pg.e[0].status, 777, "entries untouched by a batch error");
	cr_assert_eq(fb.creates + fb.updates, 0);
}

Test(pvic, wrong_sequence_refused_and_not_advanced)
{
	u32 next = core.next_seq;

	seq = next + 5;
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EPROTO);
	cr_assert_eq(core.next_seq, next);
	seq = next - 1;		/* a replay of the previous batch */
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EPROTO);
	cr_assert_eq(fb.creates + fb.bind_calls, 0);
	seq = next;
	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	cr_assert_eq(core.next_seq, next + 1);
}

Test(pvic, matched_sequence_advances_even_on_error)
{
	u32 next = core.next_seq;

	cr_assert_eq(run(42, ADI_A, 1, 0), -EOPNOTSUPP);
	cr_assert_eq(core.next_seq, next + 1);
	cr_assert_eq(run(0, ADI_A, 1, 0), -EOPNOTSUPP);
	cr_assert_eq(core.next_seq, next + 2);
}

Test(pvic, bad_headers)
{
	cr_assert_eq(alloc_n(ADI_A, 0, 0), -EINVAL, "count 0");
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 127, 0), -EINVAL, "count beyond the page");
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 0xFFFFFFFFu, 0), -EINVAL);
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 1, 0x4), -EINVAL, "reserved flag");
	pg.hdr.reserved[7] = 1;
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 1, 0), -EINVAL, "reserved header field");
	pg.hdr.reserved[7] = 0;
	cr_assert_eq(run(PVIC_OP_RESET_ADI, ADI_A, 1, 0), -EINVAL, "RESET_ADI takes no entries");
	cr_assert_eq(run(PVIC_OP_QUERY_ADI, ADI_A, 2, 0), -EINVAL);
	cr_assert_eq(alloc_n(NOT_ADI, 1, 0), -ENODEV, "not an ADI of this VM");
	cr_assert_eq(pg.hdr.done, 0);
	cr_assert_eq(fb.creates + fb.bind_calls + fb.commits, 0, "nothing changed");
	cr_assert_eq(core.cnt.batch_errors[PVIC_ERR_EINVAL], 7);
	cr_assert_eq(core.cnt.batch_errors[PVIC_ERR_ENODEV], 1);
}

Test(pvic, features_not_negotiated_are_eopnotsupp)
{
	u32 h;

	cr_assert_eq(negotiate(PVIC_FEAT_BATCH), 0);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	handles_op(PVIC_OP_MASK, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, -EOPNOTSUPP);
	handles_op(PVIC_OP_RETARGET, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, -EOPNOTSUPP);
	fill_alloc(0, 5, 300, 0x40);		/* x2APIC id without the feature */
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 1, 0), -EINVAL);
	fill_alloc(0, 5, 1, 0x40);
	pg.e[0].delivery_mode = PVIC_DELIVERY_LOWEST;
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 1, 0), -EOPNOTSUPP);
}

/* ---- QUERY_ADI ---- */

Test(pvic, query_adi)
{
	struct pvic_adi_info *q = (void *)&pg.e[0];

	cr_assert_eq(alloc_n(ADI_A, 3, 0), 0);
	cr_assert_eq(run(PVIC_OP_QUERY_ADI, ADI_A, 1, 0), 0);
	cr_assert_eq(q->irq_count, 65536);
	cr_assert_eq(q->handles_owned, 3);
	cr_assert_eq(q->handles_free, 32767 - 3);
	cr_assert_eq(q->routes_free, 4096 - FAKE_GSI_RESERVED - 3);
	cr_assert_eq(q->state, PVIC_ADI_PRESENT);
	cr_assert_eq(q->status, 0);
	cr_assert_eq(run(PVIC_OP_QUERY_ADI, NOT_ADI, 1, 0), -ENODEV);
}

/* ---- ALLOC ---- */

Test(pvic, alloc_one_returns_remappable_pair)
{
	const struct pvic_route *r;
	u32 h;

	cr_assert_eq(alloc_n(ADI_A, 1, 7), 0);
	h = pg.e[0].handle;
	cr_assert(h >= 1 && h <= 32767);
	cr_assert_eq(pg.e[0].status, 0);
	cr_assert_eq(pg.e[0].addr_lo, 0xFEE00010u | h << 5);
	cr_assert_eq(pg.e[0].addr_lo, ADISIM_MSI_REMAP_ADDR(h), "the simulator's format");
	cr_assert_eq(pg.e[0].addr_hi, 0);
	cr_assert_eq(pg.e[0].data, 0);
	cr_assert_eq(pg.e[0].flags, 0);
	cr_assert_eq(pg.hdr.done, 1);
	cr_assert_eq(pg.hdr.result, 0);
	r = fake_be__route(&fb, h);
	cr_assert_not_null(r, "route committed");
	cr_assert_eq(r->dest_id, 0);
	cr_assert_eq(r->vector, 0x40);
	cr_assert(fb.vec[h].attached, "irqfd attached");
	cr_assert_eq(fb.bound_efd[h], fb.vec[h].efd, "the device signals the vector's eventfd");
	cr_assert_eq(fb.bound_dev[h], &dev_a, "bound on the ADI's device");
	cr_assert_eq(core.adi[0].cnt.allocs, 1);
}

Test(pvic, remappable_format_matches_simulator_for_every_handle)
{
	for (u32 h = 1; h <= PVIC_MAX_HANDLES; h++)
		cr_assert_eq(PVIC_MSI_REMAP_ADDR(h), ADISIM_MSI_REMAP_ADDR(h), "handle %u", h);
}

Test(pvic, full_page_batch_is_one_commit_one_bind)
{
	cr_assert_eq(alloc_n(ADI_A, 126, 0), 0);
	cr_assert_eq(pg.hdr.done, 126);
	cr_assert_eq(fb.commits, 1, "one commit per batch");
	cr_assert_eq(fb.pushes, 1, "one KVM_SET_GSI_ROUTING per batch");
	cr_assert_eq(fb.bind_calls, 1, "consecutive handles: one SET_IRQS");
	cr_assert_eq(fb.bind_handles, 126);
	cr_assert_eq(fb.attaches, 126);
	for (u32 i = 0; i < 126; i++) {
		u32 h = pg.e[i].handle;

		cr_assert_eq(pg.e[i].status, 0);
		cr_assert_eq(pg.e[i].ims_index, i);
		cr_assert_eq(fake_be__route(&fb, h)->dest_id, i % 2);
		cr_assert_eq(fake_be__route(&fb, h)->vector, 0x40 + i);
	}
	cr_assert(fake_be__consistent(&fb));
}

Test(pvic, alloc_2048_in_17_batches)
{
	u32 total = 0;

	for (u32 b = 0; total < 2048; b++) {
		u32 n = MIN(126u, 2048 - total);

		cr_assert_eq(alloc_n(ADI_A, n, total), 0);
		total += pg.hdr.done;
	}
	cr_assert_eq(fb.pushes, 17);
	cr_assert_eq(core.adi[0].nr_handles, 2048);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + 2048);
}

Test(pvic, alloc_masked_does_not_attach)
{
	fill_alloc(0, 1, 0, 0x50);
	pg.e[0].flags = PVIC_ENTRY_F_MASKED;
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 1, 0), 0);
	cr_assert_eq(pg.e[0].flags, PVIC_ENTRY_F_MASKED);
	cr_assert_eq(fb.attaches, 0);
	cr_assert_eq(fb.pushes, 0, "a masked vector has no GSI yet");
	cr_assert_eq(fb.bind_calls, 1, "but the device knows its eventfd");
}

Test(pvic, alloc_invalid_fields_partial_grant)
{
	memset(pg.e, 0, sizeof(pg.e));
	fill_alloc(0, 0, 0, 0x40);		/* ok */
	fill_alloc(1, 1, 0, 15);		/* vector < 16 */
	fill_alloc(2, 2, 0, 20);		/* exception vector */
	fill_alloc(3, 3, 4, 0x40);		/* not a vCPU */
	fill_alloc(4, 4, 0xFF, 0x40);		/* broadcast */
	fill_alloc(5, 5, 0, 0x40);
	pg.e[5].delivery_mode = 2;		/* SMI */
	fill_alloc(6, 6, 0, 0x40);
	pg.e[6].dest_mode = PVIC_DEST_LOGICAL;
	fill_alloc(7, 7, 0, 0x40);
	pg.e[7].dest_mode = 9;
	fill_alloc(8, 8, 0, 0x40);
	pg.e[8].flags = 0x80;			/* reserved flag */
	fill_alloc(9, 32768, 0, 0x40);		/* IMS index out of range */
	fill_alloc(10, 0, 1, 0x41);		/* IMS index 0 taken by entry 0 */
	fill_alloc(11, PVIC_IMS_ANY, 3, 0xFF);	/* ok */
	fill_alloc(12, 0xFFFFFFFEu, 0, 0x40);	/* not ANY, out of range */
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 13, 0), -EINVAL, "first failure's code");
	cr_assert_eq(pg.hdr.done, 2);
	cr_assert_eq(pg.hdr.result, PVIC_RESULT_PARTIAL);
	int want[] = { 0, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EOPNOTSUPP, -EINVAL,
		       -EINVAL, -EINVAL, -EBUSY, 0, -EINVAL };
	for (u32 i = 0; i < ARRAY_SIZE(want); i++)
		cr_assert_eq(pg.e[i].status, want[i], "entry %u: %d", i, pg.e[i].status);
	cr_assert_eq(pg.e[1].handle, 0xdeadbeef, "failed entries' out fields untouched");
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + 2);
	cr_assert_eq(core.irt.nr_free, 32767 - 2, "no handle leaked");
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_EINVAL], 9);
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_EBUSY], 1);
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_EOPNOTSUPP], 1);
}

Test(pvic, ims_index_busy_across_batches_and_free_again)
{
	u32 h;

	cr_assert_eq(alloc_n(ADI_A, 1, 9), 0);
	h = pg.e[0].handle;
	cr_assert_eq(alloc_n(ADI_A, 1, 9), -EBUSY);
	cr_assert_eq(alloc_n(ADI_B, 1, 9), 0, "IMS indexes are per ADI");
	handles_op(PVIC_OP_FREE, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(alloc_n(ADI_A, 1, 9), 0);
}

Test(pvic, all_or_nothing_undoes_the_batch)
{
	int fds = count_fds();

	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < 10; i++)
		fill_alloc(i, i, 0, 0x40);
	pg.e[6].vector = 3;
	cr_assert_eq(run(PVIC_OP_ALLOC, ADI_A, 10, PVIC_HDR_F_ALL_OR_NOTHING), -EINVAL);
	cr_assert_eq(pg.hdr.done, 0);
	cr_assert_eq(pg.hdr.result, 0);
	for (u32 i = 0; i < 10; i++)
		cr_assert_eq(pg.e[i].status, i == 6 ? -EINVAL : -ECANCELED);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED);
	cr_assert(fake_be__consistent(&fb));
	cr_assert_eq(count_fds(), fds, "no eventfd leaked");
	for (u32 h = 0; h < PVIC_IRT_SIZE; h++)
		cr_assert(!fb.vec[h].live && !fb.bound_dev[h]);
}

Test(pvic, gsi_exhaustion_is_enospc_without_corruption)
{
	/* Leave exactly 60 free routes. */
	fb.gsi_limit = FAKE_GSI_RESERVED + 60;
	cr_assert_eq(alloc_n(ADI_A, 64, 0), -ENOSPC);
	cr_assert_eq(pg.hdr.done, 60);
	cr_assert_eq(pg.hdr.result, PVIC_RESULT_PARTIAL);
	for (u32 i = 0; i < 64; i++)
		cr_assert_eq(pg.e[i].status, i < 60 ? 0 : -ENOSPC);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + 60);
	cr_assert(fake_be__consistent(&fb));
	cr_assert_eq(core.irt.nr_free, 32767 - 60, "failed entries returned their handles");
	for (u32 g = 0; g < FAKE_GSI_RESERVED; g++)
		cr_assert(fb.committed[g].used, "the IOAPIC routes survive");
	cr_assert_eq(alloc_n(ADI_B, 1, 0), -ENOSPC);
	cr_assert_eq(pg.hdr.done, 0);
}

Test(pvic, handle_exhaustion_is_enospc, .timeout = 60)
{
	u32 total = 0;

	fb.gsi_limit = FAKE_GSI_MAX;
	fb.no_fds = true;	/* 32767 eventfds exceed a test's RLIMIT_NOFILE */
	while (total < PVIC_MAX_HANDLES) {
		u32 n = MIN(126u, PVIC_MAX_HANDLES - total);

		cr_assert_eq(alloc_n(ADI_A, n, PVIC_IMS_ANY), 0, "at %u: %d %d", total, pg.hdr.status, pg.hdr.done);
		total += n;
	}
	cr_assert_eq(core.irt.nr_free, 0);
	cr_assert_eq(alloc_n(ADI_B, 2, PVIC_IMS_ANY), -ENOSPC);
	cr_assert_eq(pg.e[0].status, -ENOSPC);
	cr_assert_eq(pg.e[1].status, -ENOSPC);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + PVIC_MAX_HANDLES);
}

Test(pvic, bind_failure_fails_the_run_and_counts_a_fault)
{
	int fds = count_fds();

	fb.fail_bind = -ETIMEDOUT;
	cr_assert_eq(alloc_n(ADI_A, 4, 0), -EAGAIN);
	for (u32 i = 0; i < 4; i++)
		cr_assert_eq(pg.e[i].status, -EAGAIN);
	cr_assert_eq(core.adi[0].cnt.faults, 1);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(fb.pushes, 0, "nothing to push");
	cr_assert_eq(count_fds(), fds, "vectors closed");
	fb.fail_bind = -ECONNRESET;
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -ENODEV);
	fb.fail_bind = -EPROTO + 1000;		/* anything unexpected */
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EIO);
	/* The device's EINVAL (a server out of fds) is not the guest's: EIO. */
	fb.fail_bind = -EINVAL;
	cr_assert_eq(alloc_n(ADI_A, 2, 0), -EIO);
	cr_assert_eq(pg.e[1].status, -EIO);
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_EINVAL], 0);
	fb.fail_bind = -EPERM;
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EIO);
	fb.fail_bind = -EBUSY;
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EBUSY, "the device refused the handle as in use");
}

Test(pvic, commit_failure_undoes_everything)
{
	int fds = count_fds();

	fb.fail_commit = -ENOMEM;
	cr_assert_eq(alloc_n(ADI_A, 8, 0), -EIO);
	cr_assert_eq(pg.hdr.done, 0);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(fb.unbind_handles, 8, "unbound on the device again");
	cr_assert_eq(fb.attaches, 0, "never attached without a committed route");
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED);
	cr_assert_eq(count_fds(), fds);
	fb.fail_commit = 0;
	cr_assert_eq(alloc_n(ADI_A, 8, 0), 0, "IMS indexes were released");
}

Test(pvic, vector_creation_failure_fails_the_entry)
{
	fb.fail_create = -EMFILE;
	cr_assert_eq(alloc_n(ADI_A, 2, 0), -EAGAIN, "out of fds: try again later");
	cr_assert_eq(pg.hdr.done, 0);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(fb.bind_calls, 0);
}

Test(pvic, trace_logs_without_changing_results)
{
	core.trace = true;
	cr_assert_eq(alloc_n(ADI_A, 2, 0), 0);
	cr_assert_eq(alloc_n(NOT_ADI, 1, 0), -ENODEV);
}

/* ---- FREE ---- */

Test(pvic, free_undoes_everything)
{
	u32 h[3];
	int fds = count_fds();

	cr_assert_eq(alloc_n(ADI_A, 3, 0), 0);
	for (int i = 0; i < 3; i++)
		h[i] = pg.e[i].handle;
	fb.commits = 0;
	handles_op(PVIC_OP_FREE, ADI_A, h, 3);
	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(pg.hdr.done, 3);
	cr_assert_eq(pg.e[2].ims_index, 2);
	cr_assert_eq(fb.pushes, 2, "ALLOC's and FREE's");
	cr_assert_eq(fb.detaches, 3);
	cr_assert_eq(fb.unbind_calls, 1, "consecutive handles unbound in one request");
	for (int i = 0; i < 3; i++)
		cr_assert_null(fb.bound_dev[h[i]]);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(core.adi[0].cnt.frees, 3);
	cr_assert_eq(core.adi[0].nr_handles, 0);
	cr_assert_eq(count_fds(), fds);
}

Test(pvic, double_free_unknown_and_foreign_handles)
{
	u32 ha, hb, h[6];

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	ha = pg.e[0].handle;
	cr_assert_eq(alloc_n(ADI_B, 1, 0), 0);
	hb = pg.e[0].handle;
	h[0] = ha;		/* ok */
	h[1] = ha;		/* double free in the same batch */
	h[2] = hb;		/* ADI B's */
	h[3] = 0;		/* never allocated */
	h[4] = 30000;		/* free */
	h[5] = 0x10000;		/* out of range */
	handles_op(PVIC_OP_FREE, ADI_A, h, 6);
	cr_assert_eq(pg.hdr.status, -ENOENT);
	cr_assert_eq(pg.hdr.done, 1);
	cr_assert_eq(pg.hdr.result, PVIC_RESULT_PARTIAL);
	cr_assert_eq(pg.e[0].status, 0);
	cr_assert_eq(pg.e[1].status, -ENOENT);
	cr_assert_eq(pg.e[2].status, -EPERM);
	cr_assert_eq(pg.e[3].status, -ENOENT);
	cr_assert_eq(pg.e[4].status, -ENOENT);
	cr_assert_eq(pg.e[5].status, -ENOENT);
	cr_assert_eq(fb.bound_dev[hb], &dev_b, "ADI B's handle untouched");
	handles_op(PVIC_OP_FREE, ADI_A, &ha, 1);
	cr_assert_eq(pg.hdr.status, -ENOENT, "double free in a later batch");
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_ENOENT], 5);
	cr_assert_eq(core.adi[0].cnt.errors[PVIC_ERR_EPERM], 1);
}

Test(pvic, foreign_handles_refused_for_every_operation)
{
	u32 hb;
	static const u32 ops[] = { PVIC_OP_FREE, PVIC_OP_RETARGET, PVIC_OP_MASK,
				   PVIC_OP_UNMASK, PVIC_OP_GET_PENDING };

	cr_assert_eq(alloc_n(ADI_B, 1, 0), 0);
	hb = pg.e[0].handle;
	for (u32 i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(pg.e, 0, sizeof(pg.e));
		pg.e[0] = (struct pvic_entry){ .handle = hb, .dest_id = 1, .vector = 0x60 };
		cr_assert_eq(run(ops[i], ADI_A, 1, 0), -EPERM, "%s", pvic__op_name(ops[i]));
	}
	cr_assert_eq(core.adi[1].nr_handles, 1);
	cr_assert(fb.vec[hb].attached, "still attached");
}

Test(pvic, free_with_failed_unbind_quarantines_the_handle)
{
	u32 h;

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	fb.fail_unbind = -EIO;
	handles_op(PVIC_OP_FREE, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0, "the guest's handle is gone either way");
	cr_assert_eq(core.adi[0].cnt.faults, 1);
	cr_assert_null(pvic_irt__get(&core.irt, h));
	cr_assert_eq(core.irt.nr_free, 32767 - 1, "never handed out again");
	handles_op(PVIC_OP_FREE, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, -ENOENT);
}

/* ---- RETARGET ---- */

Test(pvic, retarget_rewrites_the_route_only)
{
	u32 h[2];
	u32 addr;

	cr_assert_eq(alloc_n(ADI_A, 2, 0), 0);
	h[0] = pg.e[0].handle;
	h[1] = pg.e[1].handle;
	addr = pg.e[0].addr_lo;
	fb.pushes = fb.bind_calls = fb.attaches = fb.detaches = fb.creates = 0;
	memset(pg.e, 0, sizeof(pg.e));
	pg.e[0] = (struct pvic_entry){ .handle = h[0], .dest_id = 3, .vector = 0x99 };
	pg.e[1] = (struct pvic_entry){ .handle = h[1], .dest_id = 2, .vector = 0x98 };
	cr_assert_eq(run(PVIC_OP_RETARGET, ADI_A, 2, 0), 0);
	cr_assert_eq(pg.hdr.done, 2);
	cr_assert_eq(pg.e[0].addr_lo, addr, "the pair does not change");
	cr_assert_eq(fake_be__route(&fb, h[0])->dest_id, 3);
	cr_assert_eq(fake_be__route(&fb, h[0])->vector, 0x99);
	cr_assert_eq(fake_be__route(&fb, h[1])->dest_id, 2);
	cr_assert_eq(fb.pushes, 1);
	cr_assert_eq(fb.bind_calls + fb.unbind_calls + fb.attaches + fb.detaches + fb.creates, 0,
		     "no device access, irqfds untouched");
	cr_assert_eq(core.adi[0].cnt.retargets, 2);
}

Test(pvic, retarget_invalid_and_commit_failure)
{
	u32 h;
	int gsi;

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	gsi = fb.vec[h].gsi;
	memset(pg.e, 0, sizeof(pg.e));
	pg.e[0] = (struct pvic_entry){ .handle = h, .dest_id = 9, .vector = 0x99 };
	cr_assert_eq(run(PVIC_OP_RETARGET, ADI_A, 1, 0), -EINVAL);
	pg.e[0] = (struct pvic_entry){ .handle = h, .dest_id = 1, .vector = 2 };
	cr_assert_eq(run(PVIC_OP_RETARGET, ADI_A, 1, 0), -EINVAL);
	cr_assert_eq(fb.committed[gsi].r.vector, 0x40);
	fb.fail_commit = -EINVAL;
	pg.e[0] = (struct pvic_entry){ .handle = h, .dest_id = 1, .vector = 0x77 };
	cr_assert_eq(run(PVIC_OP_RETARGET, ADI_A, 1, 0), -EIO);
	cr_assert_eq(core.irt.e[h].vector, 0x40, "old route kept");
	cr_assert_eq(fb.staged[gsi].r.vector, 0x40, "staged table restored");
	fb.fail_commit = 0;
	cr_assert(fake_be__consistent(&fb));
}

/* ---- MASK / UNMASK / GET_PENDING ---- */

Test(pvic, mask_detaches_unmask_reattaches_pending_counted)
{
	u32 h;
	int efd;
	u64 one = 1;

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	efd = fb.vec[h].efd;
	handles_op(PVIC_OP_MASK, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(pg.e[0].flags, PVIC_ENTRY_F_MASKED);
	cr_assert(!fb.vec[h].attached);
	handles_op(PVIC_OP_MASK, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0, "masking twice is fine");
	cr_assert_eq(fb.detaches, 1, "and does nothing");

	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(pg.e[0].flags, PVIC_ENTRY_F_MASKED);
	/* The device fires while masked: the eventfd counts. */
	cr_assert_eq(write(efd, &one, sizeof(one)), sizeof(one));
	cr_assert_eq(write(efd, &one, sizeof(one)), sizeof(one));
	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(pg.e[0].flags, PVIC_ENTRY_F_MASKED | PVIC_ENTRY_F_PENDING);
	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(pg.e[0].flags, PVIC_ENTRY_F_MASKED | PVIC_ENTRY_F_PENDING,
		     "reading the state does not consume it");

	handles_op(PVIC_OP_UNMASK, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(pg.e[0].flags, 0);
	cr_assert(fb.vec[h].attached, "reattached: KVM delivers the pending event");
	handles_op(PVIC_OP_UNMASK, ADI_A, &h, 1);
	cr_assert_eq(fb.attaches, 2, "unmasking twice attaches once");
	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(pg.e[0].flags, 0, "an unmasked handle is never pending");
	cr_assert_eq(core.adi[0].cnt.masks, 2);
	cr_assert_eq(core.adi[0].cnt.unmasks, 2);
}

Test(pvic, mask_all_or_nothing_reverts)
{
	u32 h[3];

	cr_assert_eq(alloc_n(ADI_A, 2, 0), 0);
	h[0] = pg.e[0].handle;
	h[1] = pg.e[1].handle;
	h[2] = 31000;
	memset(pg.e, 0, sizeof(pg.e));
	for (int i = 0; i < 3; i++)
		pg.e[i].handle = h[i];
	cr_assert_eq(run(PVIC_OP_MASK, ADI_A, 3, PVIC_HDR_F_ALL_OR_NOTHING), -ENOENT);
	cr_assert_eq(pg.e[0].status, -ECANCELED);
	cr_assert_eq(pg.e[2].status, -ENOENT);
	cr_assert(!core.irt.e[h[0]].masked);
	cr_assert_eq(fb.detaches, 0, "validated before anything changed");
}

Test(pvic, masked_free_does_not_detach_twice)
{
	u32 h;

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	handles_op(PVIC_OP_MASK, ADI_A, &h, 1);
	handles_op(PVIC_OP_FREE, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, 0);
	cr_assert_eq(fb.detaches, 1);
}

Test(pvic, pending_error_reported)
{
	u32 h;

	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
	h = pg.e[0].handle;
	handles_op(PVIC_OP_MASK, ADI_A, &h, 1);
	fb.fail_pending = -EBADF;
	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, -EIO);
}

/* ---- RESET_ADI, device failure, teardown ---- */

Test(pvic, reset_adi_frees_only_that_adi)
{
	cr_assert_eq(alloc_n(ADI_A, 100, 0), 0);
	cr_assert_eq(alloc_n(ADI_B, 5, 0), 0);
	fb.pushes = 0;
	cr_assert_eq(run(PVIC_OP_RESET_ADI, ADI_A, 0, 0), 0);
	cr_assert_eq(pg.hdr.done, 100);
	cr_assert_eq(fb.pushes, 1);
	cr_assert_eq(core.adi[0].nr_handles, 0);
	cr_assert_eq(core.adi[1].nr_handles, 5);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + 5);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0, "IMS index 0 free again");
}

Test(pvic, device_failure_frees_handles_and_refuses_with_enodev)
{
	struct pvic_adi_info *q = (void *)&pg.e[0];
	u32 h;
	int fds;

	cr_assert_eq(alloc_n(ADI_A, 10, 0), 0);
	h = pg.e[0].handle;
	fds = count_fds();
	cr_assert_eq(pvic_core__adi_failed(&core, ADI_A), 0);
	cr_assert_eq(fb.unbind_calls, 0, "a dead device is not asked");
	cr_assert_eq(count_fds(), fds - 10, "its eventfds closed");
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -ENODEV);
	handles_op(PVIC_OP_FREE, ADI_A, &h, 1);
	cr_assert_eq(pg.hdr.status, -ENODEV);
	cr_assert_eq(run(PVIC_OP_QUERY_ADI, ADI_A, 1, 0), 0);
	cr_assert_eq(q->state, PVIC_ADI_FAILED);
	cr_assert_eq(q->handles_owned, 0);
	cr_assert_eq(alloc_n(ADI_B, 1, 0), 0, "the other ADI keeps working");
	cr_assert_eq(pvic_core__adi_failed(&core, NOT_ADI), -ENOENT);
}

Test(pvic, add_adi_errors)
{
	cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a, 1, 0), -EEXIST);
	for (u32 i = 2; i < PVIC_MAX_ADIS; i++)
		cr_assert_eq(pvic_core__add_adi(&core, PVIC_ADI_ID(0, 1, i, 0), NULL, 1, 0), 0);
	cr_assert_eq(pvic_core__add_adi(&core, PVIC_ADI_ID(0, 2, 0, 0), NULL, 1, 0), -ENOSPC);
}

Test(pvic, destroy_releases_every_fd)
{
	int fds = count_fds();

	cr_assert_eq(alloc_n(ADI_A, 50, 0), 0);
	cr_assert_eq(alloc_n(ADI_B, 50, 0), 0);
	cr_assert_eq(count_fds(), fds + 100);
	pvic_core__destroy(&core);
	cr_assert_eq(count_fds(), fds);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED);
	cr_assert_eq(pvic_core__init(&core, &fake_be_ops, &fb, PVIC_FEAT_ALL, 4), 0);
}

Test(pvic, function_reset_frees_and_needs_negotiate)
{
	cr_assert_eq(alloc_n(ADI_A, 5, 0), 0);
	pvic_core__reset(&core);
	cr_assert_eq(core.adi[0].nr_handles, 0);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -EPROTO);
	cr_assert_eq(negotiate(PVIC_FEAT_ALL), 0);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0);
}

Test(pvic, handles_of_a_batch_are_consecutive_after_frees)
{
	u32 h[2];

	cr_assert_eq(alloc_n(ADI_A, 4, 0), 0);
	h[0] = pg.e[1].handle;
	h[1] = pg.e[2].handle;
	handles_op(PVIC_OP_FREE, ADI_A, h, 2);
	fb.bind_calls = 0;
	cr_assert_eq(alloc_n(ADI_A, 10, 100), 0);
	cr_assert_eq(fb.bind_calls, 1, "the allocator moves on rather than fill holes");
}

/* ---- ALLOC batches flagged MORE share one push ---- */

static int alloc_more(u32 adi, u32 n, u32 ims0, bool more)
{
	memset(pg.e, 0, sizeof(pg.e));
	for (u32 i = 0; i < n; i++)
		fill_alloc(i, ims0 + i, i % 2, 0x40 + i);
	return run(PVIC_OP_ALLOC, adi, n, more ? PVIC_HDR_F_MORE : 0);
}

Test(pvic, more_batches_share_one_push_with_the_last)
{
	cr_assert_eq(alloc_more(ADI_A, 126, 0, true), 0);
	cr_assert_eq(alloc_more(ADI_A, 126, 126, true), 0);
	cr_assert_eq(fb.pushes, 0, "nothing pushed yet");
	cr_assert_eq(fb.attaches, 0, "no irqfd before its route");
	cr_assert(core.deferred);
	cr_assert_eq(alloc_more(ADI_A, 10, 252, false), 0);
	cr_assert_eq(fb.pushes, 1, "one push for the three batches");
	cr_assert_eq(fb.attaches, 262);
	cr_assert(fake_be__consistent(&fb));
	cr_assert(!core.deferred);
}

Test(pvic, more_then_another_operation_pushes_first)
{
	u32 h;

	cr_assert_eq(alloc_more(ADI_A, 5, 0, true), 0);
	h = pg.e[0].handle;
	cr_assert_eq(fb.pushes, 0);
	handles_op(PVIC_OP_GET_PENDING, ADI_A, &h, 1);
	cr_assert_eq(fb.pushes, 1, "pushed before the next operation ran");
	cr_assert_eq(fb.attaches, 5);
}

Test(pvic, more_flushed_on_demand)
{
	cr_assert_eq(alloc_more(ADI_A, 10, 0, true), 0);
	cr_assert_eq(pvic_core__flush(&core), 0);
	cr_assert_eq(fb.pushes, 1);
	cr_assert_eq(fb.attaches, 10);
	cr_assert_eq(pvic_core__flush(&core), 0);
	cr_assert_eq(fb.pushes, 1, "nothing left to push");
}

Test(pvic, more_interrupt_before_the_push_waits_in_the_eventfd)
{
	u64 one = 1;
	u32 h;

	cr_assert_eq(alloc_more(ADI_A, 1, 0, true), 0);
	h = pg.e[0].handle;
	cr_assert_eq(write(fb.vec[h].efd, &one, sizeof(one)), sizeof(one), "device fires early");
	cr_assert(!fb.vec[h].attached);
	cr_assert_eq(pvic_core__flush(&core), 0);
	cr_assert(fb.vec[h].attached, "attached: KVM delivers what the eventfd counted");
}

Test(pvic, more_refusals_still_partial_and_clean)
{
	fb.gsi_limit = FAKE_GSI_RESERVED + 5;
	cr_assert_eq(alloc_more(ADI_A, 8, 0, true), -ENOSPC);
	cr_assert_eq(pg.hdr.done, 5);
	cr_assert_eq(pvic_core__flush(&core), 0);
	cr_assert_eq(fake_be__committed_routes(&fb), FAKE_GSI_RESERVED + 5);
	cr_assert(fake_be__consistent(&fb));
}

Test(pvic, a_removed_adi_can_come_back)
{
	cr_assert_eq(alloc_n(ADI_A, 3, 0), 0);
	cr_assert_eq(pvic_core__adi_failed(&core, ADI_A), 0);
	cr_assert_eq(alloc_n(ADI_A, 1, 0), -ENODEV);
	cr_assert_eq(pvic_core__add_adi(&core, ADI_A, &dev_a, 65536, 0), 0, "hot-plugged again");
	cr_assert_eq(alloc_n(ADI_A, 1, 0), 0, "usable, IMS index 0 free again");
	cr_assert_eq(pvic_core__nr_adis(&core), 2);
	cr_assert_eq(core.irt.nr_free, 32767 - 1);
}

/* ---- handle source: host-provided ---- */

Test(pvic, host_provided_handles_return_the_hosts_message)
{
	static int dev_h;
	const u32 adi = PVIC_ADI_ID(0, 0, 7, 0);
	u32 h;

	fb.host_dev = &dev_h;
	cr_assert_eq(pvic_core__add_adi(&core, adi, &dev_h, 4096, 0), 0);
	cr_assert_eq(alloc_n(adi, 3, 0), 0);
	h = pg.e[1].handle;
	cr_assert_eq(pg.e[1].addr_lo, 0xFEE00000u | (h & 0xFFFF) << 4 | 0x10, "the host's address");
	cr_assert_eq(pg.e[1].data, 0xAB00 + h, "the host's data");
	cr_assert_neq(pg.e[1].addr_lo, PVIC_MSI_REMAP_ADDR(h));
	cr_assert_eq(fb.bound_dev[h], &dev_h);
	cr_assert_not_null(fake_be__route(&fb, h), "routed and attached as any other");
	memset(pg.e, 0, sizeof(pg.e));
	pg.e[0] = (struct pvic_entry){ .handle = h, .dest_id = 1, .vector = 0x90 };
	cr_assert_eq(run(PVIC_OP_RETARGET, adi, 1, 0), 0);
	cr_assert_eq(pg.e[0].data, 0xAB00 + h, "RETARGET keeps the host's message");
	cr_assert_eq(fake_be__route(&fb, h)->vector, 0x90);
	cr_assert_eq(run(PVIC_OP_RESET_ADI, adi, 0, 0), 0);
	cr_assert_eq(pg.hdr.done, 3);
}

Test(pvic, host_without_the_interface_is_eopnotsupp)
{
	static int dev_h;
	const u32 adi = PVIC_ADI_ID(0, 0, 7, 0);
	int fds = count_fds();

	fb.host_dev = &dev_h;
	fb.fail_host = -EOPNOTSUPP;	/* today's hosts: no VFIO_DEVICE_IMS_BIND */
	cr_assert_eq(pvic_core__add_adi(&core, adi, &dev_h, 4096, 0), 0);
	cr_assert_eq(alloc_n(adi, 2, 0), -EOPNOTSUPP);
	cr_assert_eq(pg.e[0].status, -EOPNOTSUPP);
	cr_assert_eq(core.irt.nr_free, 32767);
	cr_assert_eq(core.adi[2].cnt.faults, 0, "not a device fault");
	cr_assert_eq(fb.pushes, 0);
	cr_assert_eq(count_fds(), fds);
}
