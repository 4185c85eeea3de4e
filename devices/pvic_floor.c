/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The floor for `make bench`'s "host time to install N vectors" row: the
 * least work any design must do to give N vectors to a device's handles, in
 * this process, on this VM and device: N eventfds, SET_IRQS carrying as
 * many of them per message as the server accepts, one KVM_SET_GSI_ROUTING
 * with all N routes, N KVM_IRQFD, back to back. The PV-IC's own ALLOC time
 * for the same N (measured at the doorbell) is compared with it.
 *
 * Run once, at the guest's first NEGOTIATE, when the environment has
 * IMSVM_BENCH_PVIC_FLOOR=N (a benchmark hook, not an operator option);
 * everything is undone after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "devices/pvic_backend.h"
#include "devices/pvic_floor.h"
#include "vmm/ims_source.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

int pvic_floor__run(struct irq_routing *routing, struct ims_source *src, u32 first, u32 n)
{
	struct pvic_route r = { .dest_id = 0, .vector = 0x40 };
	struct irq_group *g = NULL;
	u64 t0, t1, t2, t3, addr;
	int *fds = NULL, ret;
	u32 data;

	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	/*
	 * Grow the fd table first, untimed: in a threaded process growing it
	 * waits for an RCU grace period, which would be charged to whichever
	 * of the floor and the guest's ALLOCs ran first.
	 */
	ret = fcntl(2, F_DUPFD_CLOEXEC, (int)(2 * n + 1024));
	if (ret >= 0)
		close(ret);
	pvic__compose_msi(&r, &addr, &data);
	t0 = now_ns();
	ret = irq_group__create(routing, n, &g);	/* the N eventfds */
	if (ret)
		goto out;
	for (u32 i = 0; i < n; i++)
		fds[i] = irq_group__notifier(g, i);
	t1 = now_ns();
	ret = src->ops->bind(src->opaque, first, n, fds);
	if (ret)
		goto out;
	t2 = now_ns();
	for (u32 i = 0; i < n && !ret; i++)
		ret = irq_group__update(g, i, addr, data, false);
	if (!ret)
		ret = irq_group__commit(g);	/* one push, then N irqfds */
	t3 = now_ns();
	if (!ret)
		pr_info("pvic: floor: %u vectors in %llu us (eventfds %llu, SET_IRQS %llu, "
			"one route push and %u irqfds %llu)", n,
			(unsigned long long)(t3 - t0) / 1000, (unsigned long long)(t1 - t0) / 1000,
			(unsigned long long)(t2 - t1) / 1000, n, (unsigned long long)(t3 - t2) / 1000);
	(void)!src->ops->unbind(src->opaque, first, n);
out:
	if (ret)
		pr_warn("pvic: floor measurement failed: %d", ret);
	irq_group__destroy(g);
	free(fds);
	return ret;
}
