/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC from a guest test kernel: find the function, negotiate, and the
 * operations of docs/pvic.md as calls. Every call returns the batch status
 * (0 or a negative errno value) and leaves the page in pvic->page for tests
 * that look at per-entry results.
 */
#ifndef TESTS_GUEST_LIB_PVIC_H
#define TESTS_GUEST_LIB_PVIC_H

#include "libcflat.h"
#include "../../../devices/pvic/pvic_abi.h"

struct pvic {
	u32 slot;			/* 00:slot.0 on bus 0 */
	volatile u32 *regs;		/* BAR0 */
	struct pvic_page *page;		/* the command page (4 KiB aligned, identity-mapped) */
	u32 features;			/* accepted by NEGOTIATE */
	u32 seq;			/* the next batch's sequence number (NEXT_SEQ) */
	bool in_step;			/* seq known: no NEXT_SEQ read (an exit) per batch */
	u64 doorbells;			/* batches sent (one exit each) */
};

/* A message as ALLOC returns it. */
struct pvic_msg {
	u32 handle;
	u32 addr_lo, addr_hi, data;
};

/* Find the PV-IC on bus 0, enable its BAR, check magic and version, set the page. */
bool pvic_find(struct pvic *p);
u32 pvic_reg(const struct pvic *p, u32 reg);
void pvic_wreg(const struct pvic *p, u32 reg, u32 v);

/* The ADI id of function 00:slot.0 on bus 0. */
static inline u32 pvic_adi(u32 slot)
{
	return PVIC_ADI_ID(0, 0, slot, 0);
}

/*
 * One doorbell: header filled from the arguments. The sequence number is
 * counted here after NEGOTIATE (one exit per batch: the doorbell write);
 * before it, or after a refusal for EPROTO, it is read from NEXT_SEQ.
 */
int pvic_submit(struct pvic *p, u32 op, u32 adi, u32 count, u32 flags);
int pvic_negotiate(struct pvic *p, u32 features);
int pvic_query(struct pvic *p, u32 adi, struct pvic_adi_info *out);

/*
 * ALLOC @n vectors (batches of up to 126) for @adi: entry i asks for IMS slot
 * ims0 + i (or ANY when ims0 is PVIC_IMS_ANY), destination @dest[i % ndest],
 * vector @vec0 + (i % nvec). @out[i] receives the message; @status[i] (may be
 * NULL) the entry's status. Returns the number granted; *@batch_status the
 * first non-zero batch status.
 */
u32 pvic_alloc(struct pvic *p, u32 adi, u32 n, u32 ims0, const u32 *dest, u32 ndest,
	       u8 vec0, u32 nvec, u32 flags, struct pvic_msg *out, int *status, int *batch_status);
/* FREE @n handles (batches of up to 126); returns the first non-zero batch status. */
int pvic_free(struct pvic *p, u32 adi, const u32 *handles, u32 n);
int pvic_retarget(struct pvic *p, u32 adi, u32 handle, u32 dest, u8 vector);
int pvic_mask(struct pvic *p, u32 adi, u32 handle, bool mask);
/* Entry flags of GET_PENDING in *@flags. */
int pvic_get_pending(struct pvic *p, u32 adi, u32 handle, u8 *flags);
int pvic_reset_adi(struct pvic *p, u32 adi);

/* One entry of a single-entry batch (the page's entry 0), for error-path tests. */
int pvic_one(struct pvic *p, u32 op, u32 adi, const struct pvic_entry *e, int *entry_status);

#endif /* TESTS_GUEST_LIB_PVIC_H */
