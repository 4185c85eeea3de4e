/* SPDX-License-Identifier: GPL-2.0-only */
/* Local APIC in xAPIC or x2APIC mode, and waiting for interrupts. */
#include "libcflat.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"

#define APIC_SPURIOUS_VECTOR	0xff

static void spurious(struct trap_frame *f)
{
	/* A spurious interrupt needs no EOI. */
}

bool apic_has_x2apic(void)
{
	return cpuid(1).c & (1U << 21);
}

bool apic_is_x2apic(void)
{
	return rdmsr(MSR_IA32_APICBASE) & MSR_IA32_APICBASE_EXTD;
}

bool apic_enable_x2apic(void)
{
	u64 base;

	if (!apic_has_x2apic())
		return false;
	base = rdmsr(MSR_IA32_APICBASE);
	wrmsr(MSR_IA32_APICBASE, base | MSR_IA32_APICBASE_EN | MSR_IA32_APICBASE_EXTD);
	return true;
}

void apic_reset_xapic(void)
{
	u64 base = rdmsr(MSR_IA32_APICBASE);

	if (!(base & MSR_IA32_APICBASE_EXTD))
		return;
	base &= ~(MSR_IA32_APICBASE_EN | MSR_IA32_APICBASE_EXTD);
	wrmsr(MSR_IA32_APICBASE, base);
	wrmsr(MSR_IA32_APICBASE, base | MSR_IA32_APICBASE_EN);
	apic_enable();
}

static phys_addr_t xapic_base(void)
{
	return rdmsr(MSR_IA32_APICBASE) & 0xfffff000ULL;
}

u32 apic_read(u32 reg)
{
	if (apic_is_x2apic())
		return (u32)rdmsr(0x800 + (reg >> 4));
	return mmio_read32(xapic_base() + reg);
}

void apic_write(u32 reg, u32 val)
{
	if (apic_is_x2apic())
		wrmsr(0x800 + (reg >> 4), val);
	else
		mmio_write32(xapic_base() + reg, val);
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return apic_is_x2apic() ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_icr_write(u32 icr, u32 dest)
{
	if (apic_is_x2apic()) {
		wrmsr(0x830, ((u64)dest << 32) | icr);
		return;
	}
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr);
	for (int i = 0; i < 100000 && (apic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
		cpu_relax();
}

void apic_enable(void)
{
	handle_irq(APIC_SPURIOUS_VECTOR, spurious);
	apic_write(APIC_TASKPRI, 0);
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | APIC_SPURIOUS_VECTOR);
}

void apic_timer_start(int vector, u32 count, bool periodic)
{
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, (u32)vector | (periodic ? APIC_LVT_TIMER_PERIODIC : 0));
	apic_write(APIC_TMICT, count);
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
}

bool wait_for_count(volatile int *flag, int target, u64 max_cycles)
{
	bool was_enabled = read_rflags() & X86_EFLAGS_IF;
	u64 start = rdtsc();
	bool ok;

	irq_enable();
	while (*flag < target && rdtsc() - start < max_cycles)
		cpu_relax();
	ok = *flag >= target;
	if (!was_enabled)
		irq_disable();
	return ok;
}

bool apic_irr_pending(int vector)
{
	return apic_read(APIC_IRR + 0x10 * ((u32)vector / 32)) & (1U << (vector % 32));
}

bool apic_isr_pending(int vector)
{
	return apic_read(APIC_ISR + 0x10 * ((u32)vector / 32)) & (1U << (vector % 32));
}

bool apic_drain(int vector)
{
	bool was_enabled = read_rflags() & X86_EFLAGS_IF;
	u64 start = rdtsc();
	bool clear;

	irq_enable();
	while (!(clear = !apic_irr_pending(vector) && !apic_isr_pending(vector)) &&
	       rdtsc() - start < HANG_BOUND_CYCLES)
		cpu_relax();
	if (!was_enabled)
		irq_disable();
	return clear;
}
