/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOAPIC and PIT: the IOAPIC is where the MP table says, its redirection
 * entries hold what is written, and the PIT's IRQ 0 arrives through the pin
 * the MP table's ISA override names (2 on PCs), stops when the pin is
 * masked, and also arrives through the legacy PIC (pin 0, LINT0 ExtINT).
 */
#include "libcflat.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/mptable.h"
#include "x86/processor.h"

#define PIT_VECTOR	0x50
#define REF_VECTOR	0x51
#define PIC_BASE	0x20	/* lib setup remaps the PIC here */
#define PIT_COUNT	1193	/* ~1 ms */
#define WAIT_CYCLES	HANG_BOUND_CYCLES

static volatile int pit_ticks, ref_ticks, pic_ticks;

static void pit_irq(struct trap_frame *f)
{
	pit_ticks++;
	apic_eoi();
}

static void ref_irq(struct trap_frame *f)
{
	ref_ticks++;
	apic_eoi();
}

static void pic_irq(struct trap_frame *f)
{
	pic_ticks++;
	outb(0x20, 0x20);	/* non-specific EOI to the master PIC */
}

/* Let the LAPIC timer run out once (~5 PIT periods): a clock-free reference. */
static bool wait_reference(void)
{
	ref_ticks = 0;
	apic_timer_start(REF_VECTOR, 5 * 1000000, false);
	return wait_for_count(&ref_ticks, 1, WAIT_CYCLES);
}

static void check_ioapic(const struct mptable *mp)
{
	u32 ver = ioapic_read(1);
	u64 r;

	report_prefix_push("ioapic");
	report(ioapic_pins() == 24, "24 pins (version 0x%x, %d pins)", ver & 0xff,
	       ioapic_pins());
	if (mp->found) {
		report(mp->nioapics == 1 && mp->ioapic_addr == IOAPIC_DEFAULT_BASE,
		       "MP table lists one IOAPIC at 0x%x", mp->ioapic_addr);
		report(mp->ioapic_id == ioapic_id(), "MP table IOAPIC id %u matches %u",
		       mp->ioapic_id, ioapic_id());
	} else {
		report_skip("no MP table: IOAPIC address and id not cross-checked");
	}
	/* Masked entry, so nothing fires while we look. */
	ioapic_write(0x10 + 2 * 10, 1U << 16 | 0x77);
	ioapic_write(0x11 + 2 * 10, 0x5aU << 24);
	r = ioapic_read_redir(10);
	report((r & 0x100ff) == 0x10077 && (r >> 56) == 0x5a,
	       "redirection entry reads back (0x%lx)", r);
	report_prefix_pop();
}

static void check_pit_ioapic(int pin)
{
	report_prefix_push("pit via ioapic");
	pit_ticks = 0;
	ioapic_route(pin, PIT_VECTOR, apic_id(), false, false);
	pit_start_periodic(PIT_COUNT);
	bool ok = wait_for_count(&pit_ticks, 5, WAIT_CYCLES);

	report(ok, "5 PIT interrupts through pin %d", pin);
	if (!ok && pin != 0) {
		/* Say where they go instead: KVM's default routing is GSI n -> pin n. */
		ioapic_mask(pin);
		pit_ticks = 0;
		ioapic_route(0, PIT_VECTOR, apic_id(), false, false);
		if (wait_for_count(&pit_ticks, 1, WAIT_CYCLES))
			report_info("they arrive at pin 0 instead: the VMM left KVM's "
				    "default GSI routing (GSI 0 -> pin 0) while the MP "
				    "table says pin %d", pin);
		ioapic_mask(0);
		ioapic_route(pin, PIT_VECTOR, apic_id(), false, false);
	}

	/*
	 * Once masked, nothing new reaches the LAPIC. A tick already on its way
	 * (under nested PVM delivery takes tens of microseconds) may still land:
	 * let one whole reference period pass before counting, then count over
	 * a second one.
	 */
	ioapic_mask(pin);
	wait_reference();
	apic_drain(PIT_VECTOR);
	pit_ticks = 0;
	bool ref = wait_reference();

	if (ok)
		report(ref && pit_ticks == 0,
		       "masked pin: none while ~5 periods pass (%d, reference %s)",
		       pit_ticks, ref ? "fired" : "did not fire");
	else
		report_skip("masked pin: nothing to stop, no interrupts arrived");
	pit_stop();
	irq_disable();
	report_prefix_pop();
}

static void check_pit_pic(void)
{
	report_prefix_push("pit via pic");
	pic_ticks = 0;
	apic_write(APIC_LVT0, 0x700);		/* LINT0: ExtINT, unmasked */
	outb(0xfe, 0x21);			/* unmask IRQ 0 only */
	pit_start_periodic(PIT_COUNT);
	report(wait_for_count(&pic_ticks, 3, WAIT_CYCLES),
	       "3 PIT interrupts through the PIC (vector 0x%x)", PIC_BASE);
	outb(0xff, 0x21);
	pit_stop();
	apic_write(APIC_LVT0, APIC_LVT_MASKED | 0x700);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct mptable mp;
	int pin;

	apic_enable();
	handle_irq(PIT_VECTOR, pit_irq);
	handle_irq(REF_VECTOR, ref_irq);
	handle_irq(PIC_BASE, pic_irq);
	mptable_parse(&mp);
	check_ioapic(&mp);

	pin = mp.found ? mptable_isa_irq_pin(&mp, 0) : -1;
	if (mp.found)
		report(pin == 2, "MP table routes ISA IRQ 0 to IOAPIC pin %d", pin);
	if (pin < 0)
		pin = 2;
	check_pit_ioapic(pin);
	check_pit_pic();
	return report_summary();
}
