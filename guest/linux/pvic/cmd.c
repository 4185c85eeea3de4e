/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PV-IC guest driver: the command page. One doorbell write executes
 * one batch synchronously (docs/pvic.md, section 2), so a batch is: fill the
 * page, write the doorbell, read the statuses back, all under one lock.
 */
#include <linux/io.h>
#include <linux/string.h>

#include "internal.h"

static const char *const op_names[PVIC_OP_MAX + 1] = {
	[PVIC_OP_NEGOTIATE] = "negotiate",
	[PVIC_OP_QUERY_ADI] = "query_adi",
	[PVIC_OP_ALLOC] = "alloc",
	[PVIC_OP_FREE] = "free",
	[PVIC_OP_RETARGET] = "retarget",
	[PVIC_OP_MASK] = "mask",
	[PVIC_OP_UNMASK] = "unmask",
	[PVIC_OP_GET_PENDING] = "get_pending",
	[PVIC_OP_RESET_ADI] = "reset_adi",
};

const char *pvic_op_name(u32 op)
{
	return op <= PVIC_OP_MAX && op_names[op] ? op_names[op] : "?";
}

/*
 * Execute one batch of @count entries (copied in from and back to @e).
 * Returns the batch status (0 or a negative errno from the host) and sets
 * *@done to the entries that succeeded. Callable in atomic context.
 */
int pvic_exec(struct pvic *p, u32 op, u32 adi, u32 flags, struct pvic_entry *e,
	      u32 count, u32 *done)
{
	struct pvic_hdr *h = &p->page->hdr;
	unsigned long irqflags;
	int status;

	if (count > p->max_entries)
		return -EINVAL;

	raw_spin_lock_irqsave(&p->lock, irqflags);
	memset(h, 0, sizeof(*h));
	h->op = op;
	h->flags = flags;
	h->seq = p->seq;
	h->adi = adi;
	h->count = count;
	h->status = PVIC_EINVAL;	/* what stays if the host never ran it */
	if (count)
		memcpy(p->page->e, e, count * sizeof(*e));
	/* The host reads the page when it executes the doorbell write. */
	wmb();
	writel(PVIC_DOORBELL_RING, p->regs + PVIC_REG_DOORBELL);
	p->doorbells++;
	rmb();
	status = READ_ONCE(h->status);
	if (status == PVIC_EFAULT || status == PVIC_EINVAL)
		/* The page may be unusable: LAST_STATUS is authoritative. */
		status = (int)readl(p->regs + PVIC_REG_LAST_STATUS);
	if (status == PVIC_EPROTO || status == PVIC_EFAULT)
		/*
		 * Out of step, not negotiated, or the host could not read the
		 * page (and so its sequence number): learn the expected one.
		 */
		p->seq = readl(p->regs + PVIC_REG_NEXT_SEQ);
	else
		p->seq++;	/* any batch whose number matched advances it */
	if (done)
		*done = READ_ONCE(h->done);
	if (count)
		memcpy(e, p->page->e, count * sizeof(*e));
	if (op <= PVIC_OP_MAX) {
		p->ops[op].batches++;
		p->ops[op].entries += count;
		if (status)
			p->ops[op].failed_batches++;
	}
	raw_spin_unlock_irqrestore(&p->lock, irqflags);
	return status;
}

int pvic_negotiate(struct pvic *p)
{
	struct pvic_entry e = {};
	struct pvic_negotiate *n = (struct pvic_negotiate *)&e;
	u32 want = PVIC_FEAT_BATCH | PVIC_FEAT_RETARGET | PVIC_FEAT_MASK |
		   PVIC_FEAT_EVENTS | PVIC_FEAT_X2APIC;
	int ret;

	n->version = PVIC_VERSION;
	n->features = want;
	ret = pvic_exec(p, PVIC_OP_NEGOTIATE, 0, 0, &e, 1, NULL);
	if (!ret)
		ret = n->status;
	if (ret)
		return ret;
	if ((n->version >> 16) != PVIC_VERSION_MAJOR)
		return -EPROTO;
	p->features = n->features;
	p->max_entries = min_t(u32, n->max_entries, PVIC_MAX_ENTRIES);
	p->nr_vcpus = n->nr_vcpus;
	if (!p->max_entries)
		return -EPROTO;
	/* Affinity changes and masking are what this driver exists for. */
	if (!(p->features & PVIC_FEAT_RETARGET) || !(p->features & PVIC_FEAT_MASK))
		return -EOPNOTSUPP;
	return 0;
}

int pvic_query_adi(struct pvic *p, u32 adi, struct pvic_adi_info *out)
{
	struct pvic_entry e = {};
	int ret;

	ret = pvic_exec(p, PVIC_OP_QUERY_ADI, adi, 0, &e, 1, NULL);
	if (ret)
		return ret;
	memcpy(out, &e, sizeof(*out));
	return out->status;
}

int pvic_reset_adi(struct pvic *p, u32 adi, u32 *freed)
{
	return pvic_exec(p, PVIC_OP_RESET_ADI, adi, 0, NULL, 0, freed);
}
