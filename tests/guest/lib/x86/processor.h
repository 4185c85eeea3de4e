/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction wrappers. Under nested PVM KVM every CPL0 instruction is
 * emulated, and xrstor, clac/stac, int3 and cmpxchg16b are refused there:
 * nothing here (nor anywhere in the library) uses them.
 */
#ifndef TESTS_GUEST_LIB_X86_PROCESSOR_H
#define TESTS_GUEST_LIB_X86_PROCESSOR_H

#include "libcflat.h"

#define X86_CR0_PE	(1UL << 0)
#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PAE	(1UL << 5)
#define X86_EFLAGS_IF	(1UL << 9)

#define MSR_IA32_APICBASE	0x0000001b
#define MSR_IA32_APICBASE_BSP	(1UL << 8)
#define MSR_IA32_APICBASE_EXTD	(1UL << 10)
#define MSR_IA32_APICBASE_EN	(1UL << 11)
#define MSR_EFER		0xc0000080
#define MSR_GS_BASE		0xc0000101

static inline void outb(u8 v, u16 port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 v, u16 port)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u32 v, u16 port)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 index)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index) : "memory");
	return lo | ((u64)hi << 32);
}

static inline void wrmsr(u32 index, u64 val)
{
	asm volatile("wrmsr" : : "a"((u32)val), "d"((u32)(val >> 32)), "c"(index)
		     : "memory");
}

struct cpuid {
	u32 a, b, c, d;
};

static inline struct cpuid cpuid_indexed(u32 leaf, u32 subleaf)
{
	struct cpuid r;

	asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
		     : "0"(leaf), "2"(subleaf));
	return r;
}

static inline struct cpuid cpuid(u32 leaf)
{
	return cpuid_indexed(leaf, 0);
}

static inline u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline u64 read_rflags(void)
{
	u64 v;

	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

/* sti's one-instruction shadow makes "check, then sti; hlt" race-free. */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

static inline u8 mmio_read8(phys_addr_t addr)
{
	return *(volatile u8 *)(uintptr_t)addr;
}

static inline u16 mmio_read16(phys_addr_t addr)
{
	return *(volatile u16 *)(uintptr_t)addr;
}

static inline u32 mmio_read32(phys_addr_t addr)
{
	return *(volatile u32 *)(uintptr_t)addr;
}

static inline void mmio_write32(phys_addr_t addr, u32 v)
{
	*(volatile u32 *)(uintptr_t)addr = v;
}

/*
 * How long to wait for something that should happen before calling it a
 * hang: ~10 s of TSC at 3 GHz. A bound on hangs, never a measurement
 * (tests do not assert durations); generous for the emulated machine,
 * where everything is 10-50 times slower.
 */
#define HANG_BOUND_CYCLES	30000000000ULL

/* True if the "hypervisor" CPUID bit is set and leaf 0x40000000 says KVM. */
bool cpu_is_kvm(void);

#endif /* TESTS_GUEST_LIB_X86_PROCESSOR_H */
