/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY weak stand-ins so `imsvm run` boots a PVH test kernel before the
 * loader and device helpers' code lands; their strong definitions replace
 * these at link time. Delete this file and bootstrap_tmp.h once they have.
 */
#include <errno.h>
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "vmm/boot.h"
#include "vmm/bootstrap_tmp.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define __weak __attribute__((weak))

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_HVM_START_MAGIC_VALUE	0x336ec578

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};

static void tmp_uart_write(void *opaque, u64 off, const void *data, u32 len)
{
	if (off == 0) {
		fputc(*(const u8 *)data, stdout);
		fflush(stdout);
	}
}

static void tmp_uart_read(void *opaque, u64 off, void *data, u32 len)
{
	memset(data, 0, len);
	if (off == 5)
		*(u8 *)data = 0x60;	/* LSR: transmitter empty */
}

static const struct bus_ops tmp_uart_ops = { .read = tmp_uart_read, .write = tmp_uart_write };

__weak int uart8250__init(struct vm *vm)
{
	return bus__register(&vm->pio_bus, LAYOUT_PORT_COM1, 8, &tmp_uart_ops, vm);
}

static void tmp_exit_write(void *opaque, u64 off, const void *data, u32 len)
{
	u32 v = 0;

	memcpy(&v, data, MIN(len, 4U));
	vm__request_exit(opaque, VM_EXIT_TEST, (int)v);
}

static const struct bus_ops tmp_exit_ops = { .write = tmp_exit_write };

__weak int test_exit__init(struct vm *vm)
{
	return bus__register(&vm->pio_bus, LAYOUT_PORT_TEST_EXIT, 4, &tmp_exit_ops, vm);
}

__weak int i8042__init(struct vm *vm)
{
	return 0;
}

__weak int pci__init(struct vm *vm)
{
	return 0;
}

__weak int fdt__build(struct vm *vm, void *buf, size_t size)
{
	return fdt_create_empty_tree(buf, (int)size) ? -EINVAL : 0;
}

__weak int mptable__write(const struct guest_mem *mem, unsigned int nr_cpus)
{
	return 0;
}

__weak enum kernel_format boot__detect(const u8 *kernel, size_t size)
{
	return size >= 4 && !memcmp(kernel, ELFMAG, SELFMAG) ? KERNEL_FORMAT_ELF_PVH :
	       KERNEL_FORMAT_UNKNOWN;
}

__weak const char *boot__format_name(enum kernel_format fmt)
{
	return fmt == KERNEL_FORMAT_ELF_PVH ? "PVH ELF (bootstrap)" : "unknown";
}

/* PVH ELF only: PT_LOAD segments, the PHYS32_ENTRY note, a start_info. */
__weak int boot__load(const struct guest_mem *mem, const struct boot_input *in,
		      struct boot_cpu_state *cpu)
{
	static const u64 gdt[] = { 0, 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL };
	const Elf64_Ehdr *eh = (const void *)in->kernel;
	struct hvm_start_info si = { 0 };
	u64 entry = 0;

	if (in->kernel_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !range_within(eh->e_phoff, (u64)eh->e_phnum * sizeof(Elf64_Phdr), in->kernel_size))
		return -ENOEXEC;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(in->kernel + eh->e_phoff) + i;

		if (!range_within(ph->p_offset, ph->p_filesz, in->kernel_size))
			return -ENOEXEC;
		if (ph->p_type == PT_LOAD) {
			u8 *dst = guest_mem__ptr(mem, ph->p_paddr, ph->p_memsz);

			if (!dst || ph->p_filesz > ph->p_memsz)
				return -E2BIG;
			memcpy(dst, in->kernel + ph->p_offset, ph->p_filesz);
			memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		} else if (ph->p_type == PT_NOTE) {
			u64 off = 0;

			while (off + sizeof(Elf64_Nhdr) <= ph->p_filesz) {
				const Elf64_Nhdr *n = (const void *)(in->kernel + ph->p_offset + off);
				u64 desc = off + sizeof(*n) + ALIGN_UP(n->n_namesz, 4U);

				if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 &&
				    desc + 4 <= ph->p_filesz)
					memcpy(&entry, in->kernel + ph->p_offset + desc, 4);
				off = desc + ALIGN_UP(n->n_descsz, 4U);
			}
		}
	}
	if (!entry)
		return -ENOEXEC;
	si.magic = XEN_HVM_START_MAGIC_VALUE;
	si.version = 1;
	if (guest_mem__write(mem, LAYOUT_BOOT_GDT, gdt, sizeof(gdt)) ||
	    guest_mem__write(mem, LAYOUT_BOOT_INFO, &si, sizeof(si)))
		return -EFAULT;
	*cpu = (struct boot_cpu_state){
		.mode = BOOT_CPU_PROT32,
		.rip = entry,
		.rbx = LAYOUT_BOOT_INFO,
		.gdt_base = LAYOUT_BOOT_GDT,
		.gdt_limit = sizeof(gdt) - 1,
	};
	return 0;
}
