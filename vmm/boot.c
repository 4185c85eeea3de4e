/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot loader front: recognise the kernel format, check what every format
 * shares (empty files, the DTB) and hand over to the format's loader. The
 * placement helpers for the command line and the initrd live here too.
 */
#include <errno.h>
#include <elf.h>
#include <string.h>
#include <libfdt.h>

#include "vmm/boot_priv.h"

static bool is_elf(const u8 *k, size_t size)
{
	return size >= SELFMAG && !memcmp(k, ELFMAG, SELFMAG);
}

enum kernel_format boot__detect(const u8 *kernel, size_t size)
{
	struct bzimage_info bz;
	struct elf_image elf;

	if (!kernel || !size)
		return KERNEL_FORMAT_UNKNOWN;
	if (is_elf(kernel, size)) {
		if (elf__parse(kernel, size, &elf, false))
			return KERNEL_FORMAT_UNKNOWN;
		if (elf.has_pvh_entry)
			return KERNEL_FORMAT_ELF_PVH;
		return elf.is64 ? KERNEL_FORMAT_ELF64 : KERNEL_FORMAT_UNKNOWN;
	}
	if (!bzimage__parse(kernel, size, &bz, false))
		return KERNEL_FORMAT_BZIMAGE;
	return KERNEL_FORMAT_UNKNOWN;
}

const char *boot__format_name(enum kernel_format fmt)
{
	switch (fmt) {
	case KERNEL_FORMAT_BZIMAGE:
		return "bzImage";
	case KERNEL_FORMAT_ELF_PVH:
		return "PVH ELF";
	case KERNEL_FORMAT_ELF64:
		return "ELF64";
	case KERNEL_FORMAT_UNKNOWN:
		break;
	}
	return "unknown";
}

/* bzImage magic at the offsets the boot protocol fixes, before any check. */
static bool looks_like_bzimage(const u8 *k, size_t size)
{
	return size >= 0x206 && !memcmp(k + 0x202, "HdrS", 4);
}

static int check_dtb(const struct boot_input *in)
{
	if (!in->dtb)
		return 0;
	if (in->dtb_size < sizeof(struct fdt_header) || fdt_check_header(in->dtb) ||
	    fdt_totalsize(in->dtb) > in->dtb_size) {
		pr_err("boot: the device tree blob is not valid (%zu bytes)", in->dtb_size);
		return -EINVAL;
	}
	return 0;
}

int boot__load(const struct guest_mem *mem, const struct boot_input *in,
	       struct boot_cpu_state *cpu)
{
	int ret;

	if (!in->kernel || in->kernel_size == 0) {
		pr_err("boot: the kernel image is empty");
		return -EINVAL;
	}
	if (in->initrd && in->initrd_size == 0) {
		pr_err("boot: the initrd is empty");
		return -EINVAL;
	}
	ret = check_dtb(in);
	if (ret)
		return ret;

	memset(cpu, 0, sizeof(*cpu));
	if (is_elf(in->kernel, in->kernel_size))
		return elf__load(mem, in, cpu);
	if (looks_like_bzimage(in->kernel, in->kernel_size))
		return bzimage__load(mem, in, cpu);
	pr_err("boot: kernel image is neither a bzImage (no \"HdrS\" at 0x202) nor ELF (%zu bytes)",
	       in->kernel_size);
	return -ENOEXEC;
}

int boot__write_cmdline(const struct guest_mem *mem, const char *cmdline, size_t max_len,
			const char *limit_name)
{
	size_t len = cmdline ? strlen(cmdline) : 0;

	max_len = MIN(max_len, LAYOUT_CMDLINE_MAX - 1);
	if (len > max_len) {
		pr_err("boot: command line is %zu bytes, longer than %s (%zu)",
		       len, limit_name, max_len);
		return -E2BIG;
	}
	if (guest_mem__write(mem, LAYOUT_CMDLINE, cmdline ? cmdline : "", len) ||
	    guest_mem__write(mem, LAYOUT_CMDLINE + len, "", 1)) {
		pr_err("boot: command line area 0x%llx is not guest RAM", LAYOUT_CMDLINE);
		return -EFAULT;
	}
	return 0;
}

int boot__place_initrd(const struct guest_mem *mem, const struct boot_input *in,
		       u64 floor, u64 ceiling, u64 *gpa)
{
	u64 size = in->initrd_size, addr;

	*gpa = 0;
	if (!in->initrd)
		return 0;
	floor = ALIGN_UP(floor, 4096);
	ceiling = MIN(ceiling, guest_mem__low_end(mem));
	if (ceiling < floor || size > ceiling - floor) {
		pr_err("boot: initrd of %llu KiB does not fit in guest RAM between 0x%llx and 0x%llx",
		       (unsigned long long)(size / KiB), (unsigned long long)floor,
		       (unsigned long long)ceiling);
		return -E2BIG;
	}
	addr = ALIGN_DOWN(ceiling - size, 4096);
	if (guest_mem__write(mem, addr, in->initrd, size))
		return -EFAULT;	/* cannot happen: [floor, ceiling) is low RAM */
	*gpa = addr;
	return 0;
}
