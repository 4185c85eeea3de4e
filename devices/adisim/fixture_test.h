/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit-test fixture: ADIs of a simulator process without sockets or an
 * event loop (timer fds and epoll are -1, so nothing is armed), with real
 * eventfds and memfd-backed DMA.
 */
#ifndef DEVICES_ADISIM_FIXTURE_TEST_H
#define DEVICES_ADISIM_FIXTURE_TEST_H

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "devices/adisim/adisim.h"

struct tfx {
	struct adisim sim;
	struct adisim_adi adi[2];
};

static inline void tfx_adi_init(struct tfx *t, unsigned int id)
{
	struct adisim_adi *a = &t->adi[id];

	memset(a, 0, sizeof(*a));
	a->id = id;
	a->sim = &t->sim;
	a->listen_fd = a->conn_fd = a->dma_fd = -1;
	a->err_eventfd = a->req_eventfd = a->msi_eventfd = -1;
	a->delay_tfd = a->storm_tfd = a->recheck_tfd = a->kick_fd = -1;
	a->ims_fd = -1;
	cr_assert_eq(adisim_ims__init(a), 0);
	adisim_config__init(a);
	adisim_bar0__reset(a);
	vfu_caps__defaults(&a->peer);
}

static inline void tfx_init(struct tfx *t, u32 ims_entries)
{
	memset(t, 0, sizeof(*t));
	t->sim.opts.ims_entries = ims_entries;
	t->sim.opts.fd = -1;
	t->sim.epfd = -1;
	t->sim.sigfd = -1;
	t->sim.irt = adisim_irt__new();
	cr_assert_not_null(t->sim.irt);
	t->sim.adis = t->adi;
	t->sim.nadis = 2;
	tfx_adi_init(t, 0);
	tfx_adi_init(t, 1);
}

static inline void tfx_fini(struct tfx *t)
{
	adisim_dma__unmap_all(&t->adi[0]);
	adisim_dma__unmap_all(&t->adi[1]);
	adisim_ims__destroy(&t->adi[0]);
	adisim_ims__destroy(&t->adi[1]);
	adisim_irt__free(t->sim.irt);
}

/* Bind handle to adi with a fresh eventfd (returned; the table owns a dup). */
static inline int tfx_bind(struct tfx *t, unsigned int adi, u32 handle)
{
	struct vfu_msg m = { .nfds = 1 };
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	cr_assert_geq(efd, 0);
	m.fds[0] = dup(efd);
	cr_assert_eq(adisim_irt__set_irqs(&t->adi[adi], VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, handle, 1, NULL, 0, &m), 0);
	vfu_msg__release(&m);
	return efd;
}

static inline u64 efd_count(int efd)
{
	u64 v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static inline void ims_set(struct adisim_adi *a, u32 i, u32 lo, u32 hi, u32 data, u32 ctrl)
{
	a->ims[i * 4 + 0] = lo;
	a->ims[i * 4 + 1] = hi;
	a->ims[i * 4 + 2] = data;
	a->ims[i * 4 + 3] = ctrl;
}

static inline u32 reg_rd(struct adisim_adi *a, u64 off)
{
	u32 v = 0;

	cr_assert_eq(adisim_bar0__access(a, off, &v, 4, false), 0, "read %#llx",
		     (unsigned long long)off);
	return v;
}

static inline void reg_wr(struct adisim_adi *a, u64 off, u32 v)
{
	cr_assert_eq(adisim_bar0__access(a, off, &v, 4, true), 0, "write %#llx",
		     (unsigned long long)off);
}

#endif /* DEVICES_ADISIM_FIXTURE_TEST_H */
