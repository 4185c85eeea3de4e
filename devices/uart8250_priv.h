/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by devices/uart8250.c (registers, interrupts, the device) and
 * devices/uart8250_console.c (output buffering and console input) only.
 * Everything here is under u->lock unless said otherwise.
 */
#ifndef DEVICES_UART8250_PRIV_H
#define DEVICES_UART8250_PRIV_H

#include <pthread.h>

#include "devices/uart8250.h"
#include "vmm/device.h"

#define UART_FIFO_SIZE	16
#define UART_OUT_BUF	256
#define UART_IN_BUF	4096

#define MCR_LOOP	0x10

struct uart8250 {
	struct vm *vm;
	struct device dev;
	pthread_mutex_t lock;

	u8 ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	u8 rx_trigger;		/* bytes, from FCR bits 7:6 */
	bool thri_pending;	/* THRE interrupt condition, cleared by IIR read or THR write */
	bool overrun;		/* LSR.OE, cleared by LSR read */
	u8 msr;			/* status (high nibble) and deltas (low nibble) */
	bool irq_level;		/* what we last told vm__irq_line() */
	bool lsr_polled;	/* last access was an LSR read (see flush policy) */

	u8 rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;

	int out_fd;
	unsigned int out_len;
	u8 out[UART_OUT_BUF];

	int in_fd;		/* console input, -1: none */
	bool in_watched;	/* in_fd is registered with the event loop */
	bool in_eof;
	unsigned int in_head, in_count;
	u8 in[UART_IN_BUF];

	struct uart8250_stats stats;
};

/* uart8250.c */
unsigned int uart_rx_capacity(const struct uart8250 *u);
bool uart_rx_push(struct uart8250 *u, u8 c);
void uart_update_irq(struct uart8250 *u);

/* uart8250_console.c */
void uart_console_flush(struct uart8250 *u);
void uart_console_put(struct uart8250 *u, u8 c);
void uart_console_feed(struct uart8250 *u);
/* True when the caller must call uart_console_rewatch() once it dropped u->lock. */
bool uart_console_wants_rewatch(struct uart8250 *u);
void uart_console_rewatch(struct uart8250 *u);
/* Watch stdin when the VM asks for console input (init), stop (destroy; no lock). */
void uart_console_start(struct uart8250 *u);
void uart_console_stop(struct uart8250 *u);

#endif /* DEVICES_UART8250_PRIV_H */
