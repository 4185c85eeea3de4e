/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: SET_IRQS semantics on the IMS index and the shared handle table. */
#include "devices/adisim/fixture_test.h"

#define TRIG_EFD	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define TRIG_NONE	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)
#define TRIG_BOOL	(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER)
#define MASK_NONE	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK)
#define UNMASK_NONE	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK)
#define UNMASK_BOOL	(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK)

Test(adisim_irt, bind_range_and_signal)
{
	struct vfu_msg m = { .nfds = 3 };
	int e[3], i;
	struct tfx t;

	tfx_init(&t, 16);
	for (i = 0; i < 3; i++) {
		e[i] = eventfd(0, EFD_NONBLOCK);
		m.fds[i] = dup(e[i]);
	}
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 1000, 3, NULL, 0, &m), 0);
	vfu_msg__release(&m);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 1001), IRQ_DELIVERED);
	cr_assert_eq(efd_count(e[0]), 0);
	cr_assert_eq(efd_count(e[1]), 1);
	cr_assert_eq(adisim_irt__signal(&t.adi[1], 1001), IRQ_BLOCKED, "other ADI used it");
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 999), IRQ_BLOCKED);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], ADISIM_IRT_SIZE), IRQ_BLOCKED);
	for (i = 0; i < 3; i++)
		close(e[i]);
	tfx_fini(&t);
}

Test(adisim_irt, handle_of_another_adi_is_busy)
{
	struct vfu_msg m = { .nfds = 1 };
	struct tfx t;
	int e;

	tfx_init(&t, 16);
	e = tfx_bind(&t, 1, 42);
	m.fds[0] = dup(e);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 41, 2, NULL, 0, &m), -EINVAL,
		     "fd count != count");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 42, 1, NULL, 0, &m), -EBUSY);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], MASK_NONE, 42, 1, NULL, 0, NULL), -EINVAL);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_NONE, 42, 1, NULL, 0, NULL), -EINVAL);
	vfu_msg__release(&m);
	/* Releasing adi1 (its client left) frees the handle. */
	adisim_irt__release_owner(t.sim.irt, 1);
	cr_assert_eq(t.sim.irt->h[42].owner, -1);
	cr_assert_eq(t.sim.irt->h[42].eventfd, -1);
	close(tfx_bind(&t, 0, 42));
	close(e);
	tfx_fini(&t);
}

Test(adisim_irt, mask_pends_and_unmask_delivers_once)
{
	struct tfx t;
	int e;

	tfx_init(&t, 16);
	e = tfx_bind(&t, 0, 7);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], MASK_NONE, 7, 1, NULL, 0, NULL), 0);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 7), IRQ_MASKED);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 7), IRQ_MASKED);
	cr_assert_eq(efd_count(e), 0);
	cr_assert_eq(t.adi[0].cnt[ADISIM_CNT_MASKED_PENDING], 2);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], UNMASK_BOOL, 7, 1, (const u8 *)"\0", 1,
					  NULL), 0);
	cr_assert_eq(efd_count(e), 0, "DATA_BOOL false unmasked");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], UNMASK_NONE, 7, 1, NULL, 0, NULL), 0);
	cr_assert_eq(efd_count(e), 1);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], UNMASK_NONE, 7, 1, NULL, 0, NULL), 0);
	cr_assert_eq(efd_count(e), 0, "pending delivered twice");
	close(e);
	tfx_fini(&t);
}

Test(adisim_irt, triggers_and_deassign)
{
	struct tfx t;
	int e1, e2;

	tfx_init(&t, 16);
	e1 = tfx_bind(&t, 0, 1);
	e2 = tfx_bind(&t, 0, 2);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_BOOL, 1, 2, (const u8 *)"\0\1", 2,
					  NULL), 0);
	cr_assert_eq(efd_count(e1), 0);
	cr_assert_eq(efd_count(e2), 1);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_BOOL, 1, 2, (const u8 *)"\1", 1, NULL),
		     -EINVAL, "short DATA_BOOL array");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_NONE, 1, 2, NULL, 0, NULL), 0);
	cr_assert_eq(efd_count(e1), 1);
	cr_assert_eq(efd_count(e2), 1);
	/* DATA_EVENTFD without fds de-assigns; count 0 disables all. */
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 1, 1, NULL, 0, NULL), 0);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 1), IRQ_BLOCKED);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 2), IRQ_DELIVERED);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_NONE, 0, 0, NULL, 0, NULL), 0);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 2), IRQ_BLOCKED);
	close(e1);
	close(e2);
	tfx_fini(&t);
}

