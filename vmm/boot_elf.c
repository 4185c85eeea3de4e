/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF kernels. With a XEN_ELFNOTE_PHYS32_ENTRY note (PVH: Linux's vmlinux,
 * the guest test kernels) the segments go to their physical addresses and
 * the vCPU starts at the note's entry in 32-bit protected mode with EBX
 * pointing at hvm_start_info. A plain ELF64 without the note is entered at
 * e_entry in long mode on the identity map, with RSI (and RBX) pointing at
 * the same hvm_start_info, so it still learns the memory map, command line
 * and device tree.
 */
#include <errno.h>
#include <elf.h>
#include <string.h>

#include "vmm/boot_priv.h"
#include "vmm/pvh.h"

static u64 rd(const u8 *p, unsigned int len)
{
	u64 v = 0;

	memcpy(&v, p, len);	/* little-endian host, checked in elf__parse */
	return v;
}

/* Field of the ELF header, program or section header at @base, by class. */
#define F(img, base, type, field) \
	((img)->is64 ? rd((base) + offsetof(Elf64_##type, field), sizeof(((Elf64_##type *)0)->field)) \
		     : rd((base) + offsetof(Elf32_##type, field), sizeof(((Elf32_##type *)0)->field)))

void elf__segment(const struct elf_image *img, unsigned int i, struct elf_segment *seg)
{
	const u8 *ph = img->data + img->phoff +
		       (u64)i * (img->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr));

	seg->type = (u32)F(img, ph, Phdr, p_type);
	seg->offset = F(img, ph, Phdr, p_offset);
	seg->vaddr = F(img, ph, Phdr, p_vaddr);
	seg->paddr = F(img, ph, Phdr, p_paddr);
	seg->filesz = F(img, ph, Phdr, p_filesz);
	seg->memsz = F(img, ph, Phdr, p_memsz);
}

/* Walk the notes in [off, off + len) of the file; look for the PVH entry. */
static int scan_notes(struct elf_image *img, u64 off, u64 len, bool verbose)
{
	const u8 *p = img->data + off, *end = p + len;

	while (end - p >= (ptrdiff_t)sizeof(Elf32_Nhdr)) {
		/* Elf64_Nhdr has 32-bit fields too: one layout for both classes. */
		u32 namesz = (u32)rd(p, 4), descsz = (u32)rd(p + 4, 4), type = (u32)rd(p + 8, 4);
		u64 name_off = sizeof(Elf32_Nhdr);
		u64 desc_off = name_off + ALIGN_UP((u64)namesz, 4);
		u64 next = desc_off + ALIGN_UP((u64)descsz, 4);

		if (next > (u64)(end - p)) {
			boot_parse_err(verbose, "ELF: corrupt note at file offset 0x%llx runs past its segment",
				       (unsigned long long)(p - img->data));
			return -ENOEXEC;
		}
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(p + name_off, "Xen", 4)) {
			u64 entry;

			if (descsz != 4 && descsz != 8) {
				boot_parse_err(verbose, "ELF: PVH entry note has a %u-byte value (want 4 or 8)",
					       descsz);
				return -ENOEXEC;
			}
			entry = rd(p + desc_off, descsz);
			if (entry >> 32) {
				boot_parse_err(verbose, "ELF: PVH entry 0x%llx is not a 32-bit address",
					       (unsigned long long)entry);
				return -ENOEXEC;
			}
			img->has_pvh_entry = true;
			img->pvh_entry = entry;
			return 0;
		}
		p += next;
	}
	return 0;
}

/* Linkers may put notes in no PT_NOTE segment: look at SHT_NOTE sections too. */
static int scan_note_sections(struct elf_image *img, bool verbose)
{
	const u8 *eh = img->data;
	u64 shoff = F(img, eh, Ehdr, e_shoff);
	u64 shentsize = F(img, eh, Ehdr, e_shentsize);
	u64 shnum = F(img, eh, Ehdr, e_shnum);
	u64 want = img->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);

	/* Sections are optional for loading: a table we cannot use is ignored. */
	if (!shoff || shentsize != want || !range_within(shoff, shnum * want, img->size))
		return 0;
	for (u64 i = 0; i < shnum && !img->has_pvh_entry; i++) {
		const u8 *sh = img->data + shoff + i * want;
		u64 off = F(img, sh, Shdr, sh_offset), len = F(img, sh, Shdr, sh_size);

		if (F(img, sh, Shdr, sh_type) != SHT_NOTE || !range_within(off, len, img->size))
			continue;
		if (scan_notes(img, off, len, verbose))
			return -ENOEXEC;
	}
	return 0;
}

int elf__parse(const u8 *data, size_t size, struct elf_image *img, bool verbose)
{
	const u8 *eh = data;
	unsigned int nr_load = 0;
	u64 phentsize, want;
	int ret;

	memset(img, 0, sizeof(*img));
	img->data = data;
	img->size = size;
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG)) {
		boot_parse_err(verbose, "ELF: no ELF magic");
		return -ENOEXEC;
	}
	if (data[EI_CLASS] != ELFCLASS64 && data[EI_CLASS] != ELFCLASS32) {
		boot_parse_err(verbose, "ELF: unknown class %u", data[EI_CLASS]);
		return -ENOEXEC;
	}
	img->is64 = data[EI_CLASS] == ELFCLASS64;
	if (size < (img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		boot_parse_err(verbose, "ELF: truncated: %zu bytes, less than the ELF header", size);
		return -ENOEXEC;
	}
	if (data[EI_DATA] != ELFDATA2LSB || data[EI_VERSION] != EV_CURRENT) {
		boot_parse_err(verbose, "ELF: not a little-endian version-1 ELF file");
		return -ENOEXEC;
	}
	if (F(img, eh, Ehdr, e_machine) != (img->is64 ? EM_X86_64 : EM_386)) {
		boot_parse_err(verbose, "ELF: machine %llu is not %s",
			       (unsigned long long)F(img, eh, Ehdr, e_machine),
			       img->is64 ? "x86-64" : "i386");
		return -ENOEXEC;
	}
	if (F(img, eh, Ehdr, e_type) != ET_EXEC) {
		boot_parse_err(verbose, "ELF: type %llu is not an executable (ET_EXEC)",
			       (unsigned long long)F(img, eh, Ehdr, e_type));
		return -ENOEXEC;
	}
	img->entry = F(img, eh, Ehdr, e_entry);
	img->phoff = F(img, eh, Ehdr, e_phoff);
	img->phnum = (unsigned int)F(img, eh, Ehdr, e_phnum);
	phentsize = F(img, eh, Ehdr, e_phentsize);
	want = img->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (phentsize != want || img->phnum == 0 ||
	    !range_within(img->phoff, img->phnum * want, size)) {
		boot_parse_err(verbose, "ELF: corrupt or truncated program headers (%u at 0x%llx, %llu bytes each, file %zu bytes)",
			       img->phnum, (unsigned long long)img->phoff,
			       (unsigned long long)phentsize, size);
		return -ENOEXEC;
	}

	for (unsigned int i = 0; i < img->phnum; i++) {
		struct elf_segment seg;

		elf__segment(img, i, &seg);
		if (seg.type != PT_LOAD && seg.type != PT_NOTE)
			continue;
		if (!range_within(seg.offset, seg.filesz, size)) {
			boot_parse_err(verbose, "ELF: truncated: segment %u needs file bytes 0x%llx+0x%llx, file is %zu bytes",
				       i, (unsigned long long)seg.offset,
				       (unsigned long long)seg.filesz, size);
			return -ENOEXEC;
		}
		if (seg.type == PT_NOTE) {
			if (!img->has_pvh_entry) {
				ret = scan_notes(img, seg.offset, seg.filesz, verbose);
				if (ret)
					return ret;
			}
			continue;
		}
		if (seg.filesz > seg.memsz) {
			boot_parse_err(verbose, "ELF: corrupt segment %u: file size 0x%llx exceeds memory size 0x%llx",
				       i, (unsigned long long)seg.filesz, (unsigned long long)seg.memsz);
			return -ENOEXEC;
		}
		if (seg.paddr + seg.memsz < seg.paddr) {
			boot_parse_err(verbose, "ELF: corrupt segment %u: wraps the address space", i);
			return -ENOEXEC;
		}
		nr_load++;
	}
	if (!nr_load) {
		boot_parse_err(verbose, "ELF: no loadable segment");
		return -ENOEXEC;
	}
	if (!img->has_pvh_entry)
		return scan_note_sections(img, verbose);
	return 0;
}

/* Physical address of the entry point, found through the segment holding it. */
static int entry_paddr(const struct elf_image *img, u64 *pa)
{
	for (unsigned int i = 0; i < img->phnum; i++) {
		struct elf_segment s;

		elf__segment(img, i, &s);
		if (s.type != PT_LOAD)
			continue;
		if (img->has_pvh_entry) {
			if (img->pvh_entry >= s.paddr && img->pvh_entry - s.paddr < s.memsz) {
				*pa = img->pvh_entry;
				return 0;
			}
		} else if (img->entry >= s.vaddr && img->entry - s.vaddr < s.memsz) {
			*pa = s.paddr + (img->entry - s.vaddr);
			return 0;
		}
	}
	pr_err("ELF: %s entry point 0x%llx is not inside a loadable segment",
	       img->has_pvh_entry ? "PVH" : "ELF",
	       (unsigned long long)(img->has_pvh_entry ? img->pvh_entry : img->entry));
	return -ENOEXEC;
}

static int load_segments(const struct guest_mem *mem, const struct elf_image *img, u64 *end)
{
	*end = BOOT_RESERVED_END;
	for (unsigned int i = 0; i < img->phnum; i++) {
		struct elf_segment s;
		u8 *dst;

		elf__segment(img, i, &s);
		if (s.type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.paddr < BOOT_RESERVED_END) {
			pr_err("ELF: segment %u at [0x%llx, 0x%llx) overlaps the boot structures below 1 MiB",
			       i, (unsigned long long)s.paddr, (unsigned long long)(s.paddr + s.memsz));
			return -EINVAL;
		}
		dst = guest_mem__ptr(mem, s.paddr, s.memsz);
		if (!dst) {
			pr_err("ELF: segment %u at [0x%llx, 0x%llx) is outside guest RAM (RAM below 4 GiB ends at 0x%llx)",
			       i, (unsigned long long)s.paddr, (unsigned long long)(s.paddr + s.memsz),
			       (unsigned long long)guest_mem__low_end(mem));
			return -E2BIG;
		}
		memcpy(dst, img->data + s.offset, s.filesz);
		memset(dst + s.filesz, 0, s.memsz - s.filesz);
		*end = MAX(*end, s.paddr + s.memsz);
	}
	return 0;
}

int elf__load(const struct guest_mem *mem, const struct boot_input *in,
	      struct boot_cpu_state *cpu)
{
	struct elf_image img;
	u64 entry, end, initrd;
	int ret;

	ret = elf__parse(in->kernel, in->kernel_size, &img, true);
	if (ret)
		return ret;
	if (!img.has_pvh_entry && !img.is64) {
		pr_err("ELF: 32-bit kernel without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): only ELF64 can be entered without one");
		return -ENOEXEC;
	}
	ret = entry_paddr(&img, &entry);
	if (ret)
		return ret;
	if (entry >= 4 * GiB) {
		pr_err("ELF: entry point 0x%llx is above the 4 GiB identity map",
		       (unsigned long long)entry);
		return -ENOEXEC;
	}
	ret = load_segments(mem, &img, &end);
	if (ret)
		return ret;
	ret = boot__write_cmdline(mem, in->cmdline, LAYOUT_CMDLINE_MAX - 1, "the command line slot");
	if (ret)
		return ret;
	ret = boot__place_initrd(mem, in, end, 4 * GiB, &initrd);
	if (ret)
		return ret;
	ret = pvh__write_start_info(mem, in, initrd);
	if (ret)
		return ret;

	ret = boot_cpu__setup(mem, img.has_pvh_entry ? BOOT_CPU_PROT32 : BOOT_CPU_LONG64, cpu);
	if (ret)
		return ret;
	cpu->rip = entry;
	cpu->rbx = LAYOUT_BOOT_INFO;
	cpu->rsi = img.has_pvh_entry ? 0 : LAYOUT_BOOT_INFO;
	cpu->rsp = LAYOUT_BOOT_STACK;
	pr_debug("ELF: %s entry 0x%llx, image end 0x%llx, initrd at 0x%llx",
		 img.has_pvh_entry ? "PVH" : "64-bit", (unsigned long long)entry,
		 (unsigned long long)end, (unsigned long long)initrd);
	return 0;
}
