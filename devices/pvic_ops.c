/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC's per-entry operations: ALLOC, FREE, RETARGET, MASK/UNMASK,
 * GET_PENDING, and the freeing shared by FREE, RESET_ADI and device failure.
 *
 * Every operation validates an entry completely before it changes anything,
 * so a refused entry leaves no trace. Routes are staged and pushed to KVM
 * with one commit per batch; an irqfd is attached only after the commit that
 * created its route, and detached before its route is removed (STYLE.md:
 * Cloud Hypervisor learned that order from a kernel crash).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices/pvic_ops.h"
#include "vmm/log.h"

int pvic__status(int err)
{
	switch (err) {
	case 0: case -EPERM: case -ENOENT: case -EIO: case -EAGAIN: case -EFAULT:
	case -EBUSY: case -ENODEV: case -EINVAL: case -ENOSPC: case -EPROTO:
	case -EOPNOTSUPP: case -ECANCELED:
		return err;
	case -ETIMEDOUT: case -EINTR: case -ENOMEM: case -EMFILE: case -ENFILE:
		return -EAGAIN;
	case -ENOTCONN: case -ECONNRESET: case -EPIPE: case -ESHUTDOWN:
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * A device-side refusal as the guest sees it. Codes that would describe the
 * guest's own entry (EINVAL: a field out of range, ENOENT, EPERM, ...) are
 * EIO when the device said them: the entry was fine, the device's host side
 * failed it. A server out of fds says EMFILE: EAGAIN, as for our own fds.
 */
static int device_status(int err)
{
	int st = pvic__status(err);

	switch (st) {
	case -EPERM: case -ENOENT: case -EFAULT: case -EINVAL: case -EPROTO: case -ECANCELED:
		return -EIO;
	default:
		return st;
	}
}

void pvic__trace_entry(const struct pvic_batch *b, const struct pvic_entry *e)
{
	u32 id = b->adi->id;
	int gsi = -1;

	if (!b->c->trace)
		return;
	if (!e->status && pvic_irt__get(&b->c->irt, e->handle))
		gsi = b->c->ops->gsi(b->c->be, e->handle);
	pr_info("pvic: %s adi %04x:%02x:%02x.%x handle %u ims %d dest %u vector %u gsi %d: %s",
		pvic__op_name(b->op), PVIC_ADI_SEG(id), PVIC_ADI_BUS(id), PVIC_ADI_DEV(id),
		PVIC_ADI_FN(id), e->handle, (int)e->ims_index, e->dest_id, e->vector,
		gsi, pvic__err_name(e->status));
}

int pvic__commit(struct pvic_core *c)
{
	int ret;

	c->dirty = false;
	c->deferred = false;
	c->cnt.commits++;
	ret = c->ops->commit(c->be);
	if (ret)
		pr_warn_ratelimited("pvic: route commit failed: %d", ret);
	return ret;
}

static void vec_destroy(struct pvic_core *c, u32 h)
{
	c->ops->vec_destroy(c->be, h);
	c->dirty = true;
}

static int vec_update(struct pvic_core *c, u32 h, const struct pvic_route *r, bool masked)
{
	c->dirty = true;
	return c->ops->vec_update(c->be, h, r, masked);
}

static void fail(struct pvic_batch *b, struct pvic_entry *e, int status, int *first_err)
{
	e->status = status;
	b->adi->cnt.errors[pvic__err_index(status)]++;
	if (!*first_err)
		*first_err = status;
	pvic__trace_entry(b, e);
}

/* Entries that succeeded are undone by the caller; this marks them cancelled. */
static void cancel(struct pvic_batch *b, struct pvic_entry *e)
{
	e->status = -ECANCELED;
	b->adi->cnt.errors[PVIC_ERR_ECANCELED]++;
}

static int lookup(struct pvic_batch *b, u32 handle, struct pvic_irte **out)
{
	struct pvic_irte *irte = pvic_irt__get(&b->c->irt, handle);

	if (!irte)
		return -ENOENT;
	if (irte->owner != b->owner)
		return -EPERM;
	*out = irte;
	return 0;
}

static int check_route(struct pvic_core *c, const struct pvic_entry *e, struct pvic_route *r)
{
	if (e->vector < PVIC_VECTOR_MIN)
		return -EINVAL;
	if (e->delivery_mode == PVIC_DELIVERY_LOWEST) {
		if (!(c->accepted & PVIC_FEAT_LOWEST_PRIO))
			return -EOPNOTSUPP;
	} else if (e->delivery_mode != PVIC_DELIVERY_FIXED) {
		return -EINVAL;
	}
	if (e->dest_mode == PVIC_DEST_LOGICAL)
		return -EOPNOTSUPP;
	if (e->dest_mode != PVIC_DEST_PHYSICAL)
		return -EINVAL;
	if (e->dest_id == 0xFF || e->dest_id == 0xFFFFFFFFu)
		return -EINVAL;		/* broadcast is not a vCPU */
	if (e->dest_id > 0xFF && !(c->accepted & PVIC_FEAT_X2APIC))
		return -EINVAL;
	if (!c->ops->dest_valid(c->be, e->dest_id))
		return -EINVAL;
	*r = (struct pvic_route){ .dest_id = e->dest_id, .vector = e->vector,
				  .delivery_mode = e->delivery_mode, .dest_mode = e->dest_mode };
	return 0;
}

static void set_route(struct pvic_irte *irte, const struct pvic_route *r)
{
	irte->dest_id = r->dest_id;
	irte->vector = r->vector;
	irte->delivery_mode = r->delivery_mode;
	irte->dest_mode = r->dest_mode;
}

static void get_route(const struct pvic_irte *irte, struct pvic_route *r)
{
	*r = (struct pvic_route){ .dest_id = irte->dest_id, .vector = irte->vector,
				  .delivery_mode = irte->delivery_mode,
				  .dest_mode = irte->dest_mode };
}

/* The out fields every successful per-handle operation writes. */
static void write_ok(struct pvic_entry *e, const struct pvic_irte *irte)
{
	e->ims_index = irte->ims_index;
	e->flags = irte->masked ? PVIC_ENTRY_F_MASKED : 0;
	e->status = 0;
}

static void write_pair(struct pvic_entry *e, u32 handle, const struct pvic_irte *irte)
{
	e->handle = handle;
	if (irte->host_msg) {
		e->addr_lo = irte->msg[0];
		e->addr_hi = irte->msg[1];
		e->data = irte->msg[2];
		return;
	}
	e->addr_lo = PVIC_MSI_REMAP_ADDR(handle);
	e->addr_hi = 0;
	e->data = 0;
}

/* ---- ALLOC ---- */

struct alloc_state {
	bool ok;
	bool created, bound;
	u32 handle;
	int efd;
	struct pvic_route r;
};

/* Undo whatever was done for one entry; the caller commits (c->dirty). */
static void alloc_undo(struct pvic_batch *b, struct alloc_state *s)
{
	struct pvic_core *c = b->c;
	struct pvic_irte *irte = &c->irt.e[s->handle];
	bool quarantine = false;

	if (s->created)
		vec_destroy(c, s->handle);
	if (s->bound && c->ops->unbind(c->be, b->adi->dev, s->handle, 1)) {
		b->adi->cnt.faults++;
		quarantine = true;	/* the device may still signal it */
	}
	if (irte->ims_index != PVIC_IMS_ANY && b->adi->ims_map[irte->ims_index] == s->handle)
		b->adi->ims_map[irte->ims_index] = 0;
	if (quarantine)
		pvic_irt__quarantine(&c->irt, s->handle);
	else
		pvic_irt__free(&c->irt, s->handle);
	*s = (struct alloc_state){ .efd = -1 };
}

static void alloc_fail(struct pvic_batch *b, u32 i, struct alloc_state *s, int err,
		       int *first_err)
{
	alloc_undo(b, s);
	fail(b, &b->e[i], pvic__status(err), first_err);
}

/* Validate an entry and take its handle and IMS index; nothing outside the core yet. */
static int alloc_reserve(struct pvic_batch *b, struct pvic_entry *e, struct alloc_state *s)
{
	struct pvic_core *c = b->c;
	struct pvic_irte *irte;
	int ret;

	if (e->flags & ~PVIC_ENTRY_F_IN_MASK)
		return -EINVAL;
	if (e->ims_index != PVIC_IMS_ANY && e->ims_index > PVIC_IMS_INDEX_MAX)
		return -EINVAL;
	ret = check_route(c, e, &s->r);
	if (ret)
		return ret;
	if (e->ims_index != PVIC_IMS_ANY && b->adi->ims_map[e->ims_index])
		return -EBUSY;
	ret = pvic_irt__alloc(&c->irt, b->owner, &s->handle);
	if (ret)
		return ret;
	irte = &c->irt.e[s->handle];
	set_route(irte, &s->r);
	irte->ims_index = e->ims_index;
	irte->masked = e->flags & PVIC_ENTRY_F_MASKED;
	if (e->ims_index != PVIC_IMS_ANY)
		b->adi->ims_map[e->ims_index] = (u16)s->handle;
	s->ok = true;
	return 0;
}

/* Bind runs of consecutive handles with one request each. */
static void alloc_bind(struct pvic_batch *b, struct alloc_state *st, int *first_err)
{
	struct pvic_core *c = b->c;
	int efds[PVIC_MAX_ENTRIES];
	u32 msgs[PVIC_MAX_ENTRIES][3];
	u32 i = 0, j, k;
	int ret;

	while (i < b->n) {
		if (!st[i].ok) {
			i++;
			continue;
		}
		efds[0] = st[i].efd;
		for (j = i + 1; j < b->n && st[j].ok && st[j].handle == st[j - 1].handle + 1; j++)
			efds[j - i] = st[j].efd;
		if (b->adi->host_handles)	/* the host's IOMMU picks the messages */
			ret = c->ops->host_bind(c->be, b->adi->dev, st[i].handle, j - i, efds, msgs);
		else
			ret = c->ops->bind(c->be, b->adi->dev, st[i].handle, j - i, efds);
		if (ret && ret != -EOPNOTSUPP) {
			b->adi->cnt.faults++;
			pr_warn_ratelimited("pvic: ADI %02x:%02x.%x refused to bind handles "
					    "%u..%u: %s (ALLOC gets %s)", PVIC_ADI_BUS(b->adi->id),
					    PVIC_ADI_DEV(b->adi->id), PVIC_ADI_FN(b->adi->id),
					    st[i].handle, st[j - 1].handle, strerror(-ret),
					    pvic__err_name(device_status(ret)));
		}
		ret = ret ? device_status(ret) : 0;
		for (k = i; k < j; k++) {
			struct pvic_irte *irte = &c->irt.e[st[k].handle];

			if (ret) {
				alloc_fail(b, k, &st[k], ret, first_err);
				continue;
			}
			st[k].bound = true;
			if (b->adi->host_handles) {
				irte->host_msg = true;
				memcpy(irte->msg, msgs[k - i], sizeof(irte->msg));
			}
		}
		i = j;
	}
}

u32 pvic_op__alloc(struct pvic_batch *b, int *first_err)
{
	struct pvic_core *c = b->c;
	struct alloc_state st[PVIC_MAX_ENTRIES];
	bool any = false;
	u32 i, granted = 0;
	int ret;

	for (i = 0; i < b->n; i++) {
		st[i] = (struct alloc_state){ .efd = -1 };
		ret = alloc_reserve(b, &b->e[i], &st[i]);
		if (ret)
			fail(b, &b->e[i], pvic__status(ret), first_err);
	}
	for (i = 0; i < b->n; i++) {
		if (!st[i].ok)
			continue;
		ret = c->ops->vec_create(c->be, st[i].handle, &st[i].efd);
		if (ret)
			alloc_fail(b, i, &st[i], ret, first_err);
		else
			st[i].created = true;
	}
	/* The device learns the eventfds before any route exists: nothing can misfire. */
	alloc_bind(b, st, first_err);
	for (i = 0; i < b->n; i++) {
		if (!st[i].ok)
			continue;
		ret = vec_update(c, st[i].handle, &st[i].r, b->e[i].flags & PVIC_ENTRY_F_MASKED);
		if (ret)
			alloc_fail(b, i, &st[i], ret, first_err);	/* -ENOSPC: table full */
		else
			any = true;
	}
	if (b->all_or_nothing && *first_err) {
		for (i = 0; i < b->n; i++) {
			if (!st[i].ok)
				continue;
			alloc_undo(b, &st[i]);
			cancel(b, &b->e[i]);
		}
		any = false;
	}
	/*
	 * One push for the whole batch (or, lazily, for this and the ALLOCs that
	 * follow it); the irqfds attach after it.
	 */
	if (any && b->more)
		c->deferred = true;
	else if (any && pvic__commit(c)) {
		for (i = 0; i < b->n; i++)
			if (st[i].ok)
				alloc_fail(b, i, &st[i], -EIO, first_err);
	}
	for (i = 0; i < b->n; i++) {
		if (!st[i].ok)
			continue;
		write_pair(&b->e[i], st[i].handle, &c->irt.e[st[i].handle]);
		write_ok(&b->e[i], &c->irt.e[st[i].handle]);
		b->adi->nr_handles++;
		b->adi->cnt.allocs++;
		granted++;
		pvic__trace_entry(b, &b->e[i]);
	}
	return granted;
}

/* ---- FREE, RESET_ADI, device failure ---- */

static void release_one(struct pvic_core *c, struct pvic_adi *adi, u32 h, bool quarantine)
{
	struct pvic_irte *irte = &c->irt.e[h];

	if (irte->ims_index != PVIC_IMS_ANY && adi->ims_map[irte->ims_index] == h)
		adi->ims_map[irte->ims_index] = 0;
	adi->nr_handles--;
	adi->cnt.frees++;
	if (quarantine)
		pvic_irt__quarantine(&c->irt, h);
	else
		pvic_irt__free(&c->irt, h);
}

void pvic_op__free_handles(struct pvic_core *c, struct pvic_adi *adi, const u32 *handles,
			   u32 n, bool unbind)
{
	u32 i, j, k;
	int ret;

	if (!n)
		return;
	/* Detach and unroute first: from here on the handle reaches no vCPU. */
	for (i = 0; i < n; i++)
		vec_destroy(c, handles[i]);
	(void)pvic__commit(c);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && handles[j] == handles[j - 1] + 1; j++)
			;
		ret = unbind ? c->ops->unbind(c->be, adi->dev, handles[i], j - i) : 0;
		if (ret) {
			/* The device may still signal them: never hand them out again. */
			adi->cnt.faults++;
			pr_warn_ratelimited("pvic: adi %#x: unbind of handles %u..%u failed: %d",
					    adi->id, handles[i], handles[j - 1], ret);
		}
		for (k = i; k < j; k++)
			release_one(c, adi, handles[k], ret != 0);
	}
}