Test(adisim_irt, bad_requests)
{
	struct tfx t;

	tfx_init(&t, 16);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], 0, 0, 1, NULL, 0, NULL), -EINVAL);
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_NONE | VFIO_IRQ_SET_DATA_BOOL, 0, 1,
					  NULL, 0, NULL), -EINVAL, "two data types");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_NONE | VFIO_IRQ_SET_ACTION_MASK, 0, 1,
					  NULL, 0, NULL), -EINVAL, "two actions");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], 0x40 | TRIG_NONE, 0, 1, NULL, 0, NULL),
		     -EINVAL, "unknown flag");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, ADISIM_IRT_SIZE - 1, 2, NULL, 0,
					  NULL), -EINVAL, "range beyond the table");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 0xffffffff, 2, NULL, 0, NULL),
		     -EINVAL, "start overflow");
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_MASK, 0, 1, NULL, 0, NULL), -EINVAL);
	tfx_fini(&t);
}

Test(adisim_irt, release_reaches_the_last_handle_bound)
{
	struct tfx t;
	int e1, e2;

	tfx_init(&t, 16);
	cr_assert_eq(t.sim.irt->hw, 0, "nothing bound yet");
	e1 = tfx_bind(&t, 1, 3);
	e2 = tfx_bind(&t, 1, ADISIM_IRT_SIZE - 1);
	cr_assert_eq(t.sim.irt->hw, ADISIM_IRT_SIZE);
	adisim_irt__release_owner(t.sim.irt, 1);
	cr_assert_eq(t.sim.irt->h[3].eventfd, -1);
	cr_assert_eq(t.sim.irt->h[ADISIM_IRT_SIZE - 1].eventfd, -1, "the table's last handle");
	cr_assert_eq(t.sim.irt->h[ADISIM_IRT_SIZE - 1].owner, -1);
	close(e1);
	close(e2);
	tfx_fini(&t);
}

Test(adisim_irt, bound_counts_and_stale_eventfds_kept_when_hostile)
{
	struct vfu_msg m = { .nfds = 0 };
	struct tfx t;
	int e0, e1;

	tfx_init(&t, 16);
	t.sim.irt->keep_stale = true;
	e0 = tfx_bind(&t, 0, 7);
	e1 = tfx_bind(&t, 0, 8);
	close(tfx_bind(&t, 1, 9));
	cr_assert_eq(adisim_irt__bound(&t.adi[0]), 2);
	cr_assert_eq(adisim_irt__bound(&t.adi[1]), 1);
	cr_assert_eq(t.adi[0].handle_binds, 2);
	/* Unbind handle 7 (no fds): the hostile server keeps its eventfd... */
	cr_assert_eq(adisim_irt__set_irqs(&t.adi[0], TRIG_EFD, 7, 1, NULL, 0, &m), 0);
	cr_assert_eq(adisim_irt__bound(&t.adi[0]), 1);
	cr_assert_eq(t.sim.irt->nstale, 1);
	/* ...and writes it; the handle itself is unbound: a raise is blocked. */
	adisim_irt__fire_stale(t.sim.irt);
	cr_assert_eq(t.sim.irt->stale_signals, 1);
	cr_assert_eq(efd_count(e0), 1);
	cr_assert_eq(adisim_irt__signal(&t.adi[0], 7), IRQ_BLOCKED);
	cr_assert_eq(efd_count(e1), 0);
	adisim_irt__release_owner(t.sim.irt, 0);
	cr_assert_eq(adisim_irt__bound(&t.adi[0]), 0);
	cr_assert_eq(t.sim.irt->nstale, 2);
	close(e0);
	close(e1);
	tfx_fini(&t);
}
