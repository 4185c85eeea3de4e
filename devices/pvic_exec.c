/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC core: ADIs, sequence numbers, and the batch decoder that checks
 * a command page's header before any entry is looked at (docs/pvic.md,
 * sections 4 to 6). The per-entry work is in devices/pvic_ops.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pvic_ops.h"
#include "vmm/log.h"

/* The protocol's codes are Linux errno values: the host uses them as they are. */
_Static_assert(PVIC_EPERM == -EPERM && PVIC_ENOENT == -ENOENT && PVIC_EIO == -EIO &&
	       PVIC_EAGAIN == -EAGAIN && PVIC_EFAULT == -EFAULT && PVIC_EBUSY == -EBUSY &&
	       PVIC_ENODEV == -ENODEV && PVIC_EINVAL == -EINVAL && PVIC_ENOSPC == -ENOSPC &&
	       PVIC_EPROTO == -EPROTO && PVIC_EOPNOTSUPP == -EOPNOTSUPP &&
	       PVIC_ECANCELED == -ECANCELED, "PVIC_E* are Linux errno values");

static const struct { int code; enum pvic_err idx; const char *name; } errs[] = {
	{ 0, PVIC_ERR_OTHER, "ok" },
	{ -EPERM, PVIC_ERR_EPERM, "EPERM" },
	{ -ENOENT, PVIC_ERR_ENOENT, "ENOENT" },
	{ -EIO, PVIC_ERR_EIO, "EIO" },
	{ -EAGAIN, PVIC_ERR_EAGAIN, "EAGAIN" },
	{ -EFAULT, PVIC_ERR_EFAULT, "EFAULT" },
	{ -EBUSY, PVIC_ERR_EBUSY, "EBUSY" },
	{ -ENODEV, PVIC_ERR_ENODEV, "ENODEV" },
	{ -EINVAL, PVIC_ERR_EINVAL, "EINVAL" },
	{ -ENOSPC, PVIC_ERR_ENOSPC, "ENOSPC" },
	{ -EPROTO, PVIC_ERR_EPROTO, "EPROTO" },
	{ -EOPNOTSUPP, PVIC_ERR_EOPNOTSUPP, "EOPNOTSUPP" },
	{ -ECANCELED, PVIC_ERR_ECANCELED, "ECANCELED" },
};

enum pvic_err pvic__err_index(int status)
{
	for (size_t i = 1; i < ARRAY_SIZE(errs); i++)
		if (errs[i].code == status)
			return errs[i].idx;
	return PVIC_ERR_OTHER;
}

const char *pvic__err_name(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++)
		if (errs[i].code == status)
			return errs[i].name;
	return "error";
}

const char *pvic__op_name(u32 op)
{
	static const char *const names[] = {
		[PVIC_OP_NEGOTIATE] = "NEGOTIATE", [PVIC_OP_QUERY_ADI] = "QUERY_ADI",
		[PVIC_OP_ALLOC] = "ALLOC", [PVIC_OP_FREE] = "FREE",
		[PVIC_OP_RETARGET] = "RETARGET", [PVIC_OP_MASK] = "MASK",
		[PVIC_OP_UNMASK] = "UNMASK", [PVIC_OP_GET_PENDING] = "GET_PENDING",
		[PVIC_OP_RESET_ADI] = "RESET_ADI",
	};

	return op < ARRAY_SIZE(names) && names[op] ? names[op] : "?";
}

int pvic_core__init(struct pvic_core *c, const struct pvic_backend_ops *ops, void *be,
		    u32 features, u32 nr_vcpus)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->be = be;
	c->features = (features & PVIC_FEAT_ALL) | PVIC_FEAT_BATCH;
	c->nr_vcpus = nr_vcpus;
	return pvic_irt__init(&c->irt);
}

/* Every live handle of @adi, in handle order (so runs are consecutive), one push. */
static void free_all(struct pvic_core *c, struct pvic_adi *adi, bool unbind)
{
	u16 owner = (u16)(adi - c->adi) + 1;
	u32 chunk[PVIC_MAX_ENTRIES], *list, n = 0, h;

	if (!adi->nr_handles)
		return;
	list = malloc(adi->nr_handles * sizeof(*list));
	if (!list) {
		/* No memory for one list: free a page's worth at a time (a push each). */
		for (h = 1; h < PVIC_IRT_SIZE && adi->nr_handles; h++) {
			struct pvic_irte *irte = pvic_irt__get(&c->irt, h);

			if (!irte || irte->owner != owner)
				continue;
			chunk[n++] = h;
			if (n == ARRAY_SIZE(chunk)) {
				pvic_op__free_handles(c, adi, chunk, n, unbind);
				n = 0;
			}
		}
		pvic_op__free_handles(c, adi, chunk, n, unbind);
		return;
	}
	for (h = 1; h < PVIC_IRT_SIZE && n < adi->nr_handles; h++) {
		struct pvic_irte *irte = pvic_irt__get(&c->irt, h);

		if (irte && irte->owner == owner)
			list[n++] = h;
	}
	pvic_op__free_handles(c, adi, list, n, unbind);
	free(list);
}

