/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/kvm: open it, check the API version and the capabilities imsvm needs,
 * and a raw/checked ioctl pair in the manner of the KVM selftests.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <assert.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "vmm/util.h"

/* ioctl(2) that returns its non-negative result, or -errno. */
int __must_check __kvm__ioctl(int fd, unsigned long cmd, unsigned long arg);

/*
 * Checked form for ioctls that take a pointer: the compiler refuses an
 * argument whose type does not have the size encoded in @cmd.
 */
#define kvm__ioctl(fd, cmd, arg) ({					\
	static_assert(sizeof(*(arg)) == _IOC_SIZE(cmd),		\
		      "argument of " #cmd " has the wrong size");	\
	__kvm__ioctl((fd), (cmd), (unsigned long)(arg));		\
})

struct kvm_limits {
	unsigned int nr_vcpus;		/* KVM_CAP_NR_VCPUS: recommended maximum */
	unsigned int max_vcpus;		/* KVM_CAP_MAX_VCPUS: hard maximum */
	unsigned int max_vcpu_id;	/* KVM_CAP_MAX_VCPU_ID */
	int vcpu_mmap_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	bool has_stats_fd;		/* KVM_CAP_BINARY_STATS_FD */
	bool has_immediate_exit;	/* KVM_CAP_IMMEDIATE_EXIT */
};

/*
 * Open /dev/kvm (close-on-exec) and check KVM_GET_API_VERSION is 12.
 * Logs one line naming the problem on failure.
 */
int __must_check kvm__open(const char *path, int *fd_out);

/* Fail (-ENOTSUP, one line naming it) when a required capability is missing. */
int __must_check kvm__check_caps(int kvm_fd, struct kvm_limits *limits);

/* KVM_CHECK_EXTENSION: >0 present (often a count), 0 absent. */
int kvm__cap(int fd, long cap);

#endif /* VMM_KVM_H */
