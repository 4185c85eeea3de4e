/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Serial: the COM1 16550 at 0x3f8 behaves like one (registers, divisor
 * latch, FIFO, loopback) and raises IRQ 4 through IOAPIC pin 4.
 */
#include "libcflat.h"
#include "serial.h"
#include "x86/apic.h"
#include "x86/desc.h"
#include "x86/processor.h"

#define COM1		SERIAL_PORT
#define UART_IER	1
#define UART_IIR	2
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7
#define SERIAL_VECTOR	0x44

static volatile int serial_irqs;

static void serial_irq(struct trap_frame *f)
{
	serial_irqs++;
	/* Reading IIR acknowledges a THRE interrupt; then stop asking for more. */
	inb(COM1 + UART_IIR);
	outb(0, COM1 + UART_IER);
	apic_eoi();
}

static void check_registers(void)
{
	u8 lcr = inb(COM1 + UART_LCR);

	report_prefix_push("registers");
	outb(0x5a, COM1 + UART_SCR);
	report(inb(COM1 + UART_SCR) == 0x5a, "scratch register keeps 0x5a");
	outb(0xa5, COM1 + UART_SCR);
	report(inb(COM1 + UART_SCR) == 0xa5, "scratch register keeps 0xa5");
	report(lcr == 0x03, "LCR is 8N1 after init (0x%x)", lcr);

	/* Divisor latch: DLAB set, DLL/DLM read back, DLAB clear again. */
	outb(lcr | 0x80, COM1 + UART_LCR);
	outb(0x0c, COM1 + 0);
	outb(0x00, COM1 + 1);
	bool latch = inb(COM1 + 0) == 0x0c && inb(COM1 + 1) == 0x00;

	/* No printing while DLAB is set: THR is the divisor latch then. */
	outb(0x01, COM1 + 0);
	outb(lcr, COM1 + UART_LCR);
	report(latch, "divisor latch reads back 0x000c (9600 baud)");
	report(inb(COM1 + UART_LCR) == lcr, "DLAB clears");

	outb(0x07, COM1 + UART_FCR);
	report((inb(COM1 + UART_IIR) & 0xc0) == 0xc0, "FIFOs enabled (16550A)");
	report(inb(COM1 + UART_LSR) & 0x20, "transmit holding register empty");
	report_prefix_pop();
}

static void check_loopback(void)
{
	const char *msg = "imsvm";
	bool ok = true;
	int got, bad = -1;

	report_prefix_push("loopback");
	/* Drain anything received so far (the console may have input). */
	while (serial_getc() >= 0)
		;
	outb(0x10 | 0x03, COM1 + UART_MCR);	/* LOOP | DTR | RTS */
	for (const char *p = msg; *p; p++) {
		outb((u8)*p, COM1);
		got = serial_getc();
		if (got != *p && ok) {
			bad = got;
			ok = false;
		}
	}
	/* In loopback, DTR/RTS come back as DSR/CTS (MSR bits 5 and 4). */
	bool msr = (inb(COM1 + UART_MSR) & 0x30) == 0x30;
	bool empty = serial_getc() < 0;

	/* No printing in loopback mode: it would come back as input. */
	outb(0x03, COM1 + UART_MCR);
	report(ok, "bytes written come back on the receive side%s",
	       ok ? "" : bad < 0 ? " (nothing received)" : " (wrong byte)");
	report(empty, "nothing left to read");
	report(msr, "MCR DTR|RTS loop to MSR DSR|CTS");
	report_prefix_pop();
}

static void check_irq(void)
{
	report_prefix_push("irq");
	apic_enable();
	handle_irq(SERIAL_VECTOR, serial_irq);
	ioapic_route(SERIAL_IRQ, SERIAL_VECTOR, apic_id(), false, false);
	serial_irqs = 0;
	outb(0x08 | 0x03, COM1 + UART_MCR);	/* OUT2 gates the IRQ line on PCs */
	outb(0x02, COM1 + UART_IER);		/* THR empty interrupt */
	report(wait_for_count(&serial_irqs, 1, HANG_BOUND_CYCLES),
	       "THR-empty interrupt arrives through IOAPIC pin %d", SERIAL_IRQ);
	ioapic_mask(SERIAL_IRQ);
	outb(0, COM1 + UART_IER);
	outb(0x03, COM1 + UART_MCR);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	printf("serial: a line with every printable ASCII character:\n");
	for (char c = ' '; c <= '~'; c++)
		serial_putc(c);
	serial_putc('\n');
	check_registers();
	check_loopback();
	check_irq();
	return report_summary();
}
