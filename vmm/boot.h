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
 * On failure returns -errno and logs one line naming the problem
 * (e.g. -ENOEXEC for a corrupt image, -E2BIG when it does not fit in RAM).
 */
int __must_check boot__load(const struct guest_mem *mem, const struct boot_input *in,
			    struct boot_cpu_state *cpu);

#endif /* VMM_BOOT_H */
