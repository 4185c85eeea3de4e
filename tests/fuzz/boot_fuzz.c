/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the kernel loaders (vmm/boot*.c) on an operator's image:
 * boot__load() exactly as vm.c calls it (detect bzImage / PVH ELF / ELF64,
 * parse, place segments, initrd, command line, DTB, boot CPU state) into a
 * guest RAM of 16 or 64 MiB, then the two format parsers on the same bytes
 * whatever the detection said (a corrupt image of one format is often
 * detected as none).
 *
 * Input: 1 byte of options (bit 0: an initrd, bit 1: a command line of
 * 3000 characters, bit 2: 16 MiB of RAM, bit 3: a DTB), then the image.
 */
#include <string.h>
#include <sys/mman.h>

#include "vmm/boot_priv.h"
#include "vmm/log.h"

#define RAM_MAX		(64 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u8 *ram;
static char long_cmdline[3001];
static const u8 initrd[8192] = { 0x30, 0x37, 0x30, 0x37 };
/* An empty flattened device tree: header only (magic, totalsize 0x48, ...). */
static const u8 dtb[0x48] = {
	0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x48, 0, 0, 0, 0x38, 0, 0, 0, 0x48,
	0, 0, 0, 0x28, 0, 0, 0, 17, 0, 0, 0, 16, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x10,
};

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct boot_input in = { 0 };
	struct boot_cpu_state cpu;
	struct bzimage_info bz;
	struct elf_image elf;
	struct guest_mem mem;
	u8 opt;

	if (size < 1)
		return 0;
	log_level = LOG_ERR;
	if (!ram) {
		ram = mmap(NULL, RAM_MAX, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (ram == MAP_FAILED)
			__builtin_trap();
		memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
	}
	opt = data[0];
	data++;
	size--;
	if (guest_mem__layout(&mem, ram, -1, opt & 4 ? 16 * MiB : RAM_MAX))
		__builtin_trap();

	in.kernel = data;
	in.kernel_size = size;
	if (opt & 1) {
		in.initrd = initrd;
		in.initrd_size = sizeof(initrd);
	}
	in.cmdline = opt & 2 ? long_cmdline : "console=ttyS0";
	if (opt & 8) {
		in.dtb = dtb;
		in.dtb_size = sizeof(dtb);
	}
	(void)boot__detect(data, size);
	(void)boot__load(&mem, &in, &cpu);

	if (bzimage__parse(data, size, &bz, false) == 0 &&
	    (bz.payload < data || bz.payload + bz.payload_size > data + size))
		__builtin_trap();	/* the payload must lie inside the image */
	if (elf__parse(data, size, &elf, false) == 0) {
		for (unsigned int i = 0; i < elf.phnum; i++) {
			struct elf_segment seg;

			elf__segment(&elf, i, &seg);
			if (seg.type == 1 /* PT_LOAD */ &&
			    (seg.offset > size || seg.filesz > size - seg.offset))
				__builtin_trap();	/* a segment's file bytes outside the image */
		}
	}
	return 0;
}
