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
	for (u32 g = 0; g < FAKE_GSI_RESERVED; g++)
		f->staged[g].used = f->committed[g].used = true;
	f->gsi_hw = FAKE_GSI_RESERVED;
	for (u32 h = 0; h < PVIC_IRT_SIZE; h++) {
		f->vec[h].efd = -1;
		f->vec[h].gsi = -1;
		f->bound_efd[h] = -1;
	}
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

const struct pvic_route *fake_be__route(const struct fake_be *f, u32 h)
{
	int g = f->vec[h].gsi;

	return f->vec[h].live && g >= 0 && f->committed[g].used ? &f->committed[g].r : NULL;
}

static int vec_create(void *be, u32 h, int *efd)
{
	struct fake_be *f = be;
	struct fake_vec *v = &f->vec[h];

	f->creates++;
	if (f->fail_create)
		return f->fail_create;
	if (v->live || v->dying)
		return -EEXIST;		/* the core must not reuse a handle before commit */
	f->vec_hw = MAX(f->vec_hw, h + 1);	/* commit() looks no further */
	*v = (struct fake_vec){ .live = true, .gsi = -1, .masked = true, .efd = -1 };
	if (!f->no_fds) {
		v->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v->efd < 0) {
			v->live = false;
			return -errno;
		}
	}
	*efd = v->efd;
	return 0;
}

static void vec_destroy(void *be, u32 h)
{
	struct fake_be *f = be;
	struct fake_vec *v = &f->vec[h];

	f->destroys++;
	if (!v->live)
		return;
	if (v->attached) {
		f->detaches++;
		v->attached = false;
	}
	if (v->gsi >= 0) {
		f->staged[v->gsi].used = false;
		f->gsi_dirty = true;
	}
	v->live = false;
	v->dying = true;	/* like irq_routing: the GSI is reusable after the push */
}

static int alloc_gsi(struct fake_be *f)
{
	for (u32 g = 0; g < f->gsi_limit; g++)
		if (!f->staged[g].used && !f->committed[g].used) {
			f->gsi_hw = MAX(f->gsi_hw, g + 1);	/* commit() copies no further */
			return (int)g;
		}
	return -ENOSPC;
}

static int vec_update(void *be, u32 h, const struct pvic_route *r, bool masked)
{
	struct fake_be *f = be;
	struct fake_vec *v = &f->vec[h];

	f->updates++;
	if (!v->live)
		return -EINVAL;
	if (masked) {
		if (v->attached) {
			f->detaches++;
			v->attached = false;
		}
		v->need_attach = false;
	} else {
		if (v->gsi < 0) {
			int g = alloc_gsi(f);

			if (g < 0)
				return g;
			v->gsi = g;
			f->staged[g].used = true;
		}
		if (!v->attached)
			v->need_attach = true;
	}
	if (v->gsi >= 0 && memcmp(&f->staged[v->gsi].r, r, sizeof(*r))) {
		f->staged[v->gsi].r = *r;
		f->gsi_dirty = true;
	}
	if (v->gsi >= 0 && !f->committed[v->gsi].used)
		f->gsi_dirty = true;
	v->masked = masked;
	return 0;
}

static int commit(void *be)
{
	struct fake_be *f = be;

	f->commits++;
	if (f->fail_commit) {
		/* Dead vectors go anyway; their GSIs stay taken until a push succeeds. */
		for (u32 h = 0; h < f->vec_hw; h++)
			if (f->vec[h].dying) {
				if (f->vec[h].efd >= 0)
					close(f->vec[h].efd);
				f->vec[h] = (struct fake_vec){ .efd = -1, .gsi = -1 };
			}
		return f->fail_commit;
	}
	if (f->gsi_dirty) {
		memcpy(f->committed, f->staged, f->gsi_hw * sizeof(f->staged[0]));
		f->pushes++;
		f->gsi_dirty = false;
	}
	for (u32 h = 0; h < f->vec_hw; h++) {
		struct fake_vec *v = &f->vec[h];

		if (v->dying) {
			if (v->efd >= 0)
				close(v->efd);
			*v = (struct fake_vec){ .efd = -1, .gsi = -1 };
			continue;
		}
		if (v->live && v->need_attach && !v->masked) {
			v->attached = true;
			v->need_attach = false;
			f->attaches++;
		}
	}
	return 0;
}

static int pending(void *be, u32 h)
{
	struct fake_be *f = be;
	struct pollfd p = { .fd = f->vec[h].efd, .events = POLLIN };

	if (f->fail_pending)
		return f->fail_pending;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	return !!(p.revents & POLLIN);
}

static int gsi(void *be, u32 h)
{
	struct fake_be *f = be;

	return f->vec[h].gsi >= 0 ? f->vec[h].gsi : -ENOENT;
}

static int bind(void *be, void *dev, u32 first, u32 n, const int *efds)
{
	struct fake_be *f = be;

	f->bind_calls++;
	if (f->fail_bind)
		return f->fail_bind;
	for (u32 i = 0; i < n; i++)
		if (f->bound_dev[first + i])
			return -EBUSY;	/* the real device refuses a bound handle */
	for (u32 i = 0; i < n; i++) {
		f->bound_dev[first + i] = dev;
		f->bound_efd[first + i] = efds[i];
	}
	f->bind_handles += n;
	return 0;
}

static int unbind(void *be, void *dev, u32 first, u32 n)
{
	struct fake_be *f = be;

	f->unbind_calls++;
	if (f->fail_unbind)
		return f->fail_unbind;
	for (u32 i = 0; i < n; i++)
		if (f->bound_dev[first + i] == dev) {
			f->bound_dev[first + i] = NULL;
			f->bound_efd[first + i] = -1;
		}
	f->unbind_handles += n;
	return 0;
}

static bool host_handles(void *be, void *dev)
{
	struct fake_be *f = be;

	return dev && dev == f->host_dev;
}

/* The "host IOMMU" hands out compatibility-looking messages of its own: 0xFEEnnnnn. */
static int host_bind(void *be, void *dev, u32 first, u32 n, const int *efds, u32 (*msgs)[3])
{
	struct fake_be *f = be;
	int ret;

	if (f->fail_host)
		return f->fail_host;
	ret = bind(be, dev, first, n, efds);
	for (u32 i = 0; !ret && i < n; i++) {
		msgs[i][0] = 0xFEE00000u | ((first + i) & 0xFFFF) << 4 | 0x10;
		msgs[i][1] = 0;
		msgs[i][2] = 0xAB00 + first + i;
	}
	return ret;
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
	.vec_create = vec_create, .vec_destroy = vec_destroy, .vec_update = vec_update,
	.commit = commit, .pending = pending, .gsi = gsi, .bind = bind, .unbind = unbind,
	.dest_valid = dest_valid, .routes_free = routes_free,
	.host_handles = host_handles, .host_bind = host_bind,
};
