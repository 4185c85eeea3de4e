/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot loaders: put a kernel, its initrd, command line and device tree into
 * guest RAM and say how the boot vCPU starts. They parse from memory buffers
 * (never files), so unit tests and fuzzers drive them directly.
 *
 * Formats: Linux bzImage (64-bit boot protocol), PVH ELF (XEN_ELFNOTE_PHYS32_ENTRY,
 * including Linux's vmlinux), and plain ELF64 (entered in long mode).
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include "vmm/guest_mem.h"

enum boot_cpu_mode {
	BOOT_CPU_PROT32,	/* PVH: flat 32-bit protected mode, paging off */
	BOOT_CPU_LONG64,	/* bzImage 64-bit entry and plain ELF64: 4 GiB identity map */
};

/* How the boot vCPU starts; the loader fills it, vcpu code applies it. */
struct boot_cpu_state {
	enum boot_cpu_mode mode;
	u64 rip;
	u64 rsp;
	u64 rsi;		/* bzImage: boot_params */
	u64 rbx;		/* PVH: hvm_start_info */
	u64 cr3;		/* BOOT_CPU_LONG64: page tables the loader wrote */
	u64 gdt_base;		/* the loader wrote a flat GDT here */
	u16 gdt_limit;
};

/*
 * The loader's flat GDT at gdt_base. The vCPU code loads CS with
 * BOOT_SEL_CODE, the data segments with BOOT_SEL_DATA and TR with
 * BOOT_SEL_TSS; boot__segment() gives the matching KVM segment state.
 */
#define BOOT_SEL_CODE	0x10	/* 64-bit code (LONG64) or 32-bit code (PROT32): Linux's __BOOT_CS */
#define BOOT_SEL_DATA	0x18	/* 32-bit data, base 0, 4 GiB: Linux's __BOOT_DS */
#define BOOT_SEL_TSS	0x20	/* busy TSS, base 0, limit 0x67 (the PVH ABI asks for it) */

struct kvm_segment;
/* Fill @seg (KVM_SET_SREGS) for selector @sel of the GDT the loader wrote for @cpu->mode. */
void boot__segment(const struct boot_cpu_state *cpu, u16 sel, struct kvm_segment *seg);

struct boot_input {
	const u8 *kernel;
	size_t kernel_size;
	const u8 *initrd;	/* may be NULL */
	size_t initrd_size;
	const char *cmdline;	/* may be NULL */
	const void *dtb;	/* may be NULL */
	size_t dtb_size;
};

enum kernel_format {
	KERNEL_FORMAT_UNKNOWN,
	KERNEL_FORMAT_BZIMAGE,
	KERNEL_FORMAT_ELF_PVH,
	KERNEL_FORMAT_ELF64,
};

enum kernel_format boot__detect(const u8 *kernel, size_t size);
const char *boot__format_name(enum kernel_format fmt);

/*
 * Load @in into @mem (whose RAM starts at guest-physical 0) and fill @cpu.
 * On failure returns -errno and logs one line naming the problem:
 * -EINVAL for an empty kernel or initrd, or segments over the boot structures
 * below 1 MiB; -ENOEXEC for a corrupt, truncated or unsupported image (boot
 * protocol older than 2.12, no 64-bit entry); -E2BIG when the kernel, initrd,
 * command line or DTB does not fit (RAM, cmdline_size, the layout's slots).
 */
int __must_check boot__load(const struct guest_mem *mem, const struct boot_input *in,
			    struct boot_cpu_state *cpu);

#endif /* VMM_BOOT_H */
