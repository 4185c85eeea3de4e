/* SPDX-License-Identifier: GPL-2.0-only */
/* KVM memory slot numbers and device memory mappings (see mem_slots.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/mem_slots.h"
#include "vmm/vm.h"

#define PAGE	4096ull

/* One allocator per VM; a process has one VM except in tests. */
struct slot_map {
	struct vm *vm;
	unsigned int used;
	u64 bits[MEM_SLOTS_MAX / 64];
	struct slot_map *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot_map *maps;
static int (*test_hook)(struct vm *vm, const struct kvm_userspace_memory_region *r);

void mem_slots__set_test_hook(int (*hook)(struct vm *vm,
					  const struct kvm_userspace_memory_region *r))
{
	test_hook = hook;
}

static struct slot_map *find(struct vm *vm, bool create)
{
	struct slot_map *m;

	for (m = maps; m; m = m->next)
		if (m->vm == vm)
			return m;
	if (!create)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->vm = vm;
	m->next = maps;
	maps = m;
	return m;
}

static void forget_if_empty(struct slot_map *m)
{
	struct slot_map **p;

	if (m->used)
		return;
	for (p = &maps; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			free(m);
			return;
		}
}

static int set_region(struct vm *vm, const struct kvm_userspace_memory_region *r)
{
	if (test_hook)
		return test_hook(vm, r);
	return kvm__ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, r);
}

int mem_slots__map(struct vm *vm, u64 gpa, u64 size, void *host, bool readonly, int *slot)
{
	struct kvm_userspace_memory_region r = {
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (u64)(uintptr_t)host,
	};
	struct slot_map *m;
	int ret = -ENOSPC;
	unsigned int s;

	if (!size || !IS_ALIGNED(gpa, PAGE) || !IS_ALIGNED(size, PAGE) ||
	    !IS_ALIGNED(r.userspace_addr, PAGE))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	m = find(vm, true);
	if (!m) {
		ret = -ENOMEM;
		goto out;
	}
	for (s = MEM_SLOTS_FIRST; s < MEM_SLOTS_MAX; s++)
		if (!(m->bits[s / 64] & (1ull << (s % 64))))
			break;
	if (s == MEM_SLOTS_MAX)
		goto out_forget;
	r.slot = s;
	ret = set_region(vm, &r);
	if (ret < 0)
		goto out_forget;
	m->bits[s / 64] |= 1ull << (s % 64);
	m->used++;
	*slot = (int)s;
	ret = 0;
	goto out;
out_forget:
	forget_if_empty(m);
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

int mem_slots__unmap(struct vm *vm, int slot)
{
	struct kvm_userspace_memory_region r = { .slot = (u32)slot };
	struct slot_map *m;
	int ret;

	pthread_mutex_lock(&lock);
	m = find(vm, false);
	if (!m || slot < MEM_SLOTS_FIRST || slot >= MEM_SLOTS_MAX ||
	    !(m->bits[slot / 64] & (1ull << (slot % 64)))) {
		ret = -ENOENT;
		goto out;
	}
	ret = set_region(vm, &r);
	if (ret < 0)
		pr_err("removing memory slot %d: %s", slot, strerror(-ret));
	/* A slot KVM refused to delete stays allocated: never reuse what may still map. */
	if (ret == 0) {
		m->bits[slot / 64] &= ~(1ull << (slot % 64));
		m->used--;
		forget_if_empty(m);
	}
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

unsigned int mem_slots__count(struct vm *vm)
{
	struct slot_map *m;
	unsigned int n;

	pthread_mutex_lock(&lock);
	m = find(vm, false);
	n = m ? m->used : 0;
	pthread_mutex_unlock(&lock);
	return n;
}
