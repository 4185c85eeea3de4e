/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC's per-VM interrupt remapping table (IRT): which handle belongs
 * to which ADI, and what each live handle is routed to. Pure data structure
 * (no KVM, no device): the executor (devices/pvic_exec.c) drives it.
 *
 * Handles are 1..PVIC_MAX_HANDLES (handle 0 is never given out, so a zeroed
 * IMS slot is a remapping fault). Allocation is first-fit from a rotating
 * hint, so the handles of one batch are consecutive in the common case and
 * the device's SET_IRQS can carry them in one message.
 */
#ifndef DEVICES_PVIC_IRT_H
#define DEVICES_PVIC_IRT_H

#include "devices/pvic/pvic_abi.h"
#include "vmm/util.h"

#define PVIC_IRT_SIZE		(PVIC_MAX_HANDLES + 1)	/* index 0 unused */
#define PVIC_OWNER_NONE		0
/* A handle whose unbind failed on the device: never given out again. */
#define PVIC_OWNER_QUARANTINE	0xFFFF

struct pvic_irte {
	u16 owner;		/* ADI slot + 1, PVIC_OWNER_NONE, PVIC_OWNER_QUARANTINE */
	bool masked;		/* irqfd detached */
	u32 ims_index;		/* as the guest gave it, or PVIC_IMS_ANY */
	bool host_msg;		/* msg came from a host-provided handle source */
	u32 msg[3];		/* that message: address low, high, data */
	u32 dest_id;
	u8 vector;
	u8 delivery_mode;
	u8 dest_mode;
};

struct pvic_irt {
	u64 used[(PVIC_IRT_SIZE + 63) / 64];	/* bit set: taken (incl. handle 0) */
	struct pvic_irte *e;			/* cap entries: every taken handle < cap */
	u32 cap;				/* grows to PVIC_IRT_SIZE */
	u32 nr_free;
	u32 hint;				/* where the next search starts */
};

int __must_check pvic_irt__init(struct pvic_irt *irt);
void pvic_irt__destroy(struct pvic_irt *irt);

/* Take a free handle for @owner (1..0xFFFE). -ENOSPC when none is free, -ENOMEM. */
int __must_check pvic_irt__alloc(struct pvic_irt *irt, u16 owner, u32 *handle);
/* Give @handle back (its entry is cleared). */
void pvic_irt__free(struct pvic_irt *irt, u32 handle);
/* Keep @handle out of circulation (its device may still signal it). */
void pvic_irt__quarantine(struct pvic_irt *irt, u32 handle);

/* The entry of a live handle, or NULL when @handle is out of range or free. */
struct pvic_irte *pvic_irt__get(struct pvic_irt *irt, u32 handle);

#endif /* DEVICES_PVIC_IRT_H */
