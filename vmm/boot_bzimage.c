/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux bzImage through the 64-bit boot protocol (Documentation/arch/x86/
 * boot.rst): the protected-mode kernel is copied to its load address,
 * boot_params (the "zero page") is built from the image's setup header, and
 * the boot vCPU enters at load address + 0x200 in long mode with RSI
 * pointing at boot_params.
 *
 * Why protocol 2.12 at least: the 64-bit entry exists only in kernels built
 * for x86-64, and the one way a loader can tell is xloadflags.XLF_KERNEL_64,
 * added in 2.12 (Linux 3.8). 2.12 also guarantees every field used here
 * (cmdline_size 2.06, relocatable_kernel/kernel_alignment 2.05, setup_data
 * 2.09, pref_address/init_size 2.10).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vmm/boot_priv.h"
#include "vmm/e820.h"

#define BOOT_FLAG_MAGIC		0xAA55
#define HDR_MAGIC		0x53726448	/* "HdrS" */
/* Fields this loader reads end with init_size (boot.rst, offset 0x260). */
#define HDR_NEEDED_END		(0x260 + 4)
/* Offset from the real-mode code of the end of its stack/heap, minus 0x200. */
#define HEAP_END_PTR		0xfe00

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

int bzimage__parse(const u8 *img, size_t size, struct bzimage_info *info, bool verbose)
{
	struct setup_header *h = &info->hdr;
	size_t hdr_end, sects;

	memset(info, 0, sizeof(*info));
	if (size < HDR_NEEDED_END) {
		boot_parse_err(verbose, "bzImage: truncated: %zu bytes, the setup header alone needs %d",
			       size, HDR_NEEDED_END);
		return -ENOEXEC;
	}
	/* The header ends at 0x202 + the byte at 0x201 (the jump's displacement). */
	hdr_end = 0x202 + (size_t)img[0x201];
	info->hdr_len = MIN(MIN(hdr_end, size) - BZIMAGE_HDR_OFFSET, sizeof(*h));
	memcpy(h, img + BZIMAGE_HDR_OFFSET, info->hdr_len);

	if (h->boot_flag != BOOT_FLAG_MAGIC || h->header != HDR_MAGIC) {
		boot_parse_err(verbose, "bzImage: wrong magic (boot_flag 0x%04x, header 0x%08x; want 0xAA55, \"HdrS\")",
			       h->boot_flag, h->header);
		return -ENOEXEC;
	}
	if (h->version < BZIMAGE_MIN_VERSION) {
		boot_parse_err(verbose, "bzImage: boot protocol %u.%02u is too old: imsvm needs 2.12 or later (64-bit entry, xloadflags)",
			       h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (hdr_end < HDR_NEEDED_END || hdr_end > size) {
		boot_parse_err(verbose, "bzImage: corrupt setup header: it ends at 0x%zx (protocol 2.12 needs 0x%x, image has %zu bytes)",
			       hdr_end, HDR_NEEDED_END, size);
		return -ENOEXEC;
	}
	sects = h->setup_sects ? h->setup_sects : 4;
	info->setup_size = (sects + 1) * 512;
	if (info->setup_size >= size) {
		boot_parse_err(verbose, "bzImage: truncated: %zu bytes, the real-mode setup alone is %zu",
			       size, info->setup_size);
		return -ENOEXEC;
	}
	info->payload = img + info->setup_size;
	info->payload_size = size - info->setup_size;
	if ((u64)h->syssize * 16 > info->payload_size) {
		boot_parse_err(verbose, "bzImage: truncated: the protected-mode kernel is %zu bytes, the header says %llu",
			       info->payload_size, (unsigned long long)h->syssize * 16);
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		boot_parse_err(verbose, "bzImage: not loaded high (a zImage): unsupported");
		return -ENOEXEC;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		boot_parse_err(verbose, "bzImage: no 64-bit entry point (XLF_KERNEL_64 clear): a 32-bit kernel?");
		return -ENOEXEC;
	}
	if (h->relocatable_kernel && !is_pow2(h->kernel_alignment)) {
		boot_parse_err(verbose, "bzImage: corrupt header: kernel_alignment 0x%x is not a power of two",
			       h->kernel_alignment);
		return -ENOEXEC;
	}
	if (h->init_size == 0 || h->init_size < (u64)h->syssize * 16) {
		boot_parse_err(verbose, "bzImage: corrupt header: init_size 0x%x is smaller than the kernel (0x%llx)",
			       h->init_size, (unsigned long long)h->syssize * 16);
		return -ENOEXEC;
	}
	return 0;
}

static bool fits(const struct bzimage_info *info, u64 low_end, u64 load, u64 run)
{
	return load >= BOOT_RESERVED_END && range_within(load, info->payload_size, low_end) &&
	       range_within(run, info->hdr.init_size, low_end);
}

/*
 * Where the protected-mode kernel goes and where it will run. A relocatable
 * kernel is loaded where it prefers (pref_address aligned up to
 * kernel_alignment), or, when that is below 1 MiB or does not fit in RAM,
 * at 1 MiB aligned up. A fixed one is loaded at 1 MiB, from where its
 * decompressor moves itself to pref_address, the only place it can run.
 */
static int choose_address(const struct bzimage_info *info, u64 low_end, u64 *load, u64 *run)
{
	const struct setup_header *h = &info->hdr;
	u64 align = h->kernel_alignment;

	if (h->relocatable_kernel) {
		u64 pref = MAX(h->pref_address, LAYOUT_KERNEL_DEFAULT);

		*load = ALIGN_UP(pref, align);
		if (*load < pref || !fits(info, low_end, *load, *load))
			*load = ALIGN_UP(LAYOUT_KERNEL_DEFAULT, align);
		*run = *load;
	} else {
		*load = LAYOUT_KERNEL_DEFAULT;
		*run = h->pref_address ? h->pref_address : LAYOUT_KERNEL_DEFAULT;
		if (*run < BOOT_RESERVED_END) {
			pr_err("bzImage: a non-relocatable kernel that runs at 0x%llx would overwrite the boot structures below 1 MiB",
			       (unsigned long long)*run);
			return -EINVAL;
		}
	}
	if (!fits(info, low_end, *load, *run)) {
		pr_err("bzImage: kernel does not fit: it needs %u MiB (init_size) from 0x%llx, guest RAM below 4 GiB ends at 0x%llx",
		       h->init_size >> 20, (unsigned long long)*run, (unsigned long long)low_end);
		return -E2BIG;
	}
	return 0;
}

static int write_setup_data_dtb(const struct guest_mem *mem, const struct boot_input *in,
				struct boot_params *bp)
{
	struct setup_data sd = { .next = 0, .type = SETUP_DTB, .len = (u32)in->dtb_size };

	if (!in->dtb)
		return 0;
	if (in->dtb_size > LAYOUT_DTB_MAX - sizeof(sd)) {
		pr_err("bzImage: device tree of %zu bytes exceeds its %llu-byte slot",
		       in->dtb_size, LAYOUT_DTB_MAX - sizeof(sd));
		return -E2BIG;
	}
	if (guest_mem__write(mem, LAYOUT_DTB, &sd, sizeof(sd)) ||
	    guest_mem__write(mem, LAYOUT_DTB + sizeof(sd), in->dtb, in->dtb_size))
		return -EFAULT;
	bp->hdr.setup_data = LAYOUT_DTB;
	return 0;
}

static int fill_e820(const struct guest_mem *mem, struct boot_params *bp)
{
	struct e820_map map;
	int ret = e820__build(mem, &map);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < map.nr; i++) {
		bp->e820_table[i].addr = map.entries[i].addr;
		bp->e820_table[i].size = map.entries[i].size;
		bp->e820_table[i].type = map.entries[i].type;
	}
	bp->e820_entries = (u8)map.nr;
	return 0;
}

int bzimage__load(const struct guest_mem *mem, const struct boot_input *in,
		  struct boot_cpu_state *cpu)
{
	struct bzimage_info info;
	struct boot_params *bp;
	u64 load, run, end, low_end = guest_mem__low_end(mem), initrd;
	int ret;

	ret = bzimage__parse(in->kernel, in->kernel_size, &info, true);
	if (ret)
		return ret;
	_Static_assert(sizeof(*bp) == 4096, "boot_params is one page");
	bp = guest_mem__ptr(mem, LAYOUT_BOOT_INFO, sizeof(*bp));
	if (!bp) {
		pr_err("bzImage: boot_params at 0x%llx is not guest RAM", LAYOUT_BOOT_INFO);
		return -EFAULT;
	}

	ret = choose_address(&info, low_end, &load, &run);
	if (ret)
		return ret;
	end = MAX(load + info.payload_size, run + info.hdr.init_size);

	/* The zero page: all zero except the image's setup header and our fields. */
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, in->kernel + BZIMAGE_HDR_OFFSET, info.hdr_len);
	bp->hdr.type_of_loader = 0xff;	/* "undefined" boot loader */
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = HEAP_END_PTR;
	bp->hdr.code32_start = (u32)load;
	bp->hdr.cmd_line_ptr = (u32)LAYOUT_CMDLINE;

	ret = boot__write_cmdline(mem, in->cmdline, info.hdr.cmdline_size, "the kernel's cmdline_size");
	if (ret)
		return ret;
	/* initrd_addr_max is the highest byte the initrd may occupy. */
	ret = boot__place_initrd(mem, in, end, (u64)info.hdr.initrd_addr_max + 1, &initrd);
	if (ret)
		return ret;
	bp->hdr.ramdisk_image = (u32)initrd;
	bp->hdr.ramdisk_size = (u32)in->initrd_size;
	ret = fill_e820(mem, bp);
	if (ret)
		return ret;
	ret = write_setup_data_dtb(mem, in, bp);
	if (ret)
		return ret;

	if (guest_mem__write(mem, load, info.payload, info.payload_size))
		return -EFAULT;	/* checked above */

	ret = boot_cpu__setup(mem, BOOT_CPU_LONG64, cpu);
	if (ret)
		return ret;
	cpu->rip = load + BZIMAGE_ENTRY64_OFFSET;
	cpu->rsi = LAYOUT_BOOT_INFO;
	cpu->rsp = LAYOUT_BOOT_STACK;
	pr_debug("bzImage: protocol %u.%02u at 0x%llx, entry 0x%llx, initrd at 0x%llx",
		 info.hdr.version >> 8, info.hdr.version & 0xff, (unsigned long long)load,
		 (unsigned long long)cpu->rip, (unsigned long long)initrd);
	return 0;
}