u32 pvic_op__free(struct pvic_batch *b, int *first_err)
{
	u32 handles[PVIC_MAX_ENTRIES];
	bool ok[PVIC_MAX_ENTRIES];
	u32 i, j, nh = 0;

	for (i = 0; i < b->n; i++) {
		struct pvic_irte *irte;
		int ret = lookup(b, b->e[i].handle, &irte);

		for (j = 0; !ret && j < i; j++)
			if (ok[j] && b->e[j].handle == b->e[i].handle)
				ret = -ENOENT;	/* freed by an earlier entry: double free */
		ok[i] = !ret;
		if (ret)
			fail(b, &b->e[i], ret, first_err);
	}
	if (b->all_or_nothing && *first_err) {
		for (i = 0; i < b->n; i++)
			if (ok[i])
				cancel(b, &b->e[i]);
		return 0;
	}
	for (i = 0; i < b->n; i++) {
		if (!ok[i])
			continue;
		b->e[i].ims_index = b->c->irt.e[b->e[i].handle].ims_index;
		b->e[i].flags = 0;
		b->e[i].status = 0;
		pvic__trace_entry(b, &b->e[i]);
		handles[nh++] = b->e[i].handle;
	}
	pvic_op__free_handles(b->c, b->adi, handles, nh, true);
	return nh;
}

