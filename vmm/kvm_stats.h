/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM binary statistics (KVM_GET_STATS_FD, Linux >= 5.14): the header, the
 * descriptors and named values of one VM or vCPU. Exit counts are exact
 * where times are noisy, so tests and benchmarks count exits with these.
 *
 * The parser also reads a memory buffer laid out like the stats file, so
 * unit tests (and fuzzers) drive it without KVM.
 */
#ifndef VMM_KVM_STATS_H
#define VMM_KVM_STATS_H

#include <linux/kvm.h>

#include "vmm/util.h"

struct kvm_stats {
	int fd;				/* the stats fd, or -1 when reading @buf */
	const u8 *buf;			/* a buffer laid out like the stats file */
	size_t buf_len;
	struct kvm_stats_header hdr;
	size_t desc_stride;		/* sizeof(struct kvm_stats_desc) + name_size */
	u8 *descs;			/* hdr.num_desc descriptors */
	char id[64];			/* "kvm-PID/vcpu-N" ... */
};

/* Open the stats of a VM or vCPU fd. -ENOTSUP (and one line) when KVM has none. */
int __must_check kvm_stats__open(int kvm_fd, int vm_or_vcpu_fd, struct kvm_stats *st);
/* Parse a buffer holding a whole stats file. */
int __must_check kvm_stats__parse(const u8 *buf, size_t len, struct kvm_stats *st);
void kvm_stats__close(struct kvm_stats *st);

/* Descriptor of the named statistic, NULL when absent. */
const struct kvm_stats_desc *kvm_stats__find(const struct kvm_stats *st, const char *name);
/* Current value (first element) of a named statistic; -ENOENT when absent. */
int __must_check kvm_stats__read(const struct kvm_stats *st, const char *name, u64 *val);

#endif /* VMM_KVM_STATS_H */
