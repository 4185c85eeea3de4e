/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvm_start_info for PVH and plain ELF kernels: the memory map (the e820
 * table), the command line and the modules. Module 0 is the initrd, as Linux
 * expects; the DTB follows it as a module whose command line is "dtb". When
 * there is a DTB but no initrd, module 0 is an empty placeholder (address 0,
 * size 0), which Linux reads as "no initrd", so the DTB is always module 1.
 */
#include <errno.h>
#include <string.h>

#include "vmm/boot_priv.h"
#include "vmm/e820.h"
#include "vmm/pvh.h"

static const char dtb_module_cmdline[] = "dtb";

static int write_memmap(const struct guest_mem *mem, struct hvm_start_info *si)
{
	struct hvm_memmap_table_entry mm[PVH_MEMMAP_MAX];
	struct e820_map map;
	int ret = e820__build(mem, &map);

	if (ret)
		return ret;
	_Static_assert(E820_MAP_MAX <= PVH_MEMMAP_MAX, "memmap slot holds the e820 map");
	_Static_assert(PVH_MEMMAP_GPA + PVH_MEMMAP_MAX * sizeof(mm[0]) <= PVH_MODLIST_GPA,
		       "memmap and modlist do not overlap");
	memset(mm, 0, sizeof(mm));
	for (unsigned int i = 0; i < map.nr; i++) {
		mm[i].addr = map.entries[i].addr;
		mm[i].size = map.entries[i].size;
		mm[i].type = map.entries[i].type;
	}
	if (guest_mem__write(mem, PVH_MEMMAP_GPA, mm, map.nr * sizeof(mm[0])))
		return -EFAULT;
	si->memmap_paddr = PVH_MEMMAP_GPA;
	si->memmap_entries = map.nr;
	return 0;
}

static int write_modules(const struct guest_mem *mem, const struct boot_input *in,
			 u64 initrd_gpa, struct hvm_start_info *si)
{
	struct hvm_modlist_entry mods[PVH_MODLIST_MAX];
	unsigned int n = 0;

	memset(mods, 0, sizeof(mods));
	if (in->initrd || in->dtb) {
		mods[n].paddr = initrd_gpa;
		mods[n].size = in->initrd ? in->initrd_size : 0;
		n++;
	}
	if (in->dtb) {
		if (in->dtb_size > LAYOUT_DTB_MAX) {
			pr_err("PVH: device tree of %zu bytes exceeds its %llu-byte slot",
			       in->dtb_size, LAYOUT_DTB_MAX);
			return -E2BIG;
		}
		if (guest_mem__write(mem, LAYOUT_DTB, in->dtb, in->dtb_size) ||
		    guest_mem__write(mem, PVH_MODCMDLINE_GPA, dtb_module_cmdline,
				     sizeof(dtb_module_cmdline)))
			return -EFAULT;
		mods[n].paddr = LAYOUT_DTB;
		mods[n].size = in->dtb_size;
		mods[n].cmdline_paddr = PVH_MODCMDLINE_GPA;
		n++;
	}
	if (!n)
		return 0;
	if (guest_mem__write(mem, PVH_MODLIST_GPA, mods, n * sizeof(mods[0])))
		return -EFAULT;
	si->nr_modules = n;
	si->modlist_paddr = PVH_MODLIST_GPA;
	return 0;
}

int pvh__write_start_info(const struct guest_mem *mem, const struct boot_input *in,
			  u64 initrd_gpa)
{
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.cmdline_paddr = LAYOUT_CMDLINE,
	};
	int ret;

	ret = write_memmap(mem, &si);
	if (ret)
		return ret;
	ret = write_modules(mem, in, initrd_gpa, &si);
	if (ret)
		return ret;
	if (guest_mem__write(mem, LAYOUT_BOOT_INFO, &si, sizeof(si))) {
		pr_err("PVH: start_info at 0x%llx is not guest RAM", LAYOUT_BOOT_INFO);
		return -EFAULT;
	}
	return 0;
}
