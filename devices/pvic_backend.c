/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC backend over vmm/irq_routing.h and vmm/ims_source.h.
 *
 * Each handle is a one-vector irq_group: its eventfd is what the device
 * signals, its GSI is allocated when first unmasked. irq_group__commit()
 * pushes the VM's whole table if anything changed and then attaches the
 * group's irqfd, so committing every group touched in a batch costs one
 * KVM_SET_GSI_ROUTING (the first) and one KVM_IRQFD per new vector.
 * Destroyed groups are disabled at once (irqfd detached, GSI freed) and
 * closed after the push, so their GSIs never serve two vectors in KVM.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pvic_backend.h"
#include "vmm/fd_limit.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define MSI_ADDR_BASE		0xFEE00000u
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_REDIR_HINT	(1u << 3)
#define MSI_ADDR_DEST_LOGICAL	(1u << 2)
#define MSI_DATA_DM_SHIFT	8

void pvic__compose_msi(const struct pvic_route *r, u64 *addr, u32 *data)
{
	u64 a = MSI_ADDR_BASE | (r->dest_id & 0xFFu) << MSI_ADDR_DEST_SHIFT;

	if (r->dest_mode == PVIC_DEST_LOGICAL)
		a |= MSI_ADDR_DEST_LOGICAL;
	if (r->delivery_mode == PVIC_DELIVERY_LOWEST)
		a |= MSI_ADDR_REDIR_HINT;
	/* x2APIC ids above 255: KVM's extended destination in address_hi. */
	a |= (u64)(r->dest_id & ~0xFFu) << 32;
	*addr = a;
	*data = r->vector | (u32)r->delivery_mode << MSI_DATA_DM_SHIFT;
}

static int grow(void **arr, u32 *cap, u32 need, size_t elem)
{
	void *p;
	u32 n;

	if (need <= *cap)
		return 0;
	n = MAX(need, *cap ? *cap * 2 : 256u);
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int pvic_kvm_be__init(struct pvic_kvm_be *be, struct vm *vm, bool relay)
{
	int ret;

	*be = (struct pvic_kvm_be){ .vm = vm, .relay = relay };
	pthread_mutex_init(&be->relay_lock, NULL);
	be->vec = calloc(PVIC_IRT_SIZE, sizeof(*be->vec));
	if (relay)
		be->rvec = calloc(PVIC_IRT_SIZE, sizeof(*be->rvec));
	if (!be->vec || (relay && !be->rvec)) {
		ret = -ENOMEM;
		goto err;
	}
	ret = irq_routing__get(vm, &be->routing);
	if (ret)
		goto err;
	return 0;
err:
	free(be->vec);
	free(be->rvec);
	be->vec = NULL;
	be->rvec = NULL;
	pthread_mutex_destroy(&be->relay_lock);
	return ret;
}

static void reap(struct pvic_kvm_be *be)
{
	for (u32 i = 0; i < be->nr_dying; i++)
		irq_group__destroy(be->dying[i]);
	be->nr_dying = 0;
}

void pvic_kvm_be__destroy(struct pvic_kvm_be *be)
{
	if (!be->vec)
		return;
	for (u32 h = 0; h < PVIC_IRT_SIZE; h++) {
		if (be->vec[h])
			irq_group__destroy(be->vec[h]);
		if (be->rvec && be->rvec[h])
			pvic_relay__destroy(be, h);
	}
	reap(be);
	free(be->vec);
	free(be->rvec);
	pthread_mutex_destroy(&be->relay_lock);
	free(be->touched);
	free(be->dying);
	irq_routing__put(be->routing);
	*be = (struct pvic_kvm_be){ 0 };
}

static void vec_destroy(void *opaque, u32 h);

/* Lock held (the PV-IC's). Why a vector got no eventfd, once per 1024 times past the first 10. */
static void no_fd(struct pvic_kvm_be *be, const char *why)
{
	be->no_fd++;
	pr_warn_ratelimited("pvic: no file descriptor for a new IMS vector (%s; RLIMIT_NOFILE %lu, "
			    "%lu kept free): ALLOC refused with EAGAIN; raise `ulimit -n`",
			    why, fd_limit__current(), FD_LIMIT_RESERVE);
}

static int vec_create(void *opaque, u32 h, int *efd)
{
	struct pvic_kvm_be *be = opaque;
	int ret;

	if (be->relay)
		ret = pvic_relay__create(be, h, efd);
	else if (be->vec[h])
		return -EEXIST;
	else
		ret = irq_group__create(be->routing, 1, &be->vec[h]);
	if (ret == -EMFILE || ret == -ENFILE)
		no_fd(be, strerror(-ret));
	if (ret)
		return ret;
	if (!be->relay)
		*efd = irq_group__notifier(be->vec[h], 0);
	/* The last fds are not the guest's to take (vmm/fd_limit.h). */
	if (fd_limit__in_reserve(*efd)) {
		if (be->relay) {
			pvic_relay__destroy(be, h);	/* never watched yet */
		} else if (irq_group__discard(be->vec[h])) {
			vec_destroy(be, h);	/* cannot happen: a new vector has no GSI */
		}
		be->vec[h] = NULL;
		*efd = -1;
		no_fd(be, "reserve reached");
		return -EMFILE;
	}
	return 0;
}

static void vec_destroy(void *opaque, u32 h)
{
	struct pvic_kvm_be *be = opaque;
	struct irq_group *g = be->vec[h];

	if (be->relay) {
		pvic_relay__destroy(be, h);
		return;
	}
	if (!g)
		return;
	be->vec[h] = NULL;
	if (irq_group__disable(g, 0))		/* irqfd detached, GSI freed now */
		pr_warn_ratelimited("pvic: disabling the vector of handle %u failed", h);
	if (grow((void **)&be->dying, &be->cap_dying, be->nr_dying + 1, sizeof(*be->dying))) {
		irq_group__destroy(g);		/* no room to defer: push now */
		return;
	}
	be->dying[be->nr_dying++] = g;
}

static int vec_update(void *opaque, u32 h, const struct pvic_route *r, bool masked)
{
	struct pvic_kvm_be *be = opaque;
	u64 addr;
	u32 data;
	int ret;

	if (be->relay) {
		pvic__compose_msi(r, &addr, &data);
		return pvic_relay__update(be, h, addr, data, masked);
	}
	if (!be->vec[h])
		return -ENOENT;
	ret = grow((void **)&be->touched, &be->cap_touched, be->nr_touched + 1,
		   sizeof(*be->touched));
	if (ret)
		return ret;
	pvic__compose_msi(r, &addr, &data);
	ret = irq_group__update(be->vec[h], 0, addr, data, masked);
	if (ret)
		return ret;
	be->touched[be->nr_touched++] = h;
	return 0;
}

static int commit(void *opaque)
{
	struct pvic_kvm_be *be = opaque;
	int ret = 0;

	if (be->relay)
		return pvic_relay__commit(be);
	for (u32 i = 0; i < be->nr_touched && !ret; i++) {
		struct irq_group *g = be->vec[be->touched[i]];

		if (g)
			ret = irq_group__commit(g);
	}
	if (!ret && !be->nr_touched && be->nr_dying)
		ret = irq_group__commit(be->dying[0]);	/* only removals: push them */
	/* After a failed push the touched vectors still wait for their irqfds: keep them. */
	if (!ret)
		be->nr_touched = 0;
	reap(be);
	return ret;
}

static int pending(void *opaque, u32 h)
{
	struct pvic_kvm_be *be = opaque;
	struct pollfd p;
	int fd;

	fd = be->relay ? pvic_relay__efd(be, h) : be->vec[h] ? irq_group__notifier(be->vec[h], 0)
							      : -ENOENT;
	if (fd < 0)
		return fd;
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) < 0)
		return -errno;
	return !!(p.revents & POLLIN);
}

