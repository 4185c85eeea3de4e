/* SPDX-License-Identifier: GPL-2.0-only */
/* bzImage loader: synthesized images through the 64-bit boot protocol, and Debian's vmlinuz. */
#include <errno.h>
#include <libfdt.h>
#include <stddef.h>
#include <sys/stat.h>

#include "vmm/boot.h"
#include "vmm/boot_priv.h"
#include "vmm/e820.h"
#include "vmm/loader_test.h"

#define RAM	(256 * MiB)
#define DEBIAN_VMLINUZ	"/boot/vmlinuz-6.1.0-56-amd64"

struct bz {
	u16 version;
	u8 loadflags;
	u16 xloadflags;
	u8 setup_sects;
	u8 relocatable;
	u32 kernel_alignment;
	u64 pref_address;
	u32 init_size;
	u32 cmdline_size;
	u32 initrd_addr_max;
	size_t payload;
};

/* What a current x86-64 kernel's header looks like (values of Debian's 6.1). */
static struct bz bz_default(void)
{
	return (struct bz){
		.version = 0x020f,
		.loadflags = LOADED_HIGH,
		.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
		.setup_sects = 3,
		.relocatable = 1,
		.kernel_alignment = 2 * MiB,
		.pref_address = 16 * MiB,
		.init_size = 24 * MiB,
		.cmdline_size = 2047,
		.initrd_addr_max = 0x7fffffff,
		.payload = 64 * KiB,
	};
}

static u8 payload_byte(size_t i)
{
	return (u8)(i * 7 + 3);
}

static u8 *bz_build(const struct bz *p, size_t *size)
{
	size_t setup = ((p->setup_sects ? p->setup_sects : 4) + 1) * 512;
	struct setup_header h = { 0 };
	u8 *img;

	*size = setup + p->payload;
	img = calloc(1, *size);
	cr_assert_not_null(img);
	h.setup_sects = p->setup_sects;
	h.syssize = (u32)((p->payload + 15) / 16);
	h.boot_flag = 0xAA55;
	/* jmp short over the header: its displacement says where the header ends. */
	h.jump = (u16)(0xeb | (BZIMAGE_HDR_OFFSET + sizeof(h) - 0x202) << 8);
	h.header = 0x53726448;
	h.version = p->version;
	h.loadflags = p->loadflags;
	h.code32_start = 0x100000;
	h.initrd_addr_max = p->initrd_addr_max;
	h.kernel_alignment = p->kernel_alignment;
	h.relocatable_kernel = p->relocatable;
	h.min_alignment = 21;
	h.xloadflags = p->xloadflags;
	h.cmdline_size = p->cmdline_size;
	h.pref_address = p->pref_address;
	h.init_size = p->init_size;
	memcpy(img + BZIMAGE_HDR_OFFSET, &h, sizeof(h));
	for (size_t i = 0; i < p->payload; i++)
		img[setup + i] = payload_byte(i);
	return img;
}

