/* SPDX-License-Identifier: GPL-2.0-only */
/* hvm_start_info: memory map, command line, modules (initrd, then the DTB). */
#include <errno.h>
#include <libfdt.h>

#include "vmm/boot.h"
#include "vmm/boot_priv.h"
#include "vmm/e820.h"
#include "vmm/loader_test.h"

#define RAM	(128 * MiB)

static const void *small_dtb(size_t *size)
{
	static u8 buf[2048];

	cr_assert_eq(fdt_create_empty_tree(buf, sizeof(buf)), 0);
	cr_assert_eq(fdt_setprop_string(buf, 0, "compatible", "imsvm,virt"), 0);
	cr_assert_eq(fdt_pack(buf), 0);
	*size = fdt_totalsize(buf);
	return buf;
}

struct pvh_run {
	struct guest_mem mem;
	struct boot_cpu_state cpu;
	const struct hvm_start_info *si;
	const struct hvm_modlist_entry *mods;
	u8 *img;
};

static void run(struct pvh_run *r, struct boot_input *in)
{
	size_t size;
	struct test_elf t = test_elf_pvh();

	r->img = test_elf_build(&t, &size);
	in->kernel = r->img;
	in->kernel_size = size;
	test_mem_init(&r->mem, RAM);
	cr_assert_eq(boot__load(&r->mem, in, &r->cpu), 0);
	r->si = gpa(&r->mem, LAYOUT_BOOT_INFO, sizeof(*r->si));
	r->mods = r->si->nr_modules ?
		  gpa(&r->mem, r->si->modlist_paddr, r->si->nr_modules * sizeof(*r->mods)) : NULL;
}

static void fini(struct pvh_run *r)
{
	test_mem_fini(&r->mem);
	free(r->img);
}

static const char *str_at(const struct guest_mem *mem, u64 addr)
{
	const char *s = gpa(mem, addr, 1);

	cr_assert_not_null(memchr(s, 0, guest_mem__low_end(mem) - addr), "NUL-terminated");
	return s;
}

Test(boot_pvh, start_info_header_and_memmap)
{
	struct boot_input in = { .cmdline = "expect.cpus=2 quiet" };
	const struct hvm_memmap_table_entry *mm;
	struct e820_map map;
	struct pvh_run r;

	run(&r, &in);
	cr_assert_eq(r.si->magic, XEN_HVM_START_MAGIC_VALUE);
	cr_assert_eq(r.si->version, 1);
	cr_assert_eq(r.si->flags, 0);
	cr_assert_eq(r.si->rsdp_paddr, 0, "no ACPI");
	cr_assert_eq(r.si->nr_modules, 0, "no initrd, no DTB: no modules");
	cr_assert_eq(r.si->modlist_paddr, 0);
	cr_assert_str_eq(str_at(&r.mem, r.si->cmdline_paddr), "expect.cpus=2 quiet");

	cr_assert_eq(e820__build(&r.mem, &map), 0);
	cr_assert_eq(r.si->memmap_entries, map.nr);
	mm = gpa(&r.mem, r.si->memmap_paddr, map.nr * sizeof(*mm));
	for (unsigned int i = 0; i < map.nr; i++) {
		cr_assert_eq(mm[i].addr, map.entries[i].addr);
		cr_assert_eq(mm[i].size, map.entries[i].size);
		cr_assert_eq(mm[i].type, map.entries[i].type);
		cr_assert_eq(mm[i].reserved, 0);
	}
	/* The tables must not overlap each other or the kernel. */
	cr_assert_leq(LAYOUT_BOOT_INFO + sizeof(*r.si), r.si->memmap_paddr);
	cr_assert_lt(r.si->memmap_paddr, LAYOUT_KERNEL_DEFAULT);
	fini(&r);
}

