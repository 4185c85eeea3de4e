/* SPDX-License-Identifier: GPL-2.0-only */
/* The console: a 16550 UART (COM1, I/O port 0x3f8). */
#ifndef TESTS_GUEST_LIB_SERIAL_H
#define TESTS_GUEST_LIB_SERIAL_H

#include "libcflat.h"

#define SERIAL_PORT	0x3f8
#define SERIAL_IRQ	4

void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);
/* A received byte, or -1 if none is waiting. */
int serial_getc(void);

#endif /* TESTS_GUEST_LIB_SERIAL_H */