/* ---- RETARGET ---- */

u32 pvic_op__retarget(struct pvic_batch *b, int *first_err)
{
	struct pvic_core *c = b->c;
	struct pvic_route old[PVIC_MAX_ENTRIES], nr[PVIC_MAX_ENTRIES];
	bool ok[PVIC_MAX_ENTRIES];
	u32 i, done = 0;
	int ret = 0;

	for (i = 0; i < b->n; i++) {
		struct pvic_irte *irte;

		ret = lookup(b, b->e[i].handle, &irte);
		if (!ret && (b->e[i].flags & ~PVIC_ENTRY_F_IN_MASK))
			ret = -EINVAL;
		if (!ret)
			ret = check_route(c, &b->e[i], &nr[i]);
		ok[i] = !ret;
		if (ret)
			fail(b, &b->e[i], ret, first_err);
	}
	ret = 0;
	if (b->all_or_nothing && *first_err)
		goto cancel_all;

	for (i = 0; i < b->n; i++) {
		struct pvic_irte *irte;
		int err;

		if (!ok[i])
			continue;
		irte = &c->irt.e[b->e[i].handle];
		get_route(irte, &old[i]);
		/* The same handle, the same mask: only the route changes. */
		err = vec_update(c, b->e[i].handle, &nr[i], irte->masked);
		if (err) {
			ok[i] = false;
			fail(b, &b->e[i], pvic__status(err), first_err);
			continue;
		}
		set_route(irte, &nr[i]);
	}
	if (b->all_or_nothing && *first_err)
		goto revert;
	ret = pvic__commit(c);
	if (ret)
		goto revert;
	for (i = 0; i < b->n; i++) {
		u32 h = b->e[i].handle;

		if (!ok[i])
			continue;
		write_pair(&b->e[i], h, &c->irt.e[h]);
		write_ok(&b->e[i], &c->irt.e[h]);
		b->adi->cnt.retargets++;
		done++;
		pvic__trace_entry(b, &b->e[i]);
	}
	return done;

revert:
	/* Back to the old routes, newest change first (a handle may appear twice). */
	for (i = b->n; i-- > 0;) {
		struct pvic_irte *irte;

		if (!ok[i])
			continue;
		irte = &c->irt.e[b->e[i].handle];
		if (vec_update(c, b->e[i].handle, &old[i], irte->masked))
			pr_warn_ratelimited("pvic: restoring the route of handle %u failed",
					    b->e[i].handle);
		set_route(irte, &old[i]);
		if (ret)
			fail(b, &b->e[i], -EIO, first_err);
		else
			cancel(b, &b->e[i]);
		ok[i] = false;
	}
	return 0;
cancel_all:
	for (i = 0; i < b->n; i++)
		if (ok[i])
			cancel(b, &b->e[i]);
	return 0;
}

