/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The smallest PVH guest the start-up benchmark boots: it prints one line
 * on COM1 and ends the VM through the test-exit port (0xf4) with code 0.
 *
 * It stays in the 32-bit protected mode PVH enters it in: no GDT, no page
 * tables, no stack. The first instruction that reaches the VMM is the first
 * serial write, so "time to the first serial byte" is the VMM's start-up
 * cost plus a handful of guest instructions (about 1 us each under nested
 * PVM KVM). It writes the transmit register without polling LSR: both
 * imsvm's 8250 and QEMU's consume a write at once.
 *
 * Under QEMU, isa-debug-exit turns the code 0 into exit status 1.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define COM1 0x3f8
#define TEST_EXIT_PORT 0xf4

	.section .note.Xen, "a"
	.balign 4
	.long 2f - 1f			/* namesz */
	.long 4f - 3f			/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.long pvh_entry
4:	.balign 4

	.section .text.entry, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	movl $COM1, %edx
	movl $msg, %esi
	movl $(msg_end - msg), %ecx
	cld
	rep outsb
	movl $TEST_EXIT_PORT, %edx
	xorl %eax, %eax
	outl %eax, %dx
1:	hlt
	jmp 1b

	.section .rodata
msg:	.ascii "imsvm-bench: hello\n"
msg_end:
