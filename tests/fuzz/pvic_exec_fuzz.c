/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the PV-IC command-page executor (devices/pvic_exec.c)
 * against the fake backend of devices/pvic_fake_be.h (real eventfds, a
 * finite GSI table, failure knobs), driven batch after batch the way the
 * device's doorbell drives it: a non-ALLOC batch first pushes what ALLOCs
 * flagged MORE left staged (devices/pvic.c), then pvic_core__execute() runs on a
 * host copy of the guest's page.
 *
 * Input: a sequence of records
 *   ctl (1 byte)   bits 0-6: entries of the page that follow (mod 127)
 *                  bit 7: write the sequence number the host expects into
 *                         the header (else the input's own is kept)
 *   knobs (1 byte) bit 0: the flush timer fires after the batch; bits 1-5: make create, bind,
 *                  unbind, commit, pending fail; bits 6-7: then call
 *                  adi_failed (ADI A), reset, or
 *                  adi_failed (ADI B) after the batch
 *   header (64 bytes), then n entries of 32 bytes; the rest of the page is 0.
 *
 * After destroy every vector must be gone (no eventfd leaked) and the
 * route table must hold only the reserved routes again.
 *
 * Speed: the fake backend's tables cover every handle and 40000 GSIs (about
 * 2 MiB); clearing and checking all of it per input made this target run
 * under 100 inputs/s. Only handles below the remapping table's high-water
 * mark (irt.cap: every handle given out is below it) and GSIs below the
 * fake's gsi_hw (none above was ever staged) can have been touched, so
 * the checks and the reset cover those, and the whole fake is initialised
 * once.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "devices/pvic_core.h"
#include "devices/pvic_fake_be.h"
#include "vmm/log.h"

#define ADI_A	PVIC_ADI_ID(0, 0, 3, 0)
#define ADI_B	PVIC_ADI_ID(0, 0, 4, 0)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static struct fake_be fb;
static struct pvic_core core;
static struct pvic_page pg;
static int dev_a, dev_b;

/* Checks, not targets: no coverage feedback from their loops. */
__attribute__((no_sanitize("coverage"), noinline))
static void check_clean(u32 hw)
{
	for (u32 h = 0; h < hw; h++) {
		if (fb.vec[h].live || fb.vec[h].efd >= 0)
			__builtin_trap();	/* a vector (its eventfd) outlived the VM */
	}
	for (u32 g = 0; g < fb.gsi_hw; g++) {
		if (fb.staged[g].used != fb.committed[g].used ||
		    (fb.staged[g].used && memcmp(&fb.staged[g].r, &fb.committed[g].r,
						 sizeof(fb.staged[g].r))))
			__builtin_trap();	/* staged routes never pushed */
		if (fb.committed[g].used != (g < FAKE_GSI_RESERVED))
			__builtin_trap();	/* a route outlived its handle */
	}
}

/* fake_be__init() for what an input can have touched (see the top). */
__attribute__((no_sanitize("coverage"), noinline))
static void reset_fake(u32 hw)
{
	static bool once;
	u32 limit = fb.gsi_hw;

	if (!once) {
		fake_be__init(&fb, 4);
		once = true;
		return;
	}
	for (u32 h = 0; h < hw; h++) {
		fb.vec[h] = (struct fake_vec){ .efd = -1, .gsi = -1 };
		fb.bound_dev[h] = NULL;
		fb.bound_efd[h] = -1;
	}
	for (u32 g = 0; g < limit; g++)
		fb.staged[g] = fb.committed[g] = (struct fake_route){ .used = g < FAKE_GSI_RESERVED };
	fb.gsi_dirty = false;
	fb.gsi_hw = FAKE_GSI_RESERVED;
	memset(&fb.bind_calls, 0, sizeof(fb) - offsetof(struct fake_be, bind_calls));
	fb.nr_vcpus = 4;
	fb.vec_hw = 0;		/* every vector below hw was reset above */
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u32 hw = PVIC_IRT_SIZE;	/* the previous input's high-water mark */

	log_level = LOG_ERR;	/* the guest's errors are expected: errors only */
	reset_fake(hw);
	if (pvic_core__init(&core, &fake_be_ops, &fb, PVIC_FEAT_ALL, 4) ||
	    pvic_core__add_adi(&core, ADI_A, &dev_a, 4096, 0) ||
	    pvic_core__add_adi(&core, ADI_B, &dev_b, 300, 256))
		__builtin_trap();

	while (size >= 2 + sizeof(pg.hdr)) {
		u8 ctl = data[0], knobs = data[1];
		size_t n = ctl & 0x7f, len;

		data += 2;
		size -= 2;
		n %= PVIC_MAX_ENTRIES + 1;
		len = MIN(size, sizeof(pg.hdr) + n * sizeof(pg.e[0]));
		memset(&pg, 0, sizeof(pg));
		memcpy(&pg, data, len);
		data += len;
		size -= len;
		if (ctl & 0x80)
			pg.hdr.seq = core.next_seq;

		fb.fail_create = knobs & 2 ? -EMFILE : 0;
		fb.fail_bind = knobs & 4 ? -EIO : 0;
		fb.fail_unbind = knobs & 8 ? -EIO : 0;
		fb.fail_commit = knobs & 16 ? -ENOSPC : 0;
		fb.fail_pending = knobs & 32 ? -EIO : 0;

		if (pg.hdr.op != PVIC_OP_ALLOC && core.deferred)
			(void)pvic_core__flush(&core);
		(void)pvic_core__execute(&core, &pg);

		fb.fail_create = fb.fail_bind = fb.fail_unbind = fb.fail_commit = 0;
		fb.fail_pending = 0;
		if ((knobs & 1) && core.deferred)
			(void)pvic_core__flush(&core);
		switch (knobs >> 6) {
		case 1:
			(void)pvic_core__adi_failed(&core, ADI_A);
			break;
		case 2:
			pvic_core__reset(&core);
			break;
		case 3:
			(void)pvic_core__adi_failed(&core, ADI_B);
			break;
		}
	}
	hw = core.irt.cap;
	pvic_core__destroy(&core);
	(void)fake_be_ops.commit(&fb);	/* destroyed vectors are freed at commit */
	check_clean(hw);
	return 0;
}
