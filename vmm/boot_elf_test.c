/* SPDX-License-Identifier: GPL-2.0-only */
/* ELF loader: PVH (note in a segment or a section, ELF32/ELF64) and plain ELF64. */
#include <errno.h>
#include <linux/kvm.h>

#include "vmm/boot.h"
#include "vmm/boot_priv.h"
#include "vmm/loader_test.h"

#define RAM	(64 * MiB)

static void check_segments_loaded(const struct guest_mem *mem, const struct test_elf *t)
{
	for (unsigned int i = 0; i < t->nr_segs; i++) {
		const struct test_seg *s = &t->segs[i];
		const u8 *p = gpa(mem, s->paddr, s->memsz);

		for (u64 j = 0; j < s->memsz; j++) {
			u8 want = j < s->filesz ? (u8)(s->fill + j) : 0;

			cr_assert_eq(p[j], want, "segment %u byte 0x%llx", i, (unsigned long long)j);
		}
	}
}

static int load(const struct guest_mem *mem, const u8 *img, size_t size,
		struct boot_cpu_state *cpu)
{
	struct boot_input in = { .kernel = img, .kernel_size = size, .cmdline = "console=ttyS0" };

	return boot__load(mem, &in, cpu);
}

Test(boot_elf, pvh_elf64_loads_at_paddr_and_enters_32bit)
{
	struct test_elf t = test_elf_pvh();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img = test_elf_build(&t, &size);
	const struct hvm_start_info *si;

	test_mem_init(&mem, RAM);
	/* Stale bytes where .bss goes must be cleared by the loader. */
	memset(gpa(&mem, 0x200000, 0x3000), 0xee, 0x3000);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_ELF_PVH);
	cr_assert_eq(load(&mem, img, size, &cpu), 0);
	check_segments_loaded(&mem, &t);
	cr_assert_eq(cpu.mode, BOOT_CPU_PROT32);
	cr_assert_eq(cpu.rip, 0x100010);
	cr_assert_eq(cpu.rbx, LAYOUT_BOOT_INFO);
	cr_assert_eq(cpu.cr3, 0, "paging off for PVH");
	cr_assert_eq(cpu.gdt_base, LAYOUT_BOOT_GDT);
	si = gpa(&mem, LAYOUT_BOOT_INFO, sizeof(*si));
	cr_assert_eq(si->magic, XEN_HVM_START_MAGIC_VALUE);
	cr_assert_str_eq((const char *)gpa(&mem, si->cmdline_paddr, 14), "console=ttyS0");
	test_mem_fini(&mem);
	free(img);
}

Test(boot_elf, pvh_elf32_and_8_byte_note)
{
	struct test_elf t = test_elf_pvh();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img;

	test_mem_init(&mem, RAM);
	t.is32 = true;
	img = test_elf_build(&t, &size);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_ELF_PVH);
	cr_assert_eq(load(&mem, img, size, &cpu), 0);
	cr_assert_eq(cpu.rip, 0x100010);
	check_segments_loaded(&mem, &t);
	free(img);

	/* Linux's vmlinux stores the entry as a 64-bit value (_ASM_PTR). */
	t.is32 = false;
	t.pvh_descsz = 8;
	t.pvh_entry = 0x100020;
	img = test_elf_build(&t, &size);
	cr_assert_eq(load(&mem, img, size, &cpu), 0);
	cr_assert_eq(cpu.rip, 0x100020);
	free(img);
	test_mem_fini(&mem);
}

Test(boot_elf, pvh_note_found_in_section_when_no_pt_note)
{
	struct test_elf t = test_elf_pvh();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img;

	t.pvh_note_in_section_only = true;
	img = test_elf_build(&t, &size);
	test_mem_init(&mem, RAM);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_ELF_PVH);
	cr_assert_eq(load(&mem, img, size, &cpu), 0);
	cr_assert_eq(cpu.mode, BOOT_CPU_PROT32);
	cr_assert_eq(cpu.rip, 0x100010);
	test_mem_fini(&mem);
	free(img);
}

