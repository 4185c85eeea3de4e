/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state a kernel is entered with: a flat GDT for both entry modes and,
 * for the 64-bit ones, page tables mapping the first 4 GiB one to one with
 * 2 MiB pages (the Linux 64-bit boot protocol needs the kernel, boot_params
 * and command line mapped; 4 GiB covers all of them wherever they are put).
 */
#include <errno.h>
#include <string.h>
#include <linux/kvm.h>

#include "vmm/boot_priv.h"

#define GDT_ENTRIES	6	/* null, null, code, data, TSS (16 bytes in long mode) */

/* Descriptor fields, Intel SDM vol. 3 3.4.5. */
#define DESC_G		(1ULL << 55)
#define DESC_DB		(1ULL << 54)
#define DESC_L		(1ULL << 53)
#define DESC_P		(1ULL << 47)
#define DESC_S		(1ULL << 44)
#define DESC_TYPE(t)	((u64)(t) << 40)
#define DESC_LIMIT_4G	(0xffffULL | (0xfULL << 48))

#define TYPE_CODE_XRA	0xb	/* execute/read, accessed */
#define TYPE_DATA_RWA	0x3	/* read/write, accessed */
#define TYPE_TSS_BUSY	0xb	/* 32-bit busy TSS; the 64-bit one in long mode */
#define TSS_LIMIT	0x67

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

static u64 gdt_entry(enum boot_cpu_mode mode, unsigned int idx)
{
	switch (idx * 8) {
	case BOOT_SEL_CODE:
		return DESC_G | (mode == BOOT_CPU_LONG64 ? DESC_L : DESC_DB) | DESC_P | DESC_S |
		       DESC_TYPE(TYPE_CODE_XRA) | DESC_LIMIT_4G;
	case BOOT_SEL_DATA:
		return DESC_G | DESC_DB | DESC_P | DESC_S | DESC_TYPE(TYPE_DATA_RWA) |
		       DESC_LIMIT_4G;
	case BOOT_SEL_TSS:
		return DESC_P | DESC_TYPE(TYPE_TSS_BUSY) | TSS_LIMIT;
	default:
		return 0;
	}
}

static int write_page_tables(const struct guest_mem *mem)
{
	u64 pml4 = LAYOUT_PAGE_TABLES;
	u64 pdpt = pml4 + 0x1000;
	u64 pd = pdpt + 0x1000;
	u64 *p = guest_mem__ptr(mem, pml4, 6 * 0x1000);

	if (!p)
		return -EFAULT;
	memset(p, 0, 6 * 0x1000);
	p[0] = pdpt | PTE_P | PTE_RW;
	for (unsigned int i = 0; i < 4; i++)
		p[512 + i] = (pd + i * 0x1000) | PTE_P | PTE_RW;
	for (u64 j = 0; j < 4 * 512; j++)
		p[1024 + j] = (j * 2 * MiB) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

int boot_cpu__setup(const struct guest_mem *mem, enum boot_cpu_mode mode,
		    struct boot_cpu_state *cpu)
{
	u64 gdt[GDT_ENTRIES];

	for (unsigned int i = 0; i < GDT_ENTRIES; i++)
		gdt[i] = gdt_entry(mode, i);
	if (guest_mem__write(mem, LAYOUT_BOOT_GDT, gdt, sizeof(gdt))) {
		pr_err("boot: GDT at 0x%llx is not guest RAM", LAYOUT_BOOT_GDT);
		return -EFAULT;
	}
	cpu->mode = mode;
	cpu->gdt_base = LAYOUT_BOOT_GDT;
	cpu->gdt_limit = sizeof(gdt) - 1;
	cpu->cr3 = 0;
	if (mode == BOOT_CPU_LONG64) {
		if (write_page_tables(mem)) {
			pr_err("boot: page tables at 0x%llx are not guest RAM", LAYOUT_PAGE_TABLES);
			return -EFAULT;
		}
		cpu->cr3 = LAYOUT_PAGE_TABLES;
	}
	return 0;
}

void boot__segment(const struct boot_cpu_state *cpu, u16 sel, struct kvm_segment *seg)
{
	u64 d = sel / 8 < GDT_ENTRIES ? gdt_entry(cpu->mode, sel / 8) : 0;
	u32 limit = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));

	memset(seg, 0, sizeof(*seg));
	if (!(d & DESC_P)) {
		seg->unusable = 1;
		return;
	}
	seg->base = 0;
	seg->g = !!(d & DESC_G);
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->selector = sel;
	seg->type = (u8)((d >> 40) & 0xf);
	seg->s = !!(d & DESC_S);
	seg->present = 1;
	seg->dpl = 0;
	seg->db = !!(d & DESC_DB);
	seg->l = !!(d & DESC_L);
}
