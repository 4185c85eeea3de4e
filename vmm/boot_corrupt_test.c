/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Corrupted images never crash the loaders: a deterministic sweep of byte
 * flips and truncations over valid ELF (PVH, ELF32, plain) and bzImage
 * images. Each load must succeed or fail with a negative errno; run under
 * ASan/UBSan this also catches reads out of the buffer.
 */
#include <errno.h>

#include "vmm/boot.h"
#include "vmm/boot_priv.h"
#include "vmm/loader_test.h"

#define RAM	(32 * MiB)

static u32 rng_state = 12345;

static u32 rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static void sweep(const u8 *orig, size_t size, unsigned int rounds)
{
	struct guest_mem mem;
	struct boot_cpu_state cpu;
	u8 *img = malloc(size);
	FILE *saved = stderr;
	unsigned int ok = 0, failed = 0;

	cr_assert_not_null(img);
	test_mem_init(&mem, RAM);
	stderr = fopen("/dev/null", "w");	/* thousands of expected error lines */
	for (unsigned int r = 0; r < rounds; r++) {
		size_t len = size;
		struct boot_input in;
		int ret;

		memcpy(img, orig, size);
		/* Mostly in the headers, where the parsers look. */
		for (unsigned int k = 1 + rng() % 4; k; k--) {
			size_t at = rng() % 4 ? rng() % MIN(size, (size_t)0x300) : rng() % size;

			img[at] = (u8)rng();
		}
		if (rng() % 8 == 0)
			len = rng() % size;
		in = (struct boot_input){ .kernel = img, .kernel_size = len, .cmdline = "x" };
		(void)boot__detect(img, len);
		ret = boot__load(&mem, &in, &cpu);
		if (ret == 0)
			ok++;
		else if (ret < 0 && ret > -4096)
			failed++;
		else
			cr_assert_fail("round %u: return value %d is neither 0 nor -errno", r, ret);
	}
	fclose(stderr);
	stderr = saved;
	cr_assert_eq(ok + failed, rounds);
	cr_assert_gt(failed, 0, "corruption was noticed at least once");
	test_mem_fini(&mem);
	free(img);
}

Test(boot_corrupt, elf_images)
{
	struct test_elf t = test_elf_pvh();
	size_t size;
	u8 *img;

	img = test_elf_build(&t, &size);
	sweep(img, size, 3000);
	free(img);

	t.is32 = true;
	img = test_elf_build(&t, &size);
	sweep(img, size, 3000);
	free(img);

	t = test_elf_pvh();
	t.pvh_note = false;
	img = test_elf_build(&t, &size);
	sweep(img, size, 3000);
	free(img);

	t = test_elf_pvh();
	t.pvh_note_in_section_only = true;
	img = test_elf_build(&t, &size);
	sweep(img, size, 3000);
	free(img);
}

Test(boot_corrupt, bzimage)
{
	/* A minimal valid bzImage: 4 setup sectors and a small kernel. */
	size_t setup = 5 * 512, size = setup + 8192;
	u8 *img = calloc(1, size);
	struct setup_header h = {
		.setup_sects = 4, .syssize = 8192 / 16, .boot_flag = 0xAA55,
		.jump = (u16)(0xeb | (BZIMAGE_HDR_OFFSET + sizeof(struct setup_header) - 0x202) << 8),
		.header = 0x53726448, .version = 0x020f, .loadflags = LOADED_HIGH,
		.initrd_addr_max = 0x7fffffff, .kernel_alignment = 2 * MiB,
		.relocatable_kernel = 1, .xloadflags = XLF_KERNEL_64, .cmdline_size = 2047,
		.pref_address = 16 * MiB, .init_size = 8 * MiB,
	};

	cr_assert_not_null(img);
	memcpy(img + BZIMAGE_HDR_OFFSET, &h, sizeof(h));
	sweep(img, size, 6000);
	free(img);
}