void pvic_core__destroy(struct pvic_core *c)
{
	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++) {
		struct pvic_adi *adi = &c->adi[i];

		if (!adi->present)
			continue;
		free_all(c, adi, !adi->failed);
		free(adi->ims_map);
		adi->present = false;
	}
	pvic_irt__destroy(&c->irt);
}

void pvic_core__reset(struct pvic_core *c)
{
	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++)
		if (c->adi[i].present && !c->adi[i].failed)
			free_all(c, &c->adi[i], true);
	c->negotiated = false;
	c->accepted = 0;
	c->next_seq = 0;
}

struct pvic_adi *pvic_core__find_adi(struct pvic_core *c, u32 id)
{
	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++)
		if (c->adi[i].present && c->adi[i].id == id)
			return &c->adi[i];
	return NULL;
}

u32 pvic_core__nr_adis(const struct pvic_core *c)
{
	u32 n = 0;

	for (unsigned int i = 0; i < PVIC_MAX_ADIS; i++)
		n += c->adi[i].present && !c->adi[i].failed;
	return n;
}

int pvic_core__add_adi(struct pvic_core *c, u32 id, void *dev, u32 irq_count, u32 ims_entries)
{
	struct pvic_adi *adi = pvic_core__find_adi(c, id);

	if (adi && !adi->failed)
		return -EEXIST;
	if (adi) {
		/* A device hot-plugged where a removed one was: the old entry goes. */
		free(adi->ims_map);
		memset(adi, 0, sizeof(*adi));
	}
	adi = NULL;
	for (unsigned int i = 0; i < PVIC_MAX_ADIS && !adi; i++)
		if (!c->adi[i].present)
			adi = &c->adi[i];
	if (!adi)
		return -ENOSPC;
	*adi = (struct pvic_adi){ .id = id, .dev = dev, .irq_count = irq_count,
				  .ims_entries = ims_entries,
				  .host_handles = c->ops->host_handles &&
						  c->ops->host_handles(c->be, dev) };
	adi->ims_map = calloc(PVIC_IMS_INDEX_MAX + 1, sizeof(*adi->ims_map));
	if (!adi->ims_map)
		return -ENOMEM;
	adi->present = true;
	return 0;
}

int pvic_core__adi_failed(struct pvic_core *c, u32 id)
{
	struct pvic_adi *adi = pvic_core__find_adi(c, id);

	if (!adi)
		return -ENOENT;
	if (adi->failed)
		return 0;
	free_all(c, adi, false);	/* the device is gone: do not ask it */
	adi->failed = true;
	adi->cnt.faults++;
	return 0;
}

void pvic_core__count_batch_error(struct pvic_core *c, int status)
{
	c->cnt.batch_errors[pvic__err_index(status)]++;
}

static int negotiate(struct pvic_core *c, struct pvic_page *p)
{
	struct pvic_negotiate *n = (struct pvic_negotiate *)&p->e[0];

	if (p->hdr.count != 1)
		return -EINVAL;
	if (n->version >> 16 != PVIC_VERSION_MAJOR) {
		n->status = -EPROTO;
		c->negotiated = false;
		return -EPROTO;
	}
	c->accepted = (n->features & c->features) | PVIC_FEAT_BATCH;
	c->negotiated = true;
	c->next_seq = p->hdr.seq + 1;
	*n = (struct pvic_negotiate){
		.version = PVIC_VERSION, .features = c->accepted,
		.max_entries = PVIC_MAX_ENTRIES, .nr_adis = pvic_core__nr_adis(c),
		.max_handles = PVIC_MAX_HANDLES, .nr_vcpus = c->nr_vcpus, .status = 0,
	};
	p->hdr.done = 1;
	if (c->trace)
		pr_info("pvic: NEGOTIATE seq %u features %#x: ok", p->hdr.seq, c->accepted);
	return 0;
}

static void query(struct pvic_core *c, struct pvic_adi *adi, struct pvic_page *p)
{
	struct pvic_adi_info *q = (struct pvic_adi_info *)&p->e[0];

	*q = (struct pvic_adi_info){
		.irq_count = adi->irq_count, .ims_entries = adi->ims_entries,
		.handles_owned = adi->nr_handles, .handles_free = c->irt.nr_free,
		.routes_free = c->ops->routes_free(c->be),
		.state = adi->failed ? PVIC_ADI_FAILED : PVIC_ADI_PRESENT,
	};
	p->hdr.done = 1;
}