Test(boot_pvh, initrd_is_module_0_and_dtb_module_1)
{
	static u8 rd[20000];
	size_t dtb_size;
	const void *dtb = small_dtb(&dtb_size);
	struct boot_input in = { .initrd = rd, .initrd_size = sizeof(rd),
				 .dtb = dtb, .dtb_size = dtb_size };
	struct pvh_run r;

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (u8)(i * 13);
	run(&r, &in);
	cr_assert_eq(r.si->nr_modules, 2);
	cr_assert(IS_ALIGNED(r.mods[0].paddr, 4096));
	cr_assert_eq(r.mods[0].size, sizeof(rd));
	cr_assert_eq(r.mods[0].cmdline_paddr, 0);
	cr_assert_geq(r.mods[0].paddr, 0x203000, "above the kernel's last segment");
	cr_assert_gt(r.mods[0].paddr + sizeof(rd) + 4096, RAM, "as high as possible");
	cr_assert_eq(memcmp(gpa(&r.mem, r.mods[0].paddr, sizeof(rd)), rd, sizeof(rd)), 0);

	cr_assert_eq(r.mods[1].paddr, LAYOUT_DTB);
	cr_assert_eq(r.mods[1].size, dtb_size);
	cr_assert_str_eq(str_at(&r.mem, r.mods[1].cmdline_paddr), "dtb");
	cr_assert_eq(memcmp(gpa(&r.mem, LAYOUT_DTB, dtb_size), dtb, dtb_size), 0);
	cr_assert_eq(fdt_check_header(gpa(&r.mem, LAYOUT_DTB, dtb_size)), 0);
	fini(&r);
}

Test(boot_pvh, dtb_without_initrd_keeps_an_empty_module_0)
{
	size_t dtb_size;
	const void *dtb = small_dtb(&dtb_size);
	struct boot_input in = { .dtb = dtb, .dtb_size = dtb_size };
	struct pvh_run r;

	run(&r, &in);
	cr_assert_eq(r.si->nr_modules, 2);
	cr_assert_eq(r.mods[0].paddr, 0, "Linux reads address 0 size 0 as no initrd");
	cr_assert_eq(r.mods[0].size, 0);
	cr_assert_str_eq(str_at(&r.mem, r.mods[1].cmdline_paddr), "dtb");
	fini(&r);
}

Test(boot_pvh, initrd_only)
{
	static u8 rd[100];
	struct boot_input in = { .initrd = rd, .initrd_size = sizeof(rd) };
	struct pvh_run r;

	run(&r, &in);
	cr_assert_eq(r.si->nr_modules, 1);
	cr_assert_eq(r.mods[0].size, sizeof(rd));
	cr_assert_eq(*str_at(&r.mem, r.si->cmdline_paddr), 0, "empty command line");
	fini(&r);
}

Test(boot_pvh, oversized_dtb_and_initrd_refused)
{
	static u8 big[LAYOUT_DTB_MAX + 4096];
	struct guest_mem mem;
	size_t size;
	struct test_elf t = test_elf_pvh();
	u8 *img = test_elf_build(&t, &size);
	struct boot_input in = { .kernel = img, .kernel_size = size };
	u8 *rd;

	cr_assert_eq(fdt_create_empty_tree(big, sizeof(big)), 0);
	cr_assert_eq(fdt_setprop_placeholder(big, 0, "pad", LAYOUT_DTB_MAX, &(void *){ 0 }), 0);
	in.dtb = big;
	in.dtb_size = fdt_totalsize(big);
	test_mem_init(&mem, RAM);
	expect_boot_fails(&mem, &in, -E2BIG, "slot");

	in.dtb = NULL;
	in.dtb_size = 0;
	rd = mmap(NULL, RAM, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert(rd != MAP_FAILED);
	in.initrd = rd;
	in.initrd_size = RAM - 2 * MiB;	/* the kernel ends above 2 MiB */
	expect_boot_fails(&mem, &in, -E2BIG, "initrd");
	munmap(rd, RAM);
	test_mem_fini(&mem);
	free(img);
}
