/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM ioeventfds for queue notifications: a guest write of @len bytes to
 * MMIO address @gpa signals @fd inside KVM, with no exit to imsvm's vCPU
 * loop. (A vm__*() style helper: the only KVM call virtio makes itself.)
 */
#ifndef VIRTIO_IOEVENTFD_H
#define VIRTIO_IOEVENTFD_H

#include "vmm/util.h"

struct vm;

/* -errno when KVM refuses (or there is no KVM: unit tests, vm_fd < 0). */
int __must_check ioeventfd__assign(struct vm *vm, u64 gpa, u32 len, int fd);
int ioeventfd__deassign(struct vm *vm, u64 gpa, u32 len, int fd);

#endif /* VIRTIO_IOEVENTFD_H */
