/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ending a test: the status goes to the console (for humans and for runners
 * that only see the log) and to the test-exit port, whose 32-bit write ends
 * the VM with exactly that status under imsvm. (QEMU's isa-debug-exit turns
 * it into (status << 1) | 1.)
 */
#include "libcflat.h"
#include "x86/processor.h"

#define TEST_EXIT_PORT	0xf4

void exit(int code)
{
	printf("EXIT: STATUS=%d\n", code);
	outl((u32)code, TEST_EXIT_PORT);
	/* Only reached if no test-exit device answered. */
	for (;;)
		asm volatile("cli; hlt");
}