Test(boot_elf, plain_elf64_enters_long_mode_at_translated_entry)
{
	struct test_elf t = test_elf_pvh();
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	const u64 *pt;
	size_t size;
	u8 *img;

	/* Linked high, loaded low: the entry is translated through its segment. */
	t.pvh_note = false;
	t.segs[0].vaddr = 0xffffffff80100000ULL;
	t.entry = 0xffffffff80100040ULL;
	img = test_elf_build(&t, &size);
	test_mem_init(&mem, RAM);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_ELF64);
	cr_assert_eq(load(&mem, img, size, &cpu), 0);
	check_segments_loaded(&mem, &t);
	cr_assert_eq(cpu.mode, BOOT_CPU_LONG64);
	cr_assert_eq(cpu.rip, 0x100040);
	cr_assert_eq(cpu.rsi, LAYOUT_BOOT_INFO);
	cr_assert_eq(cpu.rbx, LAYOUT_BOOT_INFO);
	cr_assert_eq(cpu.rsp, LAYOUT_BOOT_STACK);
	cr_assert_eq(cpu.cr3, LAYOUT_PAGE_TABLES);
	cr_assert_eq(((const struct hvm_start_info *)gpa(&mem, LAYOUT_BOOT_INFO, 56))->magic,
		     XEN_HVM_START_MAGIC_VALUE, "start_info written for plain ELF too");

	/* PML4[0] -> PDPT, PDPT[0..3] -> PDs, PD entries map 2 MiB pages 1:1. */
	pt = gpa(&mem, LAYOUT_PAGE_TABLES, 6 * 4096);
	cr_assert_eq(pt[0], (LAYOUT_PAGE_TABLES + 0x1000) | 3);
	cr_assert_eq(pt[1], 0);
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(pt[512 + i], (LAYOUT_PAGE_TABLES + 0x2000 + i * 0x1000) | 3);
	cr_assert_eq(pt[512 + 4], 0);
	for (u64 j = 0; j < 2048; j++)
		cr_assert_eq(pt[1024 + j], (j << 21) | 0x83, "PD entry %llu", (unsigned long long)j);
	test_mem_fini(&mem);
	free(img);
}

Test(boot_elf, gdt_and_segments_match_each_mode)
{
	struct boot_cpu_state cpu = { 0 };
	struct kvm_segment cs, ds, tr, bad;
	struct guest_mem mem;
	const u64 *gdt;

	test_mem_init(&mem, RAM);
	cr_assert_eq(boot_cpu__setup(&mem, BOOT_CPU_LONG64, &cpu), 0);
	gdt = gpa(&mem, LAYOUT_BOOT_GDT, cpu.gdt_limit + 1);
	cr_assert_eq(gdt[BOOT_SEL_CODE / 8], 0x00af9b000000ffffULL, "64-bit code");
	cr_assert_eq(gdt[BOOT_SEL_DATA / 8], 0x00cf93000000ffffULL);
	cr_assert_eq(gdt[BOOT_SEL_TSS / 8], 0x00008b0000000067ULL);
	boot__segment(&cpu, BOOT_SEL_CODE, &cs);
	boot__segment(&cpu, BOOT_SEL_DATA, &ds);
	boot__segment(&cpu, BOOT_SEL_TSS, &tr);
	boot__segment(&cpu, 0, &bad);
	cr_assert(cs.l && !cs.db && cs.present && cs.s && cs.g && cs.type == 0xb);
	cr_assert_eq(cs.limit, 0xffffffff);
	cr_assert_eq(cs.selector, BOOT_SEL_CODE);
	cr_assert(!ds.l && ds.db && ds.type == 3 && ds.limit == 0xffffffff);
	cr_assert(!tr.s && tr.type == 0xb && tr.limit == 0x67 && tr.present);
	cr_assert(bad.unusable);

	cr_assert_eq(boot_cpu__setup(&mem, BOOT_CPU_PROT32, &cpu), 0);
	cr_assert_eq(gdt[BOOT_SEL_CODE / 8], 0x00cf9b000000ffffULL, "32-bit code");
	boot__segment(&cpu, BOOT_SEL_CODE, &cs);
	cr_assert(!cs.l && cs.db);
	test_mem_fini(&mem);
}

