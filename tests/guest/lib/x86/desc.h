/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IDT, exception reporting and per-CPU data.
 *
 * An unexpected exception prints vector, error code and RIP and ends the test
 * with EXIT_TEST_FAIL. A test that expects one wraps the faulting instruction
 * in ASM_TRY: the handler then records the exception and resumes at the
 * label, and exception_vector() tells what happened (-1 for nothing):
 *
 *	exception_clear();
 *	asm volatile(ASM_TRY("1f") "ud2\n\t" "1:" ASM_TRY_END
 *		     : : ASM_TRY_INPUT : ASM_TRY_CLOBBER);
 *	report(exception_vector() == UD_VECTOR, "ud2 raises #UD");
 */
#ifndef TESTS_GUEST_LIB_X86_DESC_H
#define TESTS_GUEST_LIB_X86_DESC_H

#include "libcflat.h"

#define DE_VECTOR	0
#define DB_VECTOR	1
#define BP_VECTOR	3
#define UD_VECTOR	6
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

struct exception_record {
	int vector;		/* -1: none since exception_clear() */
	u64 error_code;
	u64 rip;
	u64 cr2;
};

/* Reached through GS: gs:0 holds the struct's own address. */
struct percpu {
	struct percpu *self;
	int cpu;		/* 0 = BSP, then in start-up order */
	u32 apic_id;
	u64 fixup_rip;		/* set by ASM_TRY, consumed by the handler */
	struct exception_record ex;
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline int smp_id(void)
{
	return this_cpu()->cpu;
}

/* Arms the fixup for the next instruction on this CPU. */
#define ASM_TRY(label)						\
	"movq %%gs:0, %%r11\n\t"				\
	"leaq " label "(%%rip), %%r10\n\t"			\
	"movq %%r10, %c[fixup_off](%%r11)\n\t"
/* After the label: disarm the fixup if nothing faulted (r11 survives a fault). */
#define ASM_TRY_END "movq $0, %c[fixup_off](%%r11)\n\t"
#define ASM_TRY_INPUT \
	[fixup_off] "i"(__builtin_offsetof(struct percpu, fixup_rip))
#define ASM_TRY_CLOBBER "r10", "r11", "memory"

void exception_clear(void);
int exception_vector(void);
u64 exception_error_code(void);
u64 exception_rip(void);
u64 exception_cr2(void);

typedef void (*irq_handler_t)(struct trap_frame *f);

/* Route vector (32..255) to fn, or back to "unexpected" with fn = NULL. */
void handle_irq(int vector, irq_handler_t fn);

void setup_idt(void);		/* build the IDT once (BSP) */
void load_idt(void);		/* every CPU */
void percpu_init(struct percpu *p, int cpu);

#endif /* TESTS_GUEST_LIB_X86_DESC_H */