static int gsi(void *opaque, u32 h)
{
	struct pvic_kvm_be *be = opaque;

	return !be->relay && be->vec[h] ? irq_group__gsi(be->vec[h], 0) : -ENOENT;
}

static int bind(void *opaque, void *dev, u32 first, u32 n, const int *efds)
{
	struct pvic_kvm_be *be = opaque;
	struct ims_source *src = dev;

	be->device_calls++;
	if (src->failed)
		return -ENODEV;
	return src->ops->bind(src->opaque, first, n, efds);
}

static int unbind(void *opaque, void *dev, u32 first, u32 n)
{
	struct pvic_kvm_be *be = opaque;
	struct ims_source *src = dev;

	be->device_calls++;
	if (src->failed)
		return -ENODEV;
	return src->ops->unbind(src->opaque, first, n);
}

static bool host_handles(void *opaque, void *dev)
{
	const struct ims_source *src = dev;

	return src->ops->host_bind != NULL;
}

static int host_bind(void *opaque, void *dev, u32 first, u32 n, const int *efds, u32 (*msgs)[3])
{
	struct pvic_kvm_be *be = opaque;
	struct ims_source *src = dev;

	be->device_calls++;
	if (src->failed)
		return -ENODEV;
	return src->ops->host_bind(src->opaque, first, n, efds, msgs);
}

static bool dest_valid(void *opaque, u32 apic_id)
{
	struct pvic_kvm_be *be = opaque;

	return apic_id < be->vm->nr_vcpus;	/* vCPU index == APIC id (vmm/vcpu.h) */
}

static u32 routes_free(void *opaque)
{
	struct pvic_kvm_be *be = opaque;
	struct irq_routing_stats st;

	irq_routing__stats(be->routing, &st);
	return st.gsis_max - st.gsis_used;
}

const struct pvic_backend_ops pvic_kvm_be_ops = {
	.vec_create = vec_create, .vec_destroy = vec_destroy, .vec_update = vec_update,
	.commit = commit, .pending = pending, .gsi = gsi, .bind = bind, .unbind = unbind,
	.host_handles = host_handles, .host_bind = host_bind,
	.dest_valid = dest_valid, .routes_free = routes_free,
};
