/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the loader, e820, MP table and device-tree unit tests (only
 * *_test.c include this): guest RAM over an anonymous mapping, capture of
 * the log, and an in-memory ELF image builder.
 */
#ifndef VMM_LOADER_TEST_H
#define VMM_LOADER_TEST_H

#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/boot.h"
#include "vmm/guest_mem.h"
#include "vmm/pvh.h"

/* RAM is mapped lazily: only the pages a test touches cost anything. */
static inline void test_mem_init(struct guest_mem *mem, u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	cr_assert(p != MAP_FAILED, "mmap of %llu bytes", (unsigned long long)size);
	cr_assert_eq(guest_mem__layout(mem, p, -1, size), 0);
}

static inline void test_mem_fini(struct guest_mem *mem)
{
	munmap(mem->host, mem->ram_size);
}

static inline void *gpa(const struct guest_mem *mem, u64 addr, u64 len)
{
	void *p = guest_mem__ptr(mem, addr, len);

	cr_assert_not_null(p, "0x%llx+0x%llx is guest RAM", (unsigned long long)addr,
			   (unsigned long long)len);
	return p;
}

/* The log goes to stderr: capture it to check "one line naming the problem". */
struct errlog {
	FILE *saved;
	char *buf;
	size_t len;
};

static inline void errlog_begin(struct errlog *e)
{
	e->buf = NULL;
	e->len = 0;
	e->saved = stderr;
	stderr = open_memstream(&e->buf, &e->len);
	cr_assert_not_null(stderr);
}

/* Stop capturing; assert exactly one line was logged and it contains @needle. */
static inline void errlog_expect_one(struct errlog *e, const char *needle)
{
	unsigned int lines = 0;

	fclose(stderr);
	stderr = e->saved;
	for (size_t i = 0; i < e->len; i++)
		lines += e->buf[i] == '\n';
	cr_expect_eq(lines, 1, "one log line, got %u: %s", lines, e->buf);
	cr_expect_not_null(strstr(e->buf, needle), "log names \"%s\": %s", needle, e->buf);
	free(e->buf);
}

/* boot__load() of @in fails with @err and logs one line naming @needle. */
static inline void expect_boot_fails(const struct guest_mem *mem, const struct boot_input *in,
				     int err, const char *needle)
{
	struct boot_cpu_state cpu;
	struct errlog log;
	int ret;

	errlog_begin(&log);
	ret = boot__load(mem, in, &cpu);
	errlog_expect_one(&log, needle);
	cr_expect_eq(ret, err, "got %d want %d (%s)", ret, err, needle);
}

static inline void errlog_expect_none(struct errlog *e)
{
	fclose(stderr);
	stderr = e->saved;
	cr_expect_eq(e->len, 0, "no log expected: %s", e->buf);
	free(e->buf);
}

/* ---- ELF images ---------------------------------------------------------- */

struct test_seg {
	u64 vaddr, paddr;
	u64 filesz, memsz;
	u8 fill;		/* file bytes are fill, fill+1, ... */
};

struct test_elf {
	bool is32;
	u64 entry;			/* e_entry */
	unsigned int nr_segs;
	struct test_seg segs[4];
	bool pvh_note;			/* PVH note in a PT_NOTE segment */
	bool pvh_note_in_section_only;	/* ... in an SHT_NOTE section, no PT_NOTE */
	u32 pvh_descsz;			/* 4 or 8; 0 means 4 */
	u64 pvh_entry;
};

#define TEST_NOTE_SIZE	(12 + 4 + 8)	/* header, "Xen\0", up to 8 bytes of value */

/*
 * Layout: ELF header, program headers, one note, segment data, one section
 * header table (null section + the note section) at the end.
 */
