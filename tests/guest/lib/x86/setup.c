/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lib_start(): the BSP's first C code, called by entry.S in long mode with
 * the physical address of struct hvm_start_info. Sets up this CPU, reads the
 * boot information, then runs the test's main() and exits with its value.
 */
#include "libcflat.h"
#include "serial.h"
#include "x86/desc.h"
#include "x86/processor.h"
#include "x86/pvh.h"
#include "x86/smp.h"

struct boot_info boot_info = { .cmdline = "" };

void args_parse(const char *cmdline);
void lib_start(u32 start_info_pa);

u64 boot_ram_total(void)
{
	u64 total = 0;

	for (u32 i = 0; i < boot_info.memmap_entries; i++)
		if (boot_info.memmap[i].type == HVM_MEMMAP_TYPE_RAM)
			total += boot_info.memmap[i].size;
	return total;
}

/*
 * Remap the legacy PIC away from the exception vectors (0x20..0x2f) and mask
 * it: tests that want the PIT use the IOAPIC, and a stray PIC interrupt must
 * not look like a CPU exception.
 */
static void pic_init_masked(void)
{
	outb(0x11, 0x20);	/* ICW1: edge, cascade, ICW4 */
	outb(0x11, 0xa0);
	outb(0x20, 0x21);	/* ICW2: vector base */
	outb(0x28, 0xa1);
	outb(0x04, 0x21);	/* ICW3: slave on IRQ2 */
	outb(0x02, 0xa1);
	outb(0x01, 0x21);	/* ICW4: 8086 mode */
	outb(0x01, 0xa1);
	outb(0xff, 0x21);	/* OCW1: all masked */
	outb(0xff, 0xa1);
}

static const char *module_cmdline(const struct hvm_modlist_entry *m)
{
	return m->cmdline_paddr ? (const char *)(uintptr_t)m->cmdline_paddr : "";
}

static void find_dtb(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *mods;
	unsigned long n;

	if (!si->nr_modules || !si->modlist_paddr)
		return;
	mods = (const void *)(uintptr_t)si->modlist_paddr;
	for (u32 i = 0; i < si->nr_modules; i++) {
		if (!strcmp(module_cmdline(&mods[i]), "dtb")) {
			boot_info.dtb = (const void *)(uintptr_t)mods[i].paddr;
			boot_info.dtb_size = mods[i].size;
			return;
		}
	}
	/*
	 * Developer aid: under QEMU, which passes no DTB, a blob given as an
	 * initrd can stand in for it with "dtb.module=N" on the command line.
	 */
	if (arg_get_ulong("dtb.module", &n) && n < si->nr_modules) {
		boot_info.dtb = (const void *)(uintptr_t)mods[n].paddr;
		boot_info.dtb_size = mods[n].size;
	}
}

static void parse_start_info(u32 pa)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pa;

	boot_info.start_info_pa = pa;
	if (!pa || si->magic != XEN_HVM_START_MAGIC_VALUE) {
		printf("WARNING: no hvm_start_info at 0x%x (magic 0x%x)\n", pa,
		       pa ? si->magic : 0);
		return;
	}
	boot_info.start_info = si;
	if (si->cmdline_paddr)
		boot_info.cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
	if (si->version >= 1 && si->memmap_paddr) {
		boot_info.memmap = (const void *)(uintptr_t)si->memmap_paddr;
		boot_info.memmap_entries = si->memmap_entries;
	}
	args_parse(boot_info.cmdline);
	find_dtb(si);
}

void lib_start(u32 start_info_pa)
{
	int ret;

	percpu_init(&percpu_data[0], 0);
	percpu_data[0].apic_id = cpuid(1).b >> 24;
	setup_idt();
	load_idt();
	serial_init();
	pic_init_masked();
	args_parse("");
	parse_start_info(start_info_pa);
	ret = main(__argc, __argv);
	exit(ret);
}
