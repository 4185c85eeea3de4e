/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM memory slots for device memory (a passthrough BAR's mmap, a sparse
 * area of it): allocate a slot number, map a host mapping at a guest-physical
 * address, unmap it. Devices use this instead of KVM_SET_USER_MEMORY_REGION.
 *
 * Slots 0..MEM_SLOTS_FIRST-1 are left to guest RAM (vmm/vm.c maps RAM in
 * slots 0 and 1). Thread safe.
 */
#ifndef VMM_MEM_SLOTS_H
#define VMM_MEM_SLOTS_H

#include <linux/kvm.h>

#include "vmm/util.h"

struct vm;

#define MEM_SLOTS_FIRST		8
#define MEM_SLOTS_MAX		512	/* below every KVM_CAP_NR_MEMSLOTS seen */

/*
 * Map @size bytes at @host (page aligned) at guest-physical @gpa; the slot
 * number goes to *@slot. -ENOSPC when no slot is free, -EINVAL for an
 * unaligned range, or KVM's -errno (-EEXIST: overlaps another slot).
 */
int __must_check mem_slots__map(struct vm *vm, u64 gpa, u64 size, void *host, bool readonly,
				int *slot);
/* Remove @slot from the guest (size 0) and free its number. */
int mem_slots__unmap(struct vm *vm, int slot);
/* Slots in use for @vm (tests). */
unsigned int mem_slots__count(struct vm *vm);

/* Test seam: called instead of KVM_SET_USER_MEMORY_REGION when set. */
void mem_slots__set_test_hook(int (*hook)(struct vm *vm,
					  const struct kvm_userspace_memory_region *r));

#endif /* VMM_MEM_SLOTS_H */
