/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake PV-IC backend for unit tests: a GSI table with staged and committed
 * copies (like KVM's, finite), a device-side handle table, real eventfds (so
 * pending state and fd leaks are real), call counters and failure knobs.
 */
#ifndef DEVICES_PVIC_FAKE_BE_H
#define DEVICES_PVIC_FAKE_BE_H

#include "devices/pvic_core.h"

#define FAKE_GSI_MAX		40000	/* room for the handle-exhaustion test */
#define FAKE_GSI_RESERVED	24	/* IOAPIC pins, as vm.c sets them up */

struct fake_route {
	bool used;
	struct pvic_route r;
};

struct fake_be {
	u32 gsi_limit;				/* KVM's table size, default 4096 */
	struct fake_route staged[FAKE_GSI_MAX];
	struct fake_route committed[FAKE_GSI_MAX];
	int attached[FAKE_GSI_MAX];		/* efd attached to the GSI, -1 none */
	void *bound_dev[PVIC_IRT_SIZE];		/* device each handle is bound on */
	u32 nr_vcpus;

	/* Calls. */
	u32 bind_calls, bind_handles, unbind_calls, unbind_handles;
	u32 route_adds, route_sets, route_dels, commits, attaches, detaches;

	/* Failure knobs: 0 = succeed. */
	int fail_bind, fail_unbind, fail_commit, fail_attach, fail_pending;
	u32 bind_max;				/* > 0: handles per bind request */
	bool no_fds;				/* bind hands out -1, not eventfds (rlimit) */
};

extern const struct pvic_backend_ops fake_be_ops;

void fake_be__init(struct fake_be *f, u32 nr_vcpus);
/* Routes in use in the committed table (including the reserved ones). */
u32 fake_be__committed_routes(const struct fake_be *f);
/* Staged and committed tables are identical. */
bool fake_be__consistent(const struct fake_be *f);

#endif /* DEVICES_PVIC_FAKE_BE_H */