/* ---- MASK / UNMASK ---- */

static int set_mask(struct pvic_core *c, u32 h, bool mask)
{
	struct pvic_irte *irte = &c->irt.e[h];
	struct pvic_route r;
	int ret;

	get_route(irte, &r);
	ret = vec_update(c, h, &r, mask);
	if (!ret)
		irte->masked = mask;
	return ret;
}

u32 pvic_op__mask(struct pvic_batch *b, bool mask, int *first_err)
{
	struct pvic_core *c = b->c;
	bool ok[PVIC_MAX_ENTRIES], changed[PVIC_MAX_ENTRIES];
	u32 i, done = 0;
	int ret;

	for (i = 0; i < b->n; i++) {
		struct pvic_irte *irte;

		changed[i] = false;
		ret = lookup(b, b->e[i].handle, &irte);
		ok[i] = !ret;
		if (ret)
			fail(b, &b->e[i], ret, first_err);
	}
	for (i = 0; i < b->n && !(b->all_or_nothing && *first_err); i++) {
		if (!ok[i] || c->irt.e[b->e[i].handle].masked == mask)
			continue;	/* idempotent */
		/*
		 * Mask detaches the irqfd now; unmask attaches it at the commit
		 * below, and KVM_IRQFD polls the eventfd as it attaches, so an
		 * interrupt counted while masked is delivered then, once.
		 */
		ret = set_mask(c, b->e[i].handle, mask);
		if (ret) {
			ok[i] = false;
			fail(b, &b->e[i], pvic__status(ret), first_err);
			continue;
		}
		changed[i] = true;
	}
	if (b->all_or_nothing && *first_err) {
		for (i = 0; i < b->n; i++) {
			if (!ok[i])
				continue;
			if (changed[i] && set_mask(c, b->e[i].handle, !mask))
				pr_warn_ratelimited("pvic: undoing %s of handle %u failed",
						    mask ? "mask" : "unmask", b->e[i].handle);
			cancel(b, &b->e[i]);
		}
		return 0;
	}
	if (!mask && pvic__commit(c)) {
		/* The irqfds could not be attached: the handles stay masked. */
		for (i = 0; i < b->n; i++) {
			if (!ok[i] || !changed[i])
				continue;
			(void)set_mask(c, b->e[i].handle, true);
			ok[i] = false;
			fail(b, &b->e[i], -EIO, first_err);
		}
	}
	for (i = 0; i < b->n; i++) {
		u32 h = b->e[i].handle;

		if (!ok[i])
			continue;
		write_ok(&b->e[i], &c->irt.e[h]);
		if (mask)
			b->adi->cnt.masks++;
		else
			b->adi->cnt.unmasks++;
		done++;
		pvic__trace_entry(b, &b->e[i]);
	}
	return done;
}

