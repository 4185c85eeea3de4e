/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the PV-IC core: the per-entry operations, called by the batch
 * decoder (devices/pvic_exec.c) once the header is valid. Each writes the
 * entries' statuses and out fields and returns the number of entries that
 * succeeded; the first failure's status goes to *@first_err.
 */
#ifndef DEVICES_PVIC_OPS_H
#define DEVICES_PVIC_OPS_H

#include "devices/pvic_core.h"

struct pvic_batch {
	struct pvic_core *c;
	struct pvic_adi *adi;
	u16 owner;		/* adi slot + 1, the IRT's owner value */
	u32 op;
	bool all_or_nothing;
	bool more;		/* PVIC_HDR_F_MORE: the push may wait for a later batch */
	struct pvic_entry *e;
	u32 n;
};

u32 pvic_op__alloc(struct pvic_batch *b, int *first_err);
u32 pvic_op__free(struct pvic_batch *b, int *first_err);
u32 pvic_op__retarget(struct pvic_batch *b, int *first_err);
u32 pvic_op__mask(struct pvic_batch *b, bool mask, int *first_err);
u32 pvic_op__get_pending(struct pvic_batch *b, int *first_err);

/*
 * Free @n live handles of @adi: vectors destroyed (irqfds detached, routes
 * removed, one commit), then unbound on the device when @unbind (not for a
 * device that is gone).
 */
void pvic_op__free_handles(struct pvic_core *c, struct pvic_adi *adi, const u32 *handles,
			   u32 n, bool unbind);

/* Map a backend's -errno to a protocol status (unknown codes become -EIO). */
int pvic__status(int err);

void pvic__trace_entry(const struct pvic_batch *b, const struct pvic_entry *e);

/* Push staged changes (clears c->dirty); logs a failure. */
int pvic__commit(struct pvic_core *c);

#endif /* DEVICES_PVIC_OPS_H */
