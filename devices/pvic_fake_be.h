/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake PV-IC backend for unit tests: vectors with real eventfds (so pending
 * state and fd leaks are real), a finite GSI table with staged and committed
 * copies and irqfds that attach only at commit (like vmm/irq_routing.c over
 * KVM), a device-side handle table, call counters and failure knobs.
 */
#ifndef DEVICES_PVIC_FAKE_BE_H
#define DEVICES_PVIC_FAKE_BE_H

#include "devices/pvic_core.h"

#define FAKE_GSI_MAX		40000	/* room for the handle-exhaustion test */
#define FAKE_GSI_RESERVED	24	/* IOAPIC pins, as the VM sets them up */

struct fake_route {
	bool used;
	struct pvic_route r;
};

struct fake_vec {
	bool live;
	int efd;
	int gsi;		/* -1: none */
	bool masked;
	bool attached;		/* irqfd in "KVM" */
	bool need_attach;
	bool dying;		/* destroyed; freed at commit */
};

struct fake_be {
	u32 gsi_limit;				/* KVM's table size, default 4096 */
	struct fake_route staged[FAKE_GSI_MAX];
	struct fake_route committed[FAKE_GSI_MAX];
	bool gsi_dirty;
	struct fake_vec vec[PVIC_IRT_SIZE];
	void *bound_dev[PVIC_IRT_SIZE];		/* device each handle is bound on */
	int bound_efd[PVIC_IRT_SIZE];
	u32 nr_vcpus;
	u32 vec_hw;				/* every vector ever created is below it */
	u32 gsi_hw;				/* every GSI ever staged is below it */

	/* Calls. */
	u32 bind_calls, bind_handles, unbind_calls, unbind_handles;
	u32 creates, destroys, updates, commits, pushes, attaches, detaches;

	/* Failure knobs: 0 = succeed. */
	int fail_create, fail_bind, fail_unbind, fail_commit, fail_pending;
	bool no_fds;				/* vectors get efd -1, not eventfds (rlimit) */
	void *host_dev;				/* this device's handles are host-provided */
	int fail_host;				/* host_bind fails with this */
};

extern const struct pvic_backend_ops fake_be_ops;

void fake_be__init(struct fake_be *f, u32 nr_vcpus);
/* Routes in use in the committed table (including the reserved ones). */
u32 fake_be__committed_routes(const struct fake_be *f);
/* Staged and committed tables are identical. */
bool fake_be__consistent(const struct fake_be *f);
/* The committed route of handle @h's vector, or NULL. */
const struct pvic_route *fake_be__route(const struct fake_be *f, u32 h);

#endif /* DEVICES_PVIC_FAKE_BE_H */
