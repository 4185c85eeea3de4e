/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inject one MSI from user space (KVM_SIGNAL_MSI), for the relay delivery
 * baseline (--irq-delivery=relay), where imsvm reads a device's eventfd and
 * injects itself instead of attaching the eventfd to KVM with an irqfd.
 */
#ifndef VMM_MSI_SIGNAL_H
#define VMM_MSI_SIGNAL_H

#include "vmm/util.h"

struct vm;

/* 0 when delivered, -EBUSY when the guest blocked it (KVM returns 0), or -errno. */
int __must_check msi__signal(struct vm *vm, u64 addr, u32 data);

/* Test seam: when set, msi__signal() calls this instead of KVM. */
extern int (*msi__signal_hook)(struct vm *vm, u64 addr, u32 data);

#endif /* VMM_MSI_SIGNAL_H */
