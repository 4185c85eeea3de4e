/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMP-safe counters and a spinlock. Plain lock-prefixed add/xchg: the
 * instructions PVM's emulator handles (no cmpxchg16b).
 */
#ifndef TESTS_GUEST_LIB_ATOMIC_H
#define TESTS_GUEST_LIB_ATOMIC_H

#include "libcflat.h"

typedef struct {
	volatile int counter;
} atomic_t;

#define ATOMIC_INIT(v)	{ (v) }

static inline int atomic_read(const atomic_t *a)
{
	return a->counter;
}

static inline void atomic_set(atomic_t *a, int v)
{
	a->counter = v;
}

/* Returns the value before the add. */
static inline int atomic_fetch_add(atomic_t *a, int v)
{
	asm volatile("lock xaddl %0, %1" : "+r"(v), "+m"(a->counter) : : "memory");
	return v;
}

static inline void atomic_inc(atomic_t *a)
{
	asm volatile("lock incl %0" : "+m"(a->counter) : : "memory");
}

static inline void atomic_add(atomic_t *a, int v)
{
	asm volatile("lock addl %1, %0" : "+m"(a->counter) : "ir"(v) : "memory");
}

struct spinlock {
	volatile int v;
};

static inline void spin_lock(struct spinlock *l)
{
	int x = 1;

	for (;;) {
		asm volatile("xchgl %0, %1" : "+r"(x), "+m"(l->v) : : "memory");
		if (!x)
			return;
		while (l->v)
			asm volatile("pause" ::: "memory");
		x = 1;
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	asm volatile("" ::: "memory");
	l->v = 0;
}

#endif /* TESTS_GUEST_LIB_ATOMIC_H */
