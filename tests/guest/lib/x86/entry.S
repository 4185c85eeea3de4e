/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry stub of every guest test kernel.
 *
 * PVH boot: the loader finds XEN_ELFNOTE_PHYS32_ENTRY and enters pvh_entry
 * in 32-bit protected mode, paging off, with EBX = guest-physical address of
 * struct hvm_start_info. We build nothing at run time that the linker can
 * build instead (page tables, GDT), because under nested PVM KVM every CPL0
 * instruction costs about a microsecond.
 *
 * Segments: 0x08 flat 32-bit code, 0x10 flat data, 0x18 64-bit code.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define BOOT_STACK_SIZE 16384
#define AP_STACK_SIZE 8192
#define MAX_CPUS 64

/* DS, ES, SS, FS and GS = the flat data segment (32- and 64-bit code alike). */
.macro load_data_segments
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
.endm

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
	cli
	cld
	movl %ebx, pvh_start_info_pa
	lgdt gdt_descr
	ljmp $0x08, $1f
1:	load_data_segments
	movl $boot_stack_top, %esp
	call enter_long_mode
	ljmp $0x18, $start64

/* Shared by the BSP and the APs: PAE paging with the static tables, EFER.LME. */
enter_long_mode:
	movl $pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	orl $0x100, %eax		/* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* PG | PE */
	movl %eax, %cr0
	ret

	.code64
start64:
	load_data_segments
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl pvh_start_info_pa, %edi
	call lib_start			/* never returns */
1:	cli
	hlt
	jmp 1b

/* ---- application processors ------------------------------------------ */

/*
 * Real-mode trampoline, copied by smp.c to a free page below 1 MiB whose
 * page number is the SIPI vector. It must be position independent: it
 * addresses only itself (through CS = DS = its page) and absolute symbols
 * of the kernel image. It records how far each AP got in ap_stage so the
 * BSP can say precisely where a start-up failed.
 */
	.code16
	.globl trampoline_start, trampoline_end, trampoline_stage_off
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movl $1, (tr_stage - trampoline_start)
	lgdtl (tr_gdt_descr - trampoline_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ap_start32
	.balign 8
tr_gdt_descr:
	.word gdt_end - gdt - 1
	.long gdt
	.balign 4
tr_stage:
	.long 0
trampoline_end:
	.set trampoline_stage_off, tr_stage - trampoline_start

	.code32
ap_start32:
	load_data_segments
	movl $2, ap_stage
	movl $ap_boot_stack_top, %esp	/* only for the call below */
	/*
	 * Two APs could share that small stack at once only if the BSP
	 * started them together; smp.c starts them one at a time.
	 */
	call enter_long_mode
	ljmp $0x18, $ap_start64

	.code64
ap_start64:
	load_data_segments
	movl $3, ap_stage
	/* Each AP takes the next stack, so a late starter cannot share one. */
	movl $1, %eax
	lock xaddl %eax, ap_next_stack
	cmpl $MAX_CPUS, %eax
	jae 2f
	incl %eax
	imull $AP_STACK_SIZE, %eax
	leaq ap_stacks(%rax), %rsp
	xorl %ebp, %ebp
	call ap_main			/* never returns */
2:	cli
	hlt
	jmp 2b

/* ---- interrupt and exception entry ----------------------------------- */

/*
 * One 16-byte stub per vector: push a zero error code where the CPU pushes
 * none, push the vector, go to the common path. desc.c computes a stub's
 * address as trap_stubs + 16 * vector.
 */
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi			/* struct trap_frame *; 16-byte aligned */
	call do_trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

/* ---- data built at link time ----------------------------------------- */

	.section .data
	.balign 8
	.globl gdt, gdt_end
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, 32-bit, flat */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
	.quad 0x00af9a000000ffff	/* 0x18: code, 64-bit */
gdt_end:
	.balign 8
	.word 0
gdt_descr:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl pvh_start_info_pa, ap_stage, ap_next_stack
pvh_start_info_pa:
	.long 0
ap_stage:
	.long 0
ap_next_stack:
	.long 0

/*
 * Identity map of the low 4 GiB with 2 MiB pages. The fourth GiB holds the
 * PCI hole and platform MMIO (ECAM, IOAPIC, LAPIC): uncached (PCD|PWT).
 * Nothing above 4 GiB is mapped, which the exceptions test uses for #PF.
 */
	.balign 4096
	.globl pml4
pml4:
	.quad pdpt + 0x3
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x3
	.quad pd + 0x1000 + 0x3
	.quad pd + 0x2000 + 0x3
	.quad pd + 0x3000 + 0x3
	.fill 508, 8, 0
pd:
	.set i, 0
	.rept 1536
	.quad (i << 21) | 0x83
	.set i, i + 1
	.endr
	.rept 512
	.quad (i << 21) | 0x9b
	.set i, i + 1
	.endr

	.section .bss
	.balign 16
boot_stack:
	.fill BOOT_STACK_SIZE, 1, 0
	.globl boot_stack_top
boot_stack_top:
	.fill 256, 1, 0
ap_boot_stack_top:
	.balign 16
	.globl ap_stacks
ap_stacks:
	.fill AP_STACK_SIZE * MAX_CPUS, 1, 0