static void *make_dtb(size_t *size)
{
	static u8 buf[4096];

	cr_assert_eq(fdt_create(buf, sizeof(buf)), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	cr_assert_eq(fdt_property_string(buf, "compatible", "imsvm,test"), 0);
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	*size = fdt_totalsize(buf);
	return buf;
}

Test(boot_bzimage, header_layout_matches_boot_protocol)
{
	/* The offsets boot.rst documents, from the Debian header we rely on. */
	cr_assert_eq(offsetof(struct boot_params, hdr), 0x1f1);
	cr_assert_eq(offsetof(struct boot_params, hdr) + offsetof(struct setup_header, header), 0x202);
	cr_assert_eq(offsetof(struct boot_params, hdr) + offsetof(struct setup_header, init_size), 0x260);
	cr_assert_eq(offsetof(struct boot_params, e820_table), 0x2d0);
	cr_assert_eq(sizeof(struct boot_params), 4096);
}

Test(boot_bzimage, relocatable_kernel_at_pref_address)
{
	struct bz p = bz_default();
	const char *cmdline = "console=ttyS0 root=/dev/ram";
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	struct e820_map map;
	size_t size, dtb_size;
	u8 *img = bz_build(&p, &size);
	const void *dtb = make_dtb(&dtb_size);
	u8 initrd[10000];
	struct boot_input in = {
		.kernel = img, .kernel_size = size, .cmdline = cmdline,
		.initrd = initrd, .initrd_size = sizeof(initrd), .dtb = dtb, .dtb_size = dtb_size,
	};
	const struct boot_params *bp;
	const struct setup_data *sd;
	const u8 *k;
	u64 rd;

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (u8)(i ^ 0xa5);
	test_mem_init(&mem, RAM);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_BZIMAGE);
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);

	k = gpa(&mem, 16 * MiB, p.payload);
	for (size_t i = 0; i < p.payload; i++)
		cr_assert_eq(k[i], payload_byte(i), "payload byte %zu", i);
	cr_assert_eq(cpu.mode, BOOT_CPU_LONG64);
	cr_assert_eq(cpu.rip, 16 * MiB + 0x200, "64-bit entry at load address + 0x200");
	cr_assert_eq(cpu.rsi, LAYOUT_BOOT_INFO);
	cr_assert_eq(cpu.cr3, LAYOUT_PAGE_TABLES);
	cr_assert_eq(cpu.gdt_base, LAYOUT_BOOT_GDT);

	bp = gpa(&mem, LAYOUT_BOOT_INFO, sizeof(*bp));
	cr_assert_eq(bp->hdr.header, 0x53726448, "setup header copied");
	cr_assert_eq(bp->hdr.version, 0x020f);
	cr_assert_eq(bp->hdr.init_size, p.init_size);
	cr_assert_eq(bp->hdr.type_of_loader, 0xff);
	cr_assert_eq(bp->hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	cr_assert_eq(bp->hdr.heap_end_ptr, 0xfe00);
	cr_assert_eq(bp->hdr.code32_start, 16 * MiB);
	cr_assert_eq(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	cr_assert_eq(bp->ext_cmd_line_ptr, 0);
	cr_assert_str_eq((const char *)gpa(&mem, LAYOUT_CMDLINE, strlen(cmdline) + 1), cmdline);
	cr_assert_eq(bp->sentinel, 0, "only the setup header is copied");

	/* initrd: page aligned, as high as it fits in low RAM, above the kernel. */
	rd = bp->hdr.ramdisk_image;
	cr_assert_eq(bp->hdr.ramdisk_size, sizeof(initrd));
	cr_assert(IS_ALIGNED(rd, 4096));
	cr_assert_leq(rd + sizeof(initrd), RAM);
	cr_assert_gt(rd + sizeof(initrd) + 4096, RAM, "as high as possible");
	cr_assert_geq(rd, 16 * MiB + p.init_size, "above the kernel's init_size");
	cr_assert_eq(memcmp(gpa(&mem, rd, sizeof(initrd)), initrd, sizeof(initrd)), 0);

	/* e820: the table vmm/e820 builds, unchanged. */
	cr_assert_eq(e820__build(&mem, &map), 0);
	cr_assert_eq(bp->e820_entries, map.nr);
	for (unsigned int i = 0; i < map.nr; i++) {
		cr_assert_eq(bp->e820_table[i].addr, map.entries[i].addr);
		cr_assert_eq(bp->e820_table[i].size, map.entries[i].size);
		cr_assert_eq(bp->e820_table[i].type, map.entries[i].type);
	}

	/* setup_data chain: one SETUP_DTB node carrying the blob. */
	cr_assert_eq(bp->hdr.setup_data, LAYOUT_DTB);
	sd = gpa(&mem, LAYOUT_DTB, sizeof(*sd) + dtb_size);
	cr_assert_eq(sd->next, 0);
	cr_assert_eq(sd->type, SETUP_DTB);
	cr_assert_eq(sd->len, dtb_size);
	cr_assert_eq(memcmp(sd->data, dtb, dtb_size), 0);
	cr_assert_eq(fdt_check_header(sd->data), 0);
	test_mem_fini(&mem);
	free(img);
}

Test(boot_bzimage, placement_rules)
{
	struct bz p = bz_default();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img;
	struct boot_input in = { 0 };
	const struct boot_params *bp;

	test_mem_init(&mem, RAM);
	bp = gpa(&mem, LAYOUT_BOOT_INFO, sizeof(*bp));

	/* pref_address below 1 MiB: 1 MiB aligned up to kernel_alignment. */
	p.pref_address = 0x10000;
	img = bz_build(&p, &size);
	in = (struct boot_input){ .kernel = img, .kernel_size = size };
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_eq(cpu.rip, 2 * MiB + 0x200);
	cr_assert_eq(bp->hdr.ramdisk_image, 0, "no initrd");
	cr_assert_eq(bp->hdr.setup_data, 0, "no DTB");
	cr_assert_eq(*(const char *)gpa(&mem, LAYOUT_CMDLINE, 1), 0, "empty command line");
	free(img);

	/* Unaligned preference: aligned up. */
	p.pref_address = 17 * MiB + 4096;
	img = bz_build(&p, &size);
	in = (struct boot_input){ .kernel = img, .kernel_size = size };
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_eq(cpu.rip, 18 * MiB + 0x200);
	free(img);

	/* Not relocatable: at 1 MiB; it decompresses itself to pref_address. */
	p.relocatable = 0;
	p.pref_address = 16 * MiB;
	img = bz_build(&p, &size);
	in = (struct boot_input){ .kernel = img, .kernel_size = size };
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_eq(cpu.rip, 1 * MiB + 0x200);
	cr_assert_eq(*(const u8 *)gpa(&mem, 1 * MiB, 1), payload_byte(0));
	free(img);

	/* initrd_addr_max caps the initrd below the end of RAM. */
	p = bz_default();
	p.initrd_addr_max = 64 * MiB - 1;
	img = bz_build(&p, &size);
	{
		static u8 rd[8192];

		in = (struct boot_input){ .kernel = img, .kernel_size = size,
					  .initrd = rd, .initrd_size = sizeof(rd) };
		cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
		cr_assert_eq(bp->hdr.ramdisk_image, 64 * MiB - sizeof(rd));
	}
	free(img);
	test_mem_fini(&mem);
}

static void expect_fail(const struct bz *p, size_t cut, const struct boot_input *extra,
			u64 ram, int err, const char *needle)
{
	struct guest_mem mem;
	size_t size;
	u8 *img = bz_build(p, &size);
	struct boot_input in = { 0 };

	if (extra)
		in = *extra;
	in.kernel = img;
	in.kernel_size = cut ? cut : size;
	test_mem_init(&mem, ram);
	expect_boot_fails(&mem, &in, err, needle);
	test_mem_fini(&mem);
	free(img);
}

Test(boot_bzimage, wrong_magic_and_zero_length)
{
	struct bz p = bz_default();
	struct guest_mem mem;
	size_t size;
	u8 *img = bz_build(&p, &size);
	struct boot_input in = { .kernel = img, .kernel_size = size };

	test_mem_init(&mem, RAM);
	img[0x1fe] = 0;		/* boot_flag */
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_UNKNOWN);
	expect_boot_fails(&mem, &in, -ENOEXEC, "wrong magic");

	img[0x1fe] = 0x55;
	img[0x203] = 'X';	/* "HXrS": not recognised as a bzImage at all */
	expect_boot_fails(&mem, &in, -ENOEXEC, "HdrS");

	in.kernel_size = 0;
	expect_boot_fails(&mem, &in, -EINVAL, "empty");
	test_mem_fini(&mem);
	free(img);
}

