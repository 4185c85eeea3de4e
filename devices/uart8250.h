/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550A UART at LAYOUT_PORT_COM1 (8 ports), IRQ LAYOUT_IRQ_COM1: the serial
 * console. Guest output goes to stdout (or the fd set below); input comes
 * from stdin through the VM's event loop when vm->cfg->console_stdin.
 */
#ifndef DEVICES_UART8250_H
#define DEVICES_UART8250_H

#include "vmm/util.h"

struct vm;
struct uart8250;

int __must_check uart8250__init(struct vm *vm);

/* The UART uart8250__init() created on @vm, or NULL. */
struct uart8250 *uart8250__find(struct vm *vm);

/* Write guest output to what is buffered so far now (also done on destroy). */
void uart8250__flush(struct uart8250 *u);

struct uart8250_stats {
	u64 tx_bytes;		/* bytes the guest transmitted (not in loopback) */
	u64 rx_bytes;		/* bytes that reached the receive FIFO */
	u64 overruns;		/* bytes lost because the receive FIFO was full */
	u64 write_errors;	/* failed writes to the output fd */
	u64 wide_accesses;	/* 2- or 4-byte accesses (split into bytes, as ISA does) */
};

void uart8250__get_stats(struct uart8250 *u, struct uart8250_stats *st);

/* ---- seams for unit tests and fuzz targets ---- */

/* Send guest output to @fd instead of stdout (-1: discard). */
void uart8250__set_output(struct uart8250 *u, int fd);
/*
 * Bytes arriving on the serial line, as from a remote transmitter: they go
 * into the receive FIFO and what does not fit is an overrun. Returns the
 * number of bytes that fitted.
 */
unsigned int uart8250__receive(struct uart8250 *u, const u8 *buf, unsigned int len);
/*
 * Console input: read what @fd has now into the console's input buffer
 * (paced into the FIFO as the guest drains it, so nothing is lost). This is
 * what the event loop runs when stdin is readable.
 */
void uart8250__set_input(struct uart8250 *u, int fd);
void uart8250__poll_input(struct uart8250 *u);

#endif /* DEVICES_UART8250_H */
