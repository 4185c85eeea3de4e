/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the boot loaders (vmm/boot*.c): the format parsers, which work on a
 * memory buffer and touch no guest state (fuzz targets call them directly),
 * and the placement helpers the loaders share.
 */
#ifndef VMM_BOOT_PRIV_H
#define VMM_BOOT_PRIV_H

#include <asm/bootparam.h>

#include "vmm/boot.h"
#include "vmm/layout.h"
#include "vmm/log.h"

/* Boot structures, EBDA and BIOS area: no kernel segment may land below this. */
#define BOOT_RESERVED_END	LAYOUT_KERNEL_DEFAULT

/* Parsers log their one line only when asked (boot__detect() is silent). */
#define boot_parse_err(verbose, ...)			\
	do {						\
		if (verbose)				\
			pr_err(__VA_ARGS__);		\
	} while (0)

/* ---- boot_bzimage.c ---- */

/* Oldest boot protocol accepted: 2.12 added xloadflags, hence XLF_KERNEL_64. */
#define BZIMAGE_MIN_VERSION	0x020c
#define BZIMAGE_HDR_OFFSET	0x1f1
#define BZIMAGE_ENTRY64_OFFSET	0x200

struct bzimage_info {
	struct setup_header hdr;	/* copied out of the image (it is unaligned there) */
	size_t hdr_len;			/* bytes of setup header the image carries */
	size_t setup_size;		/* real-mode part: (setup_sects + 1) * 512 */
	const u8 *payload;		/* protected-mode kernel */
	size_t payload_size;
};

int __must_check bzimage__parse(const u8 *img, size_t size, struct bzimage_info *info,
				bool verbose);
int __must_check bzimage__load(const struct guest_mem *mem, const struct boot_input *in,
			       struct boot_cpu_state *cpu);

/* ---- boot_elf.c ---- */

struct elf_image {
	const u8 *data;
	size_t size;
	bool is64;			/* ELFCLASS64 (x86-64), else ELFCLASS32 (i386) */
	u64 entry;			/* e_entry: virtual */
	u64 phoff;
	unsigned int phnum;
	bool has_pvh_entry;
	u64 pvh_entry;			/* XEN_ELFNOTE_PHYS32_ENTRY: physical, < 4 GiB */
};

struct elf_segment {
	u32 type;
	u64 offset, vaddr, paddr, filesz, memsz;
};

/*
 * Check the ELF header and every program header against the buffer and look
 * for the PVH note (in PT_NOTE segments, else in SHT_NOTE sections).
 */
int __must_check elf__parse(const u8 *data, size_t size, struct elf_image *img, bool verbose);
/* Program header @i of a parsed image (i < img->phnum). */
void elf__segment(const struct elf_image *img, unsigned int i, struct elf_segment *seg);
int __must_check elf__load(const struct guest_mem *mem, const struct boot_input *in,
			   struct boot_cpu_state *cpu);

/* ---- boot_pvh.c ---- */

/* Where the PVH tables go inside the LAYOUT_PVH_MEMMAP page. */
#define PVH_MEMMAP_GPA		LAYOUT_PVH_MEMMAP
#define PVH_MEMMAP_MAX		64
#define PVH_MODLIST_GPA		(LAYOUT_PVH_MEMMAP + 0x800)
#define PVH_MODLIST_MAX		2
#define PVH_MODCMDLINE_GPA	(LAYOUT_PVH_MEMMAP + 0xf00)

/*
 * hvm_start_info (version 1) at LAYOUT_BOOT_INFO with the e820 map, the
 * command line at LAYOUT_CMDLINE (already written) and the modules: the
 * initrd at @initrd_gpa as module 0, the DTB (copied to LAYOUT_DTB) as
 * module 1 with the command line "dtb".
 */
int __must_check pvh__write_start_info(const struct guest_mem *mem, const struct boot_input *in,
				       u64 initrd_gpa);

/* ---- boot_cpu.c ---- */

/* Flat GDT at LAYOUT_BOOT_GDT; for BOOT_CPU_LONG64 also the 4 GiB identity map. */
int __must_check boot_cpu__setup(const struct guest_mem *mem, enum boot_cpu_mode mode,
				 struct boot_cpu_state *cpu);

/* ---- boot.c ---- */

/* Copy @cmdline (NULL: "") to LAYOUT_CMDLINE; -E2BIG beyond @max_len characters. */
int __must_check boot__write_cmdline(const struct guest_mem *mem, const char *cmdline,
				     size_t max_len, const char *limit_name);
/*
 * Put the initrd page-aligned as high as it fits in [@floor, @ceiling) and
 * return where; *gpa = 0 when there is none. -E2BIG when it does not fit.
 */
int __must_check boot__place_initrd(const struct guest_mem *mem, const struct boot_input *in,
				    u64 floor, u64 ceiling, u64 *gpa);

#endif /* VMM_BOOT_PRIV_H */