/* ---- GET_PENDING ---- */

u32 pvic_op__get_pending(struct pvic_batch *b, int *first_err)
{
	struct pvic_core *c = b->c;
	u8 flags[PVIC_MAX_ENTRIES];
	bool ok[PVIC_MAX_ENTRIES];
	u32 i, done = 0;

	for (i = 0; i < b->n; i++) {
		struct pvic_irte *irte;
		int ret = lookup(b, b->e[i].handle, &irte);

		flags[i] = 0;
		if (!ret && irte->masked) {
			flags[i] = PVIC_ENTRY_F_MASKED;
			ret = c->ops->pending(c->be, b->e[i].handle);
			if (ret > 0)
				flags[i] |= PVIC_ENTRY_F_PENDING;
			ret = ret < 0 ? pvic__status(ret) : 0;
		}
		ok[i] = !ret;
		if (ret)
			fail(b, &b->e[i], ret, first_err);
	}
	for (i = 0; i < b->n; i++) {
		u32 h = b->e[i].handle;

		if (!ok[i])
			continue;
		if (b->all_or_nothing && *first_err) {
			cancel(b, &b->e[i]);
			continue;
		}
		write_ok(&b->e[i], &c->irt.e[h]);
		b->e[i].flags = flags[i];
		done++;
		pvic__trace_entry(b, &b->e[i]);
	}
	return done;
}