Test(boot_bzimage, protocol_too_old)
{
	struct bz p = bz_default();

	p.version = 0x020b;
	expect_fail(&p, 0, NULL, RAM, -ENOEXEC, "2.11 is too old");
}

Test(boot_bzimage, no_64bit_entry)
{
	struct bz p = bz_default();

	p.xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	expect_fail(&p, 0, NULL, RAM, -ENOEXEC, "XLF_KERNEL_64");
}

Test(boot_bzimage, not_loaded_high)
{
	struct bz p = bz_default();

	p.loadflags = 0;
	expect_fail(&p, 0, NULL, RAM, -ENOEXEC, "zImage");
}

Test(boot_bzimage, corrupt_alignment_and_init_size)
{
	struct bz p = bz_default();

	p.kernel_alignment = 3 * MiB;
	expect_fail(&p, 0, NULL, RAM, -ENOEXEC, "power of two");
	p = bz_default();
	p.init_size = 0;
	expect_fail(&p, 0, NULL, RAM, -ENOEXEC, "init_size");
}

Test(boot_bzimage, truncated_images)
{
	struct bz p = bz_default();
	size_t setup = (p.setup_sects + 1) * 512;

	expect_fail(&p, 0x220, NULL, RAM, -ENOEXEC, "truncated");	/* header cut */
	expect_fail(&p, setup - 100, NULL, RAM, -ENOEXEC, "truncated");	/* setup cut */
	expect_fail(&p, setup + p.payload / 2, NULL, RAM, -ENOEXEC, "truncated"); /* kernel cut */
	expect_fail(&p, 0x100, NULL, RAM, -ENOEXEC, "neither a bzImage");	/* no header at all */
}

Test(boot_bzimage, corrupt_header_length)
{
	struct bz p = bz_default();
	struct guest_mem mem;
	size_t size;
	u8 *img = bz_build(&p, &size);
	struct boot_input in = { .kernel = img, .kernel_size = size };

	img[0x201] = 0x20;	/* header would end at 0x222, before init_size */
	test_mem_init(&mem, RAM);
	expect_boot_fails(&mem, &in, -ENOEXEC, "corrupt setup header");
	test_mem_fini(&mem);
	free(img);
}

Test(boot_bzimage, kernel_larger_than_memory)
{
	struct bz p = bz_default();

	p.init_size = 300 * MiB;
	expect_fail(&p, 0, NULL, RAM, -E2BIG, "kernel does not fit");
	p = bz_default();
	expect_fail(&p, 0, NULL, 16 * MiB, -E2BIG, "kernel does not fit");
	p.relocatable = 0;
	expect_fail(&p, 0, NULL, 32 * MiB, -E2BIG, "kernel does not fit");
}

