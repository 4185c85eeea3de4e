/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC (xAPIC MMIO at 0xFEE00000 or x2APIC MSRs), IOAPIC and PIT.
 * Register offsets are the xAPIC ones; in x2APIC mode the library turns
 * them into MSR 0x800 + offset / 16.
 */
#ifndef TESTS_GUEST_LIB_X86_APIC_H
#define TESTS_GUEST_LIB_X86_APIC_H

#include "libcflat.h"

#define APIC_DEFAULT_BASE	0xfee00000ULL
#define IOAPIC_DEFAULT_BASE	0xfec00000ULL

#define APIC_ID		0x020
#define APIC_LVR	0x030
#define APIC_TASKPRI	0x080
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SPIV	0x0f0
#define APIC_ISR	0x100
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define APIC_SPIV_ENABLE	(1U << 8)
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_TIMER_PERIODIC	(1U << 17)
#define APIC_TDCR_DIV1		0xb

#define APIC_DM_FIXED		0x000
#define APIC_DM_NMI		0x400
#define APIC_DM_INIT		0x500
#define APIC_DM_STARTUP		0x600
#define APIC_ICR_BUSY		0x1000
#define APIC_INT_ASSERT		0x4000
#define APIC_INT_LEVELTRIG	0x8000
#define APIC_DEST_SELF		0x40000
#define APIC_DEST_ALLBUT	0xc0000

bool apic_has_x2apic(void);
bool apic_is_x2apic(void);
/* Switch this CPU to x2APIC mode; false if the CPU does not offer it. */
bool apic_enable_x2apic(void);
/* Back to xAPIC mode (through "disabled", as the SDM requires). */
void apic_reset_xapic(void);
/* Software-enable the LAPIC of this CPU with a spurious vector. */
void apic_enable(void);

u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 val);
u32 apic_id(void);
void apic_eoi(void);
/* Send an IPI: icr low word (vector | delivery mode | shorthand) to dest. */
void apic_icr_write(u32 icr, u32 dest);

/* Is vector waiting in this LAPIC's IRR, or in service (ISR)? */
bool apic_irr_pending(int vector);
bool apic_isr_pending(int vector);
/*
 * Let an interrupt already accepted for vector be handled: interrupts on
 * until neither IRR nor ISR holds it. Returns false if it never cleared.
 */
bool apic_drain(int vector);

/* Timer: vector, initial count, periodic or one-shot, divide by 1. */
void apic_timer_start(int vector, u32 count, bool periodic);
void apic_timer_stop(void);

/* IOAPIC */
u32 ioapic_read(u32 reg);
void ioapic_write(u32 reg, u32 val);
int ioapic_pins(void);
u32 ioapic_id(void);
/* Route pin to vector on dest (APIC id), edge or level, active high or low. */
void ioapic_route(int pin, int vector, u32 dest, bool level, bool active_low);
void ioapic_mask(int pin);
u64 ioapic_read_redir(int pin);

/* PIT (8254) channel 0 */
#define PIT_HZ 1193182
void pit_start_periodic(u16 count);
void pit_stop(void);

/*
 * Wait until *flag reaches target, for at most max_cycles of TSC (a bound
 * on a hang, not a clock: tests never assert wall-clock time). Interrupts
 * are enabled while waiting. Returns true if it got there.
 */
bool wait_for_count(volatile int *flag, int target, u64 max_cycles);

#endif /* TESTS_GUEST_LIB_X86_APIC_H */