/* ---- bad input: every case returns its errno and logs one naming line ---- */

static void expect_load_fails(const u8 *img, size_t size, u64 ram, int err, const char *needle)
{
	struct boot_input in = { .kernel = img, .kernel_size = size, .cmdline = "console=ttyS0" };
	struct guest_mem mem;

	test_mem_init(&mem, ram);
	expect_boot_fails(&mem, &in, err, needle);
	test_mem_fini(&mem);
}

static u8 *pvh_image(size_t *size)
{
	struct test_elf t = test_elf_pvh();

	return test_elf_build(&t, size);
}

/* The image @t describes fails to load with @err and one line naming @needle. */
static void expect_elf_fails(const struct test_elf *t, int err, const char *needle)
{
	size_t size;
	u8 *img = test_elf_build(t, &size);

	expect_load_fails(img, size, RAM, err, needle);
	free(img);
}

Test(boot_elf, empty_file)
{
	u8 b[1] = { 0 };

	expect_load_fails(b, 0, RAM, -EINVAL, "empty");
}

Test(boot_elf, truncated_header_and_phdrs)
{
	size_t size;
	u8 *img = pvh_image(&size);

	cr_assert_eq(boot__detect(img, 40), KERNEL_FORMAT_UNKNOWN);
	expect_load_fails(img, 40, RAM, -ENOEXEC, "truncated");
	expect_load_fails(img, sizeof(Elf64_Ehdr) + 10, RAM, -ENOEXEC, "program headers");
	/* Headers intact, segment data cut off. */
	expect_load_fails(img, sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 30, RAM, -ENOEXEC,
			  "truncated");
	free(img);
}

Test(boot_elf, corrupt_headers)
{
	size_t size;
	u8 *img = pvh_image(&size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);

	eh->e_machine = EM_AARCH64;
	expect_load_fails(img, size, RAM, -ENOEXEC, "machine");
	eh->e_machine = EM_X86_64;
	eh->e_type = ET_DYN;
	expect_load_fails(img, size, RAM, -ENOEXEC, "ET_EXEC");
	eh->e_type = ET_EXEC;
	img[EI_DATA] = ELFDATA2MSB;
	expect_load_fails(img, size, RAM, -ENOEXEC, "little-endian");
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_CLASS] = 7;
	expect_load_fails(img, size, RAM, -ENOEXEC, "class");
	img[EI_CLASS] = ELFCLASS64;
	eh->e_phentsize = 12;
	expect_load_fails(img, size, RAM, -ENOEXEC, "program headers");
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 0xffff;
	expect_load_fails(img, size, RAM, -ENOEXEC, "program headers");
	eh->e_phnum = 3;
	ph[1].p_memsz = ph[1].p_filesz - 1;
	expect_load_fails(img, size, RAM, -ENOEXEC, "file size");
	ph[1].p_memsz = 0x3000;
	ph[1].p_offset = ~0ULL - 8;
	expect_load_fails(img, size, RAM, -ENOEXEC, "truncated");
	free(img);
}

Test(boot_elf, corrupt_or_missing_notes)
{
	struct test_elf t = test_elf_pvh();
	size_t size;
	u8 *img;

	t.pvh_descsz = 2;
	expect_elf_fails(&t, -ENOEXEC, "PVH entry note");

	t.pvh_descsz = 8;
	t.pvh_entry = 0x100000000ULL;
	expect_elf_fails(&t, -ENOEXEC, "32-bit address");

	/* namesz claims more bytes than the note segment holds. */
	t = test_elf_pvh();
	img = test_elf_build(&t, &size);
	((u32 *)(img + sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr)))[0] = 200;
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_UNKNOWN);
	expect_load_fails(img, size, RAM, -ENOEXEC, "note");
	free(img);

	/* ELF32 without a note cannot be entered. */
	t = test_elf_pvh();
	t.is32 = true;
	t.pvh_note = false;
	img = test_elf_build(&t, &size);
	cr_assert_eq(boot__detect(img, size), KERNEL_FORMAT_UNKNOWN);
	expect_load_fails(img, size, RAM, -ENOEXEC, "32-bit kernel without a PVH entry note");
	free(img);
}

Test(boot_elf, entry_outside_segments)
{
	struct test_elf t = test_elf_pvh();

	t.pvh_entry = 0x500000;
	expect_elf_fails(&t, -ENOEXEC, "not inside a loadable segment");

	t.pvh_note = false;
	t.entry = 0x5000;
	expect_elf_fails(&t, -ENOEXEC, "not inside a loadable segment");
}

Test(boot_elf, no_loadable_segment)
{
	struct test_elf t = test_elf_pvh();

	t.nr_segs = 0;
	expect_elf_fails(&t, -ENOEXEC, "no loadable segment");
}

Test(boot_elf, segment_over_boot_structures)
{
	struct test_elf t = test_elf_pvh();

	t.segs[1].paddr = 0x7000;	/* on boot_params / start_info */
	expect_elf_fails(&t, -EINVAL, "boot structures");
}

Test(boot_elf, segment_outside_ram_or_larger_than_ram)
{
	struct test_elf t = test_elf_pvh();

	t.segs[1].paddr = RAM - 0x1000;	/* straddles the end of RAM */
	expect_elf_fails(&t, -E2BIG, "outside guest RAM");

	t = test_elf_pvh();
	t.segs[1].memsz = 2 * RAM;	/* a .bss larger than memory */
	expect_elf_fails(&t, -E2BIG, "outside guest RAM");
}

Test(boot_elf, command_line_longer_than_its_slot)
{
	struct boot_cpu_state cpu;
	struct guest_mem mem;
	size_t size;
	u8 *img = pvh_image(&size);
	char *cmd = malloc(LAYOUT_CMDLINE_MAX + 1);
	struct boot_input in = { .kernel = img, .kernel_size = size, .cmdline = cmd };

	memset(cmd, 'a', LAYOUT_CMDLINE_MAX);
	cmd[LAYOUT_CMDLINE_MAX] = 0;
	test_mem_init(&mem, RAM);
	expect_boot_fails(&mem, &in, -E2BIG, "command line");

	cmd[LAYOUT_CMDLINE_MAX - 1] = 0;	/* exactly the slot minus its NUL: fits */
	cr_expect_eq(boot__load(&mem, &in, &cpu), 0);
	cr_expect_eq(strlen(gpa(&mem, LAYOUT_CMDLINE, LAYOUT_CMDLINE_MAX)), LAYOUT_CMDLINE_MAX - 1);
	test_mem_fini(&mem);
	free(cmd);
	free(img);
}

Test(boot_elf, unknown_format)
{
	u8 junk[4096];

	memset(junk, 0x5a, sizeof(junk));
	cr_assert_eq(boot__detect(junk, sizeof(junk)), KERNEL_FORMAT_UNKNOWN);
	cr_assert_str_eq(boot__format_name(KERNEL_FORMAT_UNKNOWN), "unknown");
	cr_assert_str_eq(boot__format_name(KERNEL_FORMAT_ELF_PVH), "PVH ELF");
	expect_load_fails(junk, sizeof(junk), RAM, -ENOEXEC, "neither a bzImage");
}
