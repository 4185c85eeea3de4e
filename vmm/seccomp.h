/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp allow-lists, one per kind of thread (Firecracker's model): each
 * thread installs its own filter when it starts, before it touches anything
 * a guest or a device server controls, so a bug exploited through a guest
 * exit, a descriptor or a server message can only make the system calls
 * that thread needs, and of ioctl() only the requests it needs
 * (vmm/seccomp_ioctl.c). A forbidden call raises SIGSYS: imsvm prints one
 * line naming the thread kind, the call's number (and an ioctl's request)
 * and exits with status 1 (the process, not just the thread: a half-dead
 * VMM is worse).
 *
 * On by default; --no-seccomp (cli.c) turns it off for debugging (strace
 * still works with it on). docs/reliability.md has the policy.
 */
#ifndef VMM_SECCOMP_H
#define VMM_SECCOMP_H

#include "vmm/util.h"

enum seccomp_kind {
	SECCOMP_MAIN,		/* main(): waits for the VM, tears it down */
	SECCOMP_VCPU,		/* KVM_RUN and the device handlers it calls */
	SECCOMP_IO,		/* the event loop: control socket, device events, hot assignment */
	SECCOMP_BLK,		/* virtio-blk's io_uring thread */
	SECCOMP_NR_KINDS
};

/* Off with --no-seccomp, and in sanitizer builds (their runtimes need more). */
extern bool seccomp_enabled;

/*
 * Install the calling thread's filter for @kind (no-op when disabled).
 * 0 or -errno; the caller stops the VM on failure.
 */
int __must_check seccomp__install(enum seccomp_kind kind);

const char *seccomp__kind_name(enum seccomp_kind kind);

/* For tests and docs: the allow-list of @kind, terminated by a -1 nr. */
struct seccomp_rule {
	int nr;			/* system call number (x86-64) */
	const char *why;	/* the reason it is allowed */
};
const struct seccomp_rule *seccomp__rules(enum seccomp_kind kind);

/* The ioctl() requests a kind may make (low 32 bits compared). */
struct seccomp_ioctl {
	unsigned long req;	/* the request, as <linux/kvm.h> and others define it */
	const char *name;	/* "KVM_RUN" */
	const char *why;	/* the reason this thread needs it */
};
/* The list of @kind, terminated by a NULL name; NULL for no such kind. */
const struct seccomp_ioctl *seccomp__ioctls(enum seccomp_kind kind);
/* A known request's name, or NULL; async-signal-safe (the SIGSYS line). */
const char *seccomp__ioctl_name(unsigned long req);

#endif /* VMM_SECCOMP_H */
