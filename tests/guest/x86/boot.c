/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot: the PVH entry handed over a sane hvm_start_info, we reached long
 * mode, and the memory map describes the RAM asked for (expect.mem=MiB on
 * the command line) with the legacy and PCI holes left out.
 */
#include "libcflat.h"
#include "x86/processor.h"
#include "x86/pvh.h"
#include "x86/vm.h"

static const struct hvm_memmap_table_entry *ram_entry_covering(u64 addr, u64 len)
{
	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == HVM_MEMMAP_TYPE_RAM && e->addr <= addr &&
		    addr + len <= e->addr + e->size)
			return e;
	}
	return NULL;
}

static bool ram_overlaps(u64 start, u64 end)
{
	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == HVM_MEMMAP_TYPE_RAM && e->addr < end &&
		    start < e->addr + e->size)
			return true;
	}
	return false;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * With expect.initrd=TEXT (imsvm run --initrd FILE, FILE starting with
 * TEXT): module 0 is the initrd, holds the file, and is clear of the
 * kernel, the boot structures and the DTB.
 */
static void check_modules(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
	const char *text = arg_get("expect.initrd");

	if (!text)
		return;
	if (!si->nr_modules || !m) {
		report(false, "initrd: no modules");
		return;
	}
	report(m[0].size >= strlen(text) &&
	       !memcmp((const void *)(uintptr_t)m[0].paddr, text, strlen(text)),
	       "initrd is module 0 (%lu bytes) and starts with \"%s\"", m[0].size, text);
	report(!overlaps(m[0].paddr, m[0].size, (uintptr_t)__kernel_start,
			 (u64)(__kernel_end - __kernel_start)) &&
	       !overlaps(m[0].paddr, m[0].size, boot_info.start_info_pa, sizeof(*si)) &&
	       !overlaps(m[0].paddr, m[0].size, si->modlist_paddr,
			 si->nr_modules * sizeof(*m)) &&
	       (!boot_info.dtb || !overlaps(m[0].paddr, m[0].size,
					    (uintptr_t)boot_info.dtb, boot_info.dtb_size)),
	       "initrd at 0x%lx overlaps neither the kernel, start_info, the module list "
	       "nor the DTB", m[0].paddr);
}

static void check_start_info(void)
{
	const struct hvm_start_info *si = boot_info.start_info;

	report_prefix_push("start_info");
	report(si != NULL, "magic 0x%x at 0x%x", XEN_HVM_START_MAGIC_VALUE,
	       boot_info.start_info_pa);
	if (!si) {
		report_prefix_pop();
		return;
	}
	report(si->version >= 1, "version %u >= 1 (has a memory map)", si->version);
	report(si->memmap_paddr && si->memmap_entries > 0 && si->memmap_entries < 1024,
	       "memory map at 0x%lx, %u entries", si->memmap_paddr, si->memmap_entries);
	report(!si->nr_modules || si->modlist_paddr,
	       "%u modules, list at 0x%lx", si->nr_modules, si->modlist_paddr);
	for (u32 i = 0; i < si->nr_modules && si->modlist_paddr; i++) {
		const struct hvm_modlist_entry *m =
			(const struct hvm_modlist_entry *)(uintptr_t)si->modlist_paddr + i;

		const char *name = m->cmdline_paddr ?
			(const char *)(uintptr_t)m->cmdline_paddr : "";

		/* imsvm keeps module 0 for the initrd, empty when there is none. */
		if (!m->size && i == 0 && si->nr_modules > 1) {
			report_info("module 0 is an empty initrd slot");
			continue;
		}
		report(m->size && ram_entry_covering(m->paddr, m->size),
		       "module %u (0x%lx, %lu bytes, \"%s\") is in RAM", i, m->paddr,
		       m->size, name);
	}
	check_modules(si);
	report(!si->cmdline_paddr ||
	       ram_entry_covering(si->cmdline_paddr, strlen(boot_info.cmdline) + 1),
	       "command line \"%s\" is in RAM", boot_info.cmdline);
	report_prefix_pop();
}

