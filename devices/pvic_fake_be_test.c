/* SPDX-License-Identifier: GPL-2.0-only */
/* The fake PV-IC backend of devices/pvic_fake_be.h (test code only). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/pvic_fake_be.h"

void fake_be__init(struct fake_be *f, u32 nr_vcpus)
{
	memset(f, 0, sizeof(*f));
	f->gsi_limit = 4096;
	f->nr_vcpus = nr_vcpus;
	for (u32 g = 0; g < FAKE_GSI_MAX; g++)
		f->attached[g] = -1;
	for (u32 g = 0; g < FAKE_GSI_RESERVED; g++)
		f->staged[g].used = f->committed[g].used = true;
}

u32 fake_be__committed_routes(const struct fake_be *f)
{
	u32 n = 0;

	for (u32 g = 0; g < FAKE_GSI_MAX; g++)
		n += f->committed[g].used;
	return n;
}

bool fake_be__consistent(const struct fake_be *f)
{
	for (u32 g = 0; g < FAKE_GSI_MAX; g++) {
		if (f->staged[g].used != f->committed[g].used)
			return false;
		if (f->staged[g].used && memcmp(&f->staged[g].r, &f->committed[g].r,
						sizeof(f->staged[g].r)))
			return false;
	}
	return true;
}

static int bind(void *be, void *dev, u32 first, u32 n, int *efds)
{
	struct fake_be *f = be;
	u32 i;
	int ret;

	f->bind_calls++;
	if (f->fail_bind)
		return f->fail_bind;
	if (f->bind_max && n > f->bind_max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		ret = -EBUSY;
		if (f->bound_dev[first + i])
			goto err;	/* the real device refuses a bound handle */
		efds[i] = f->no_fds ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ret = -errno;
		if (efds[i] < 0 && !f->no_fds)
			goto err;
		f->bound_dev[first + i] = dev;
	}
	f->bind_handles += n;
	return 0;
err:
	while (i--) {
		if (efds[i] >= 0)
			close(efds[i]);
		f->bound_dev[first + i] = NULL;
	}
	return ret;
}

static int unbind(void *be, void *dev, u32 first, u32 n, const int *efds)
{
	struct fake_be *f = be;

	f->unbind_calls++;
	for (u32 i = 0; i < n; i++)
		if (efds[i] >= 0)
			close(efds[i]);
	if (f->fail_unbind)
		return f->fail_unbind;
	for (u32 i = 0; i < n; i++)
		if (f->bound_dev[first + i] == dev)
			f->bound_dev[first + i] = NULL;
	f->unbind_handles += n;
	return 0;
}

static int route_add(void *be, const struct pvic_route *r, u32 *gsi)
{
	struct fake_be *f = be;

	f->route_adds++;
	for (u32 g = 0; g < f->gsi_limit; g++) {
		/* A GSI staged for removal is free only after the commit. */
		if (f->staged[g].used || f->committed[g].used)
			continue;
		f->staged[g] = (struct fake_route){ .used = true, .r = *r };
		*gsi = g;
		return 0;
	}
	return -ENOSPC;
}

static int route_set(void *be, u32 gsi, const struct pvic_route *r)
{
	struct fake_be *f = be;

	f->route_sets++;
	if (gsi >= f->gsi_limit || !f->staged[gsi].used)
		return -EINVAL;
	f->staged[gsi].r = *r;
	return 0;
}

static void route_del(void *be, u32 gsi)
{
	struct fake_be *f = be;

	f->route_dels++;
	if (gsi < f->gsi_limit)
		f->staged[gsi].used = false;
}

static int commit(void *be)
{
	struct fake_be *f = be;

	f->commits++;
	if (f->fail_commit)
		return f->fail_commit;
	memcpy(f->committed, f->staged, sizeof(f->committed));
	return 0;
}

static int irqfd_attach(void *be, u32 gsi, int efd)
{
	struct fake_be *f = be;

	f->attaches++;
	if (f->fail_attach)
		return f->fail_attach;
	if (!f->committed[gsi].used || f->attached[gsi] >= 0)
		return -EINVAL;	/* KVM: attach before commit, or twice */
	f->attached[gsi] = efd;
	return 0;
}

static int irqfd_detach(void *be, u32 gsi, int efd)
{
	struct fake_be *f = be;

	f->detaches++;
	if (f->attached[gsi] != efd)
		return -ENOENT;
	f->attached[gsi] = -1;
	return 0;
}

static int pending(void *be, int efd)
{
	struct fake_be *f = be;
	struct pollfd p = { .fd = efd, .events = POLLIN };

	if (f->fail_pending)
		return f->fail_pending;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	return !!(p.revents & POLLIN);
}

static bool dest_valid(void *be, u32 apic_id)
{
	struct fake_be *f = be;

	return apic_id < f->nr_vcpus;
}

static u32 routes_free(void *be)
{
	struct fake_be *f = be;
	u32 n = 0;

	for (u32 g = 0; g < f->gsi_limit; g++)
		n += !f->staged[g].used;
	return n;
}

const struct pvic_backend_ops fake_be_ops = {
	.bind = bind, .unbind = unbind, .route_add = route_add, .route_set = route_set,
	.route_del = route_del, .commit = commit, .irqfd_attach = irqfd_attach,
	.irqfd_detach = irqfd_detach, .pending = pending, .dest_valid = dest_valid,
	.routes_free = routes_free,
};