static inline u8 *test_elf_build(const struct test_elf *t, size_t *size_out)
{
	bool e64 = !t->is32;
	size_t ehsz = e64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = e64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t shsz = e64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	bool ph_note = t->pvh_note && !t->pvh_note_in_section_only;
	unsigned int nph = t->nr_segs + (ph_note ? 1 : 0);
	u32 descsz = t->pvh_descsz ? t->pvh_descsz : 4;
	size_t note_off = ehsz + nph * phsz, data_off = note_off + TEST_NOTE_SIZE, off, shoff, size;
	u8 *img;

	off = data_off;
	for (unsigned int i = 0; i < t->nr_segs; i++)
		off += t->segs[i].filesz;
	shoff = ALIGN_UP(off, 8);
	size = shoff + 2 * shsz;
	img = calloc(1, size);
	cr_assert_not_null(img);

	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = e64 ? ELFCLASS64 : ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	if (e64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

		eh->e_type = ET_EXEC;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_entry = t->entry;
		eh->e_phoff = ehsz;
		eh->e_shoff = t->pvh_note_in_section_only ? shoff : 0;
		eh->e_ehsize = (u16)ehsz;
		eh->e_phentsize = (u16)phsz;
		eh->e_phnum = (u16)nph;
		eh->e_shentsize = (u16)shsz;
		eh->e_shnum = t->pvh_note_in_section_only ? 2 : 0;
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)img;

		eh->e_type = ET_EXEC;
		eh->e_machine = EM_386;
		eh->e_version = EV_CURRENT;
		eh->e_entry = (u32)t->entry;
		eh->e_phoff = (u32)ehsz;
		eh->e_shoff = t->pvh_note_in_section_only ? (u32)shoff : 0;
		eh->e_ehsize = (u16)ehsz;
		eh->e_phentsize = (u16)phsz;
		eh->e_phnum = (u16)nph;
		eh->e_shentsize = (u16)shsz;
		eh->e_shnum = t->pvh_note_in_section_only ? 2 : 0;
	}

	/* The note: namesz 4, descsz, type, "Xen\0", value. */
	if (t->pvh_note) {
		u32 hdr[3] = { 4, descsz, XEN_ELFNOTE_PHYS32_ENTRY };

		memcpy(img + note_off, hdr, sizeof(hdr));
		memcpy(img + note_off + 12, "Xen", 4);
		memcpy(img + note_off + 16, &t->pvh_entry, descsz);
	}

	off = data_off;
	for (unsigned int i = 0; i < nph; i++) {
		bool note = ph_note && i == t->nr_segs;
		const struct test_seg *s = note ? NULL : &t->segs[i];
		u32 type = note ? PT_NOTE : PT_LOAD;
		u64 o = note ? note_off : off, fsz = note ? 16 + ALIGN_UP(descsz, 4) : s->filesz;
		u64 msz = note ? fsz : s->memsz, va = note ? 0 : s->vaddr, pa = note ? 0 : s->paddr;

		if (!note) {
			for (u64 j = 0; j < s->filesz; j++)
				img[off + j] = (u8)(s->fill + j);
			off += s->filesz;
		}
		if (e64) {
			Elf64_Phdr *ph = (Elf64_Phdr *)(img + ehsz) + i;

			*ph = (Elf64_Phdr){ .p_type = type, .p_offset = o, .p_vaddr = va, .p_paddr = pa,
					    .p_filesz = fsz, .p_memsz = msz, .p_align = 4 };
		} else {
			Elf32_Phdr *ph = (Elf32_Phdr *)(img + ehsz) + i;

			*ph = (Elf32_Phdr){ .p_type = type, .p_offset = (u32)o, .p_vaddr = (u32)va,
					    .p_paddr = (u32)pa, .p_filesz = (u32)fsz,
					    .p_memsz = (u32)msz, .p_align = 4 };
		}
	}

	if (t->pvh_note_in_section_only) {
		if (e64) {
			Elf64_Shdr *sh = (Elf64_Shdr *)(img + shoff);

			sh[1] = (Elf64_Shdr){ .sh_type = SHT_NOTE, .sh_offset = note_off,
					      .sh_size = 16 + ALIGN_UP(descsz, 4), .sh_addralign = 4 };
		} else {
			Elf32_Shdr *sh = (Elf32_Shdr *)(img + shoff);

			sh[1] = (Elf32_Shdr){ .sh_type = SHT_NOTE, .sh_offset = (u32)note_off,
					      .sh_size = 16 + ALIGN_UP(descsz, 4), .sh_addralign = 4 };
		}
	}
	*size_out = size;
	return img;
}

/* A typical PVH test kernel: text at 1 MiB, data+bss at 2 MiB, entry in text. */
static inline struct test_elf test_elf_pvh(void)
{
	return (struct test_elf){
		.entry = 0x100040,
		.nr_segs = 2,
		.segs = {
			{ .vaddr = 0x100000, .paddr = 0x100000, .filesz = 0x300, .memsz = 0x300, .fill = 0x11 },
			{ .vaddr = 0x200000, .paddr = 0x200000, .filesz = 0x80, .memsz = 0x3000, .fill = 0x77 },
		},
		.pvh_note = true,
		.pvh_entry = 0x100010,
	};
}

#endif /* VMM_LOADER_TEST_H */
