/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the device-assignment guest tests (assign_*.c): find the ADI
 * simulator's functions on PCI bus 0, reach their BARs, run descriptors.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_ASSIGN_H
#define TESTS_GUEST_X86_ASSIGN_H

#include "libcflat.h"
#include "adisim.h"
#include "x86/processor.h"

#define ASSIGN_MAX_ADIS		8

struct adi {
	u32 slot;
	volatile u32 *regs;	/* BAR0 (trapped, forwarded to the server) */
	volatile u32 *ims;	/* BAR2 (mapped: no exit) */
	u32 ims_entries;
};

/* Every simulator function on bus 0, in slot order. */
static inline int adi_find(struct adi *out, int max)
{
	int n = 0;

	for (u32 slot = 0; slot < 32 && n < max; slot++) {
		struct adi *a = &out[n];

		if (!adisim_at(slot))
			continue;
		a->slot = slot;
		a->regs = adisim_bar(slot, 0);
		a->ims = adisim_bar(slot, 2);
		adisim_enable(slot);
		a->ims_entries = a->regs[ADISIM_REG_IMS_ENTRIES / 4];
		n++;
	}
	return n;
}

static inline u32 adi_reg(const struct adi *a, u32 reg)
{
	return a->regs[reg / 4];
}

static inline void adi_wreg(const struct adi *a, u32 reg, u32 v)
{
	a->regs[reg / 4] = v;
}

static inline u64 adi_counter(const struct adi *a, u32 n)
{
	return adisim_counter(a->regs, n);
}

/* Ring of 4 descriptors and their completion records, per ADI, in guest RAM. */
struct adi_ring {
	struct adisim_desc desc[4];
	struct adisim_completion comp[4];
	u32 tail;
} __aligned(64);

static inline void adi_ring_start(const struct adi *a, struct adi_ring *r)
{
	memset(r, 0, sizeof(*r));
	adisim_ring_start(a->regs, (uintptr_t)r->desc, 4);
}

/*
 * Submit @d at the next slot with a completion record and wait for it.
 * Returns the completion status, or 0xffffffff when none came within
 * @max_cycles TSC cycles (a dead device, or a lost doorbell). Waits are in
 * TSC cycles, not loop counts: under nested PVM each guest instruction
 * costs about a microsecond.
 */
#define ADI_GCYCLES	1000000000ull	/* "a second" at 1 GHz; at most 1/4 s at 4 GHz */

static inline u32 adi_submit(const struct adi *a, struct adi_ring *r, struct adisim_desc *d,
			     u64 max_cycles)
{
	u64 end;

	u32 slot = r->tail;
	volatile struct adisim_completion *c = &r->comp[slot];

	c->status = ADISIM_COMP_PENDING;
	d->flags |= ADISIM_DESC_F_COMPLETION;
	d->completion = (u64)(uintptr_t)&r->comp[slot];
	r->desc[slot] = *d;
	barrier();
	r->tail = (slot + 1) % 4;
	adi_wreg(a, ADISIM_REG_RING_TAIL, r->tail);
	end = rdtsc() + max_cycles;
	do {
		u32 s = READ_ONCE(c->status);

		if (s != ADISIM_COMP_PENDING)
			return s;
		cpu_relax();
	} while (rdtsc() < end);
	return 0xffffffff;
}

#endif /* TESTS_GUEST_X86_ASSIGN_H */
