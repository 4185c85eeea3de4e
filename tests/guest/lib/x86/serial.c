/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550 polled output. Each port access is a VM exit (about 5 us under PVM),
 * so we check LSR.THRE only when the previous byte may still be in flight.
 */
#include "libcflat.h"
#include "serial.h"
#include "x86/processor.h"

#define UART_RBR	0
#define UART_THR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_DLL	0
#define UART_DLM	1
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20

void serial_init(void)
{
	outb(0x00, SERIAL_PORT + UART_IER);	/* polled: no interrupts */
	outb(0x80, SERIAL_PORT + UART_LCR);	/* DLAB */
	outb(0x01, SERIAL_PORT + UART_DLL);	/* 115200 baud */
	outb(0x00, SERIAL_PORT + UART_DLM);
	outb(0x03, SERIAL_PORT + UART_LCR);	/* 8N1 */
	outb(0x07, SERIAL_PORT + UART_FCR);	/* FIFO on, cleared */
	outb(0x03, SERIAL_PORT + UART_MCR);	/* DTR, RTS */
}

void serial_putc(char c)
{
	/* Bounded: a broken UART must not hang the test; the output is lost. */
	for (int i = 0; i < 100000; i++)
		if (inb(SERIAL_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	outb((u8)c, SERIAL_PORT + UART_THR);
}

void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

int serial_getc(void)
{
	if (!(inb(SERIAL_PORT + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(SERIAL_PORT + UART_RBR);
}