Test(boot_bzimage, relocatable_kernel_moves_down_when_pref_does_not_fit)
{
	struct bz p = bz_default();	/* prefers 16 MiB, needs 24 MiB from there */
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img;
	struct boot_input in;

	test_mem_init(&mem, 32 * MiB);
	img = bz_build(&p, &size);
	in = (struct boot_input){ .kernel = img, .kernel_size = size };
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_eq(cpu.rip, 2 * MiB + 0x200, "1 MiB aligned up to 2 MiB");
	free(img);

	/* A preference so high that aligning it wraps around. */
	p.pref_address = ~0ULL - 4096;
	img = bz_build(&p, &size);
	in = (struct boot_input){ .kernel = img, .kernel_size = size };
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_eq(cpu.rip, 2 * MiB + 0x200);
	free(img);
	test_mem_fini(&mem);
}

Test(boot_bzimage, fixed_kernel_running_over_boot_structures)
{
	struct bz p = bz_default();

	p.relocatable = 0;
	p.pref_address = 0x10000;
	expect_fail(&p, 0, NULL, RAM, -EINVAL, "boot structures");
}

Test(boot_bzimage, initrd_larger_than_memory)
{
	struct bz p = bz_default();
	u64 big = 240 * MiB;
	u8 *rd = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct boot_input in = { .initrd = rd, .initrd_size = big };

	cr_assert(rd != MAP_FAILED);
	expect_fail(&p, 0, &in, RAM, -E2BIG, "initrd");
	in.initrd_size = 0;
	expect_fail(&p, 0, &in, RAM, -EINVAL, "initrd is empty");
	munmap(rd, big);
}

Test(boot_bzimage, cmdline_longer_than_cmdline_size)
{
	struct bz p = bz_default();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img;
	struct boot_input in = { .cmdline = "0123456789abcdef" };	/* 16 characters */

	p.cmdline_size = 15;
	expect_fail(&p, 0, &in, RAM, -E2BIG, "cmdline_size");

	p.cmdline_size = 16;	/* the limit excludes the NUL: 16 fits */
	img = bz_build(&p, &size);
	in.kernel = img;
	in.kernel_size = size;
	test_mem_init(&mem, RAM);
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	cr_assert_str_eq((const char *)gpa(&mem, LAYOUT_CMDLINE, 17), in.cmdline);
	test_mem_fini(&mem);
	free(img);
}

Test(boot_bzimage, bad_or_oversized_dtb)
{
	struct bz p = bz_default();
	static u8 junk[64] = { 1, 2, 3 };
	static u8 big[LAYOUT_DTB_MAX];
	struct boot_input in = { .dtb = junk, .dtb_size = sizeof(junk) };

	expect_fail(&p, 0, &in, RAM, -EINVAL, "device tree blob is not valid");

	/* A valid blob that fills the whole slot leaves no room for setup_data's header. */
	cr_assert_eq(fdt_create_empty_tree(big, sizeof(big)), 0);
	cr_assert_eq(fdt_setprop_placeholder(big, 0, "pad", sizeof(big) - 200, &(void *){ 0 }), 0);
	in = (struct boot_input){ .dtb = big, .dtb_size = fdt_totalsize(big) };
	expect_fail(&p, 0, &in, RAM, -E2BIG, "slot");
}

Test(boot_bzimage, debian_vmlinuz_passes_the_loader)
{
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	struct stat st;
	u8 *img;
	FILE *f = fopen(DEBIAN_VMLINUZ, "rb");
	const struct boot_params *bp;

	if (!f || fstat(fileno(f), &st)) {
		if (f)
			fclose(f);
		cr_skip_test("SKIPPED: %s not readable (linux-image-amd64 not installed)", DEBIAN_VMLINUZ);
	}
	img = malloc(st.st_size);
	cr_assert_not_null(img);
	cr_assert_eq(fread(img, 1, st.st_size, f), (size_t)st.st_size);
	fclose(f);

	struct boot_input in = { .kernel = img, .kernel_size = st.st_size, .cmdline = "console=ttyS0" };

	test_mem_init(&mem, RAM);
	cr_assert_eq(boot__detect(img, st.st_size), KERNEL_FORMAT_BZIMAGE);
	cr_assert_eq(boot__load(&mem, &in, &cpu), 0);
	bp = gpa(&mem, LAYOUT_BOOT_INFO, sizeof(*bp));
	cr_assert_geq(bp->hdr.version, 0x020c);
	cr_assert(bp->hdr.xloadflags & XLF_KERNEL_64);
	/* Debian's kernel is relocatable and prefers 16 MiB. */
	cr_assert_eq(cpu.rip, bp->hdr.pref_address + 0x200);
	cr_assert_eq(bp->hdr.code32_start, bp->hdr.pref_address);
	test_mem_fini(&mem);
	free(img);
}