/* Header checks after the sequence number matched: 0 or the batch status. */
static int check_header(struct pvic_core *c, const struct pvic_hdr *h)
{
	u32 need = 0;

	if (h->op == 0 || h->op > PVIC_OP_MAX)
		return -EOPNOTSUPP;
	if (h->flags & ~PVIC_HDR_F_ALL)
		return -EINVAL;
	for (unsigned int i = 0; i < ARRAY_SIZE(h->reserved); i++)
		if (h->reserved[i])
			return -EINVAL;
	if (h->op == PVIC_OP_RETARGET)
		need = PVIC_FEAT_RETARGET;
	else if (h->op == PVIC_OP_MASK || h->op == PVIC_OP_UNMASK ||
		 h->op == PVIC_OP_GET_PENDING)
		need = PVIC_FEAT_MASK;
	if ((c->accepted & need) != need)
		return -EOPNOTSUPP;
	switch (h->op) {
	case PVIC_OP_QUERY_ADI:
		return h->count == 1 ? 0 : -EINVAL;
	case PVIC_OP_RESET_ADI:
		return h->count == 0 ? 0 : -EINVAL;
	default:
		return h->count >= 1 && h->count <= PVIC_MAX_ENTRIES ? 0 : -EINVAL;
	}
}

static int batch_error(struct pvic_core *c, struct pvic_adi *adi, struct pvic_page *p, int st)
{
	p->hdr.status = st;
	p->hdr.done = 0;
	p->hdr.result = 0;
	if (adi)
		adi->cnt.errors[pvic__err_index(st)]++;
	c->cnt.batch_errors[pvic__err_index(st)]++;
	if (c->trace)
		pr_info("pvic: %s seq %u adi %#x count %u: batch %s", pvic__op_name(p->hdr.op),
			p->hdr.seq, p->hdr.adi, p->hdr.count, pvic__err_name(st));
	return st;
}

int pvic_core__flush(struct pvic_core *c)
{
	if (!c->deferred && !c->dirty)
		return 0;
	return pvic__commit(c);
}

int pvic_core__execute(struct pvic_core *c, struct pvic_page *p)
{
	struct pvic_hdr *h = &p->hdr;
	struct pvic_batch b;
	struct pvic_adi *adi;
	int ret, first_err = 0;
	u32 done = 0;

	c->cnt.batches++;
	/* What ALLOCs flagged MORE staged reaches KVM before anything else runs. */
	if (c->deferred && h->op != PVIC_OP_ALLOC)
		(void)pvic_core__flush(c);
	p->hdr.done = 0;
	p->hdr.result = 0;
	if (h->op == PVIC_OP_NEGOTIATE) {
		ret = check_header(c, h);
		if (!ret)
			ret = negotiate(c, p);
		if (ret)
			return batch_error(c, NULL, p, ret);
		h->status = 0;
		return 0;
	}
	if (!c->negotiated || h->seq != c->next_seq)
		return batch_error(c, NULL, p, -EPROTO);
	c->next_seq++;		/* the sequence matched: whatever happens next */

	ret = check_header(c, h);
	if (ret)
		return batch_error(c, NULL, p, ret);
	adi = pvic_core__find_adi(c, h->adi);
	if (!adi)
		return batch_error(c, NULL, p, -ENODEV);
	if (h->op == PVIC_OP_QUERY_ADI) {
		query(c, adi, p);
		h->status = 0;
		return 0;
	}
	if (adi->failed)
		return batch_error(c, adi, p, -ENODEV);

	b = (struct pvic_batch){ .c = c, .adi = adi, .owner = (u16)(adi - c->adi) + 1,
				 .op = h->op, .e = p->e, .n = h->count,
				 .all_or_nothing = h->flags & PVIC_HDR_F_ALL_OR_NOTHING,
				 .more = h->flags & PVIC_HDR_F_MORE };
	switch (h->op) {
	case PVIC_OP_ALLOC:
		done = pvic_op__alloc(&b, &first_err);
		break;
	case PVIC_OP_FREE:
		done = pvic_op__free(&b, &first_err);
		break;
	case PVIC_OP_RETARGET:
		done = pvic_op__retarget(&b, &first_err);
		break;
	case PVIC_OP_MASK:
	case PVIC_OP_UNMASK:
		done = pvic_op__mask(&b, h->op == PVIC_OP_MASK, &first_err);
		break;
	case PVIC_OP_GET_PENDING:
		done = pvic_op__get_pending(&b, &first_err);
		break;
	case PVIC_OP_RESET_ADI:
		done = adi->nr_handles;
		free_all(c, adi, true);
		done -= adi->nr_handles;
		if (c->trace)
			pr_info("pvic: RESET_ADI adi %#x: %u handles freed", adi->id, done);
		break;
	}
	if (c->dirty && !c->deferred)	/* undone entries left staged changes */
		(void)pvic__commit(c);
	h->status = first_err;
	h->done = done;
	h->result = first_err && done ? PVIC_RESULT_PARTIAL : 0;
	return first_err;
}
