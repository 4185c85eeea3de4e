/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the PV-IC guest tests (pvic_*.c) that drive the ADI simulator:
 * find its functions, write IMS entries (BAR2, mapped: no exit), raise an IMS
 * entry with an INTR descriptor, count interrupts per CPU and vector.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_PVIC_ADI_H
#define TESTS_GUEST_X86_PVIC_ADI_H

#include "libcflat.h"
#include "pci.h"
#include "pvic.h"
#include "serial.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/smp.h"
#include "adisim.h"

#define PA_MAX_ADIS		4
#define PA_VEC_FIRST		0x40
#define PA_VEC_LAST		0xdf	/* below the library's SMP wake-up vector */
#define PA_RING			8
#define PA_WAIT			(3 * 1000000000ull)	/* TSC cycles: about a second or more */

struct pa_ring {
	struct adisim_desc desc[PA_RING];
	struct adisim_completion comp[PA_RING];
} __aligned(64);

struct pa_adi {
	u32 slot, id;			/* id: the PV-IC's ADI id */
	volatile u32 *regs;		/* BAR0 */
	volatile u32 *ims;		/* BAR2 */
	u32 ims_entries;
	struct pa_ring *ring;
	u32 tail;
};

static struct pa_ring pa_rings[PA_MAX_ADIS];
/* Interrupts seen, per CPU and vector. */
static volatile int pa_seen[MAX_CPUS][256];

static void pa_irq(struct trap_frame *f)
{
	pa_seen[smp_id()][f->vector & 0xff]++;
	apic_eoi();
}

static inline void pa_irq_setup(void)
{
	for (int v = PA_VEC_FIRST; v <= PA_VEC_LAST; v++)
		handle_irq(v, pa_irq);
}

static inline int pa_count(int cpu, int vector)
{
	return READ_ONCE(pa_seen[cpu][vector]);
}

static inline int pa_total(int vector)
{
	int n = 0;

	for (int c = 0; c < MAX_CPUS; c++)
		n += READ_ONCE(pa_seen[c][vector]);
	return n;
}

static inline u32 pa_reg(const struct pa_adi *a, u32 reg)
{
	return a->regs[reg / 4];
}

static inline void pa_wreg(const struct pa_adi *a, u32 reg, u32 v)
{
	a->regs[reg / 4] = v;
}

static inline u64 pa_counter(const struct pa_adi *a, u32 n)
{
	return adisim_counter(a->regs, n);
}

/* Every simulator function on bus 0, in slot order, engine on. */
static inline int pa_find(struct pa_adi *out, int max)
{
	int n = 0;

	for (u32 slot = 0; slot < 32 && n < max; slot++) {
		struct pa_adi *a = &out[n];

		if (!adisim_at(slot))
			continue;
		memset(a, 0, sizeof(*a));
		a->slot = slot;
		a->id = pvic_adi(slot);
		a->regs = adisim_bar(slot, 0);
		a->ims = adisim_bar(slot, 2);
		adisim_enable(slot);
		a->ims_entries = pa_reg(a, ADISIM_REG_IMS_ENTRIES);
		a->ring = &pa_rings[n];
		memset(a->ring, 0, sizeof(*a->ring));
		adisim_ring_start(a->regs, (uintptr_t)a->ring->desc, PA_RING);
		n++;
	}
	return n;
}

/* Address @hi:@lo and @data into IMS entry @i (masked while it changes), then unmask. */
static inline void pa_ims_raw(const struct pa_adi *a, u32 i, u32 lo, u32 hi, u32 data)
{
	volatile u32 *e = a->ims + 4 * i;

	e[3] = ADISIM_IMS_CTRL_MASK;
	e[0] = lo;
	e[1] = hi;
	e[2] = data;
	barrier();
	e[3] = 0;
}

/* The same with a message the PV-IC handed out. */
static inline void pa_ims_write(const struct pa_adi *a, u32 i, const struct pvic_msg *m)
{
	pa_ims_raw(a, i, m->addr_lo, m->addr_hi, m->data);
}

/*
 * Raise IMS entry @i with an INTR descriptor and wait for its completion
 * record (the device raises right after writing it). Returns the status.
 */
static inline u32 pa_raise(struct pa_adi *a, u32 i)
{
	u32 slot = a->tail;
	volatile struct adisim_completion *c = &a->ring->comp[slot];
	u64 end;

	c->status = ADISIM_COMP_PENDING;
	a->ring->desc[slot] = (struct adisim_desc){
		.opcode = ADISIM_OP_INTR, .flags = ADISIM_DESC_F_COMPLETION,
		.ims_index = (u16)i, .completion = (u64)(uintptr_t)c,
	};
	barrier();
	a->tail = (slot + 1) % PA_RING;
	pa_wreg(a, ADISIM_REG_RING_TAIL, a->tail);
	end = rdtsc() + PA_WAIT;
	while (rdtsc() < end) {
		u32 s = READ_ONCE(c->status);

		if (s != ADISIM_COMP_PENDING)
			return s;
		cpu_relax();
	}
	return 0xffffffff;
}

/*
 * The start of the tests that set two ADIs against each other (pvic_two.c,
 * sec_irq_grant.c): their vectors handled, interrupts on for this CPU, the
 * PV-IC negotiated and both ADIs reset through it.
 */
static inline void pa_start_two(struct pvic *p, const struct pa_adi *a, const struct pa_adi *b)
{
	pa_irq_setup();
	apic_enable();
	irq_enable();
	report(pvic_negotiate(p, PVIC_FEAT_ALL) == 0, "NEGOTIATE");
	report(pvic_reset_adi(p, a->id) == 0 && pvic_reset_adi(p, b->id) == 0,
	       "both ADIs reset");
}

/* Wait until @vector was seen @want times on @cpu (interrupts on meanwhile). */
static inline bool pa_wait(int cpu, int vector, int want)
{
	return wait_for_count(&pa_seen[cpu][vector], want, PA_WAIT);
}

/* Let anything in flight land, then say whether @vector stayed at @count in total. */
static inline bool pa_quiet(int vector, int count)
{
	volatile int dummy = 0;

	(void)wait_for_count(&dummy, 1, PA_WAIT / 8);	/* interrupts on, ~100+ ms */
	return pa_total(vector) == count;
}

/*
 * Print @line and wait for byte @key on COM1: the test script's go-ahead
 * (it looks at imsvm from outside meanwhile). Interrupts stay on; COM1 is
 * polled about every millisecond, not in a tight loop of exits.
 */
static inline void pa_sync(const char *line, char key)
{
	int c;

	printf("%s\n", line);
	irq_enable();
	while ((c = serial_getc()) != key) {
		volatile int dummy = 0;

		if (c < 0)
			(void)wait_for_count(&dummy, 1, 3000000ull);
	}
}

#endif /* TESTS_GUEST_X86_PVIC_ADI_H */
