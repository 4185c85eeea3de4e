/* SPDX-License-Identifier: GPL-2.0-only */
/* IDT construction and the C side of trap entry (entry.S: trap_common). */
#include "libcflat.h"
#include "x86/desc.h"
#include "x86/processor.h"

struct idt_entry {
	u16 offset0;
	u16 selector;
	u16 flags;	/* IST, type 0xE (interrupt gate), DPL 0, present */
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __attribute__((packed));

struct descriptor_pointer {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern char trap_stubs[];

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
	[5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS",
	[11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
};

void setup_idt(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = (u64)(uintptr_t)(trap_stubs + 16 * v);

		idt[v] = (struct idt_entry){
			.offset0 = (u16)a,
			.selector = 0x18,
			.flags = 0x8e00,
			.offset1 = (u16)(a >> 16),
			.offset2 = (u32)(a >> 32),
		};
	}
}

void load_idt(void)
{
	struct descriptor_pointer p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	asm volatile("lidt %0" : : "m"(p));
}

void percpu_init(struct percpu *p, int cpu)
{
	p->self = p;
	p->cpu = cpu;
	p->fixup_rip = 0;
	p->ex.vector = -1;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
}

void handle_irq(int vector, irq_handler_t fn)
{
	assert(vector >= 32 && vector < 256);
	irq_handlers[vector] = fn;
}

void exception_clear(void)
{
	this_cpu()->ex.vector = -1;
}

int exception_vector(void)
{
	return this_cpu()->ex.vector;
}

u64 exception_error_code(void)
{
	return this_cpu()->ex.error_code;
}

u64 exception_rip(void)
{
	return this_cpu()->ex.rip;
}

u64 exception_cr2(void)
{
	return this_cpu()->ex.cr2;
}

static __noreturn void unexpected(struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : NULL;

	printf("Unhandled %s %lu (%s) on cpu %d at RIP 0x%lx, error code 0x%lx",
	       f->vector < 32 ? "exception" : "interrupt", f->vector,
	       name ? name : "?", smp_id(), f->rip, f->error_code);
	if (f->vector == PF_VECTOR)
		printf(", CR2 0x%lx", read_cr2());
	printf("\nRSP 0x%lx RFLAGS 0x%lx RAX 0x%lx RBX 0x%lx RCX 0x%lx RDX 0x%lx\n",
	       f->rsp, f->rflags, f->rax, f->rbx, f->rcx, f->rdx);
	report_abort("unexpected %s",
		     f->vector < 32 ? "exception" : "interrupt");
}

void do_trap(struct trap_frame *f);
void do_trap(struct trap_frame *f)
{
	if (f->vector >= 32) {
		irq_handler_t fn = irq_handlers[f->vector];

		if (!fn)
			unexpected(f);
		fn(f);
		return;
	}

	struct percpu *p = this_cpu();

	if (!p->fixup_rip)
		unexpected(f);
	p->ex.vector = (int)f->vector;
	p->ex.error_code = f->error_code;
	p->ex.rip = f->rip;
	p->ex.cr2 = f->vector == PF_VECTOR ? read_cr2() : 0;
	f->rip = p->fixup_rip;
	p->fixup_rip = 0;
}