static void check_cpu_mode(void)
{
	report_prefix_push("cpu");
	report((rdmsr(MSR_EFER) & 0x500) == 0x500, "long mode active (EFER.LME|LMA)");
	report((read_cr0() & (X86_CR0_PG | X86_CR0_PE)) == (X86_CR0_PG | X86_CR0_PE) &&
	       (read_cr4() & X86_CR4_PAE), "paging with PAE");
	report(!(read_rflags() & X86_EFLAGS_IF), "interrupts still disabled");
	report_prefix_pop();
}

static void check_memmap(void)
{
	u64 ram = 0, prev_end = 0, mem;
	bool sorted = true, types_ok = true, reserved = false;

	report_prefix_push("memmap");
	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		report_info("%2u: 0x%010lx-0x%010lx type %u", i, e->addr,
			    e->addr + e->size - 1, e->type);
		if (e->addr < prev_end || !e->size)
			sorted = false;
		prev_end = e->addr + e->size;
		if (e->type < 1 || e->type > 5)
			types_ok = false;
		if (e->type == HVM_MEMMAP_TYPE_RAM)
			ram += e->size;
		if (e->type == HVM_MEMMAP_TYPE_RESERVED)
			reserved = true;
	}
	report(boot_info.memmap_entries > 0, "has entries");
	report(sorted, "sorted, no overlaps, no empty entries");
	report(types_ok, "types are e820 types (1..5)");
	report(reserved, "has a reserved area");
	report(!ram_overlaps(0xa0000, 0x100000), "no RAM in the legacy hole 640 KiB..1 MiB");
	report(!ram_overlaps(0xc0000000ULL, 0x100000000ULL), "no RAM in the PCI hole 3..4 GiB");
	report(ram_entry_covering((uintptr_t)__kernel_start,
				  (u64)(__kernel_end - __kernel_start)) != NULL,
	       "kernel image 0x%lx-0x%lx is in RAM", (u64)(uintptr_t)__kernel_start,
	       (u64)(uintptr_t)__kernel_end - 1);
	report(ram_entry_covering(boot_info.start_info_pa,
				  sizeof(struct hvm_start_info)) != NULL,
	       "start_info is in RAM");
	if (arg_get_ulong("expect.mem", &mem)) {
		/*
		 * All RAM asked for is listed, except at most the 384 KiB
		 * legacy hole and the EBDA below 1 MiB that the map reserves.
		 */
		report(ram <= mem * MiB && ram >= mem * MiB - 1 * MiB,
		       "RAM %lu KiB matches expect.mem=%lu MiB", ram / KiB, mem);
	} else {
		report_skip("RAM %lu KiB: no expect.mem=MiB on the command line", ram / KiB);
	}
	report_prefix_pop();
}

/*
 * RAM above 4 GiB is really there and distinct from low RAM: a pattern
 * written at the start, middle and end of each such entry reads back.
 */
static void check_high_ram(void)
{
	static volatile u64 low_scratch;
	int checked = 0;
	bool ok = true;

	for (u32 i = 0; i < boot_info.memmap_entries; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];
		u64 at[3] = { e->addr, (e->addr + e->size / 2) & ~7ULL, e->addr + e->size - 8 };

		if (e->type != HVM_MEMMAP_TYPE_RAM || e->addr < 4 * GiB)
			continue;
		for (int j = 0; j < 3; j++) {
			volatile u64 *p = (volatile u64 *)(uintptr_t)at[j];
			u64 pattern = 0x5a5a000000000000ULL ^ at[j];

			if (!vm_map_gib(at[j])) {
				report_skip("RAM at 0x%lx: out of page tables to map it", at[j]);
				return;
			}
			*p = pattern;
			low_scratch = ~pattern;
			if (*p != pattern || low_scratch != ~pattern) {
				report_info("0x%lx reads 0x%lx, wrote 0x%lx", at[j], *p, pattern);
				ok = false;
			}
			checked++;
		}
	}
	if (checked)
		report(ok, "RAM above 4 GiB holds what is written (%d places)", checked);
}

int main(int argc, char **argv)
{
	check_start_info();
	check_cpu_mode();
	if (boot_info.memmap_entries) {
		check_memmap();
		check_high_ram();
	}
	return report_summary();
}
