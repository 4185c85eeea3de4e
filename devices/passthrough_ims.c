/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The passthrough model's IMS source (vmm/ims_source.h): an assigned device
 * whose host side has an IRQ index past the PCI ones (VFIO_PCI_NUM_IRQS)
 * with eventfd support binds remapping handles there, one eventfd each
 * (docs/pvic.md section 8). This file offers that index to the PV-IC and
 * knows nothing of IMS storage: the guest's driver writes the messages.
 *
 * Kept beside the model, not in struct passthrough, so the model's files
 * only gain three calls (setup, failure, teardown).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "devices/passthrough_priv.h"
#include "vmm/ims_source.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define SET_TRIGGER_FDS	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)

struct pt_ims {
	struct passthrough *pt;
	u32 index;			/* the IMS IRQ index */
	struct ims_source src;
	struct pt_ims *next;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pt_ims *list;

static struct pt_ims *take(struct passthrough *pt, bool unlink)
{
	struct pt_ims **p, *m = NULL;

	pthread_mutex_lock(&list_lock);
	for (p = &list; *p; p = &(*p)->next)
		if ((*p)->pt == pt) {
			m = *p;
			if (unlink)
				*p = m->next;
			break;
		}
	pthread_mutex_unlock(&list_lock);
	return m;
}

static int ims_bind(void *opaque, u32 first, u32 n, const int *fds)
{
	struct pt_ims *m = opaque;

	return pt__be_set_irqs(m->pt, m->index, SET_TRIGGER_FDS, first, n, fds);
}

static int ims_unbind(void *opaque, u32 first, u32 n)
{
	struct pt_ims *m = opaque;
	int *none = malloc(n * sizeof(*none));
	int ret;

	if (!none)
		return -ENOMEM;
	for (u32 i = 0; i < n; i++)
		none[i] = -1;		/* vfio: fd -1 de-assigns */
	ret = pt__be_set_irqs(m->pt, m->index, SET_TRIGGER_FDS, first, n, none);
	free(none);
	/*
	 * imsvm is stopping on a signal and gave up on a server that did not
	 * answer: the connection closes, and with it the server drops every
	 * binding it made for us (vfio-user: a departed client's interrupts are
	 * released). The handles are unbound; nothing to warn about.
	 */
	return ret == -ECANCELED ? 0 : ret;
}

static const struct ims_source_ops ims_ops = { .bind = ims_bind, .unbind = ims_unbind };

/* Device-specific IRQ indexes looked at for IMS: real devices have a handful. */
#define PT_IMS_MAX_INDEX	(VFIO_PCI_NUM_IRQS + 64)

/* The first IRQ index past the PCI ones that takes eventfds and has vectors. */
static int find_index(struct passthrough *pt, u32 *index, u32 *count)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	int ret = -ENOENT;

	pthread_rwlock_rdlock(&pt->backend_lock);
	if (!pt->b || pt->ops->device_info(pt->b, &dinfo) < 0)
		goto out;
	/* A device (or server) claiming billions of indexes must not stall assignment. */
	for (u32 i = VFIO_PCI_NUM_IRQS; i < MIN(dinfo.num_irqs, PT_IMS_MAX_INDEX); i++) {
		struct vfio_irq_info info = { .argsz = sizeof(info), .index = i };

		if (pt->ops->irq_info(pt->b, i, &info) < 0)
			continue;
		if ((info.flags & VFIO_IRQ_INFO_EVENTFD) && info.count) {
			*index = i;
			*count = info.count;
			ret = 0;
			break;
		}
	}
out:
	pthread_rwlock_unlock(&pt->backend_lock);
	return ret;
}

int pt_ims__setup(struct passthrough *pt)
{
	struct pt_ims *m;
	u32 index, count;
	int ret;

	if (pt->vm->cfg && pt->vm->cfg->ims_mode == VM_IMS_TRAP)
		return pt_ims__trap_setup(pt);	/* no PV-IC: imsvm emulates IMS */
	if (find_index(pt, &index, &count))
		return 0;		/* no IMS: an ordinary device */
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->pt = pt;
	m->index = index;
	m->src = (struct ims_source){
		.id = (u32)pt->pdev.slot << 3,	/* segment 0, bus 0, function 0 */
		.irq_count = count, .name = pt->name, .ops = &ims_ops, .opaque = m,
	};
	pthread_mutex_lock(&list_lock);
	m->next = list;
	list = m;
	pthread_mutex_unlock(&list_lock);
	ret = ims_source__register(pt->vm, &m->src);
	if (ret) {
		free(take(pt, true));
		return ret;
	}
	pr_info("%s: IMS on IRQ index %u (%u handles)", pt->name, index, count);
	return 0;
}

void pt_ims__failed(struct passthrough *pt)
{
	struct pt_ims *m = take(pt, false);

	if (m)
		ims_source__failed(pt->vm, &m->src);
}

void pt_ims__teardown(struct passthrough *pt)
{
	struct pt_ims *m = take(pt, true);

	pt_ims__trap_teardown(pt);
	if (!m)
		return;
	ims_source__unregister(pt->vm, &m->src);
	free(m);
}
