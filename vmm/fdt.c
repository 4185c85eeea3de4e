/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device tree, written with libfdt's sequential-write API in one pass; only
 * /chosen/stdout-path is filled in afterwards, because the serial node's
 * name belongs to the serial device and is known only once it wrote it.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "vmm/fdt.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define FDT_PATH_MAX	128

static int fdt_errno(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

/* reg = <addr size> with two cells each (the root's cell counts). */
static int prop_reg64(void *fdt, u64 addr, u64 size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int memory_node(void *fdt, u64 gpa, u64 size)
{
	char name[32];
	int ret = 0;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)gpa);
	ret = ret ?: fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "device_type", "memory");
	ret = ret ?: prop_reg64(fdt, gpa, size);
	ret = ret ?: fdt_end_node(fdt);
	return ret;
}

static int cpus_node(void *fdt, unsigned int nr_cpus)
{
	int ret = 0;

	ret = ret ?: fdt_begin_node(fdt, "cpus");
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 1);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", 0);
	for (unsigned int i = 0; i < nr_cpus && !ret; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu@%x", i);
		ret = ret ?: fdt_begin_node(fdt, name);
		ret = ret ?: fdt_property_string(fdt, "device_type", "cpu");
		ret = ret ?: fdt_property_u32(fdt, "reg", i);	/* the APIC id */
		ret = ret ?: fdt_property_string(fdt, "status", "okay");
		ret = ret ?: fdt_end_node(fdt);
	}
	ret = ret ?: fdt_end_node(fdt);
	return ret;
}

/* Compatibles of Linux's x86 device-tree binding for the APICs. */
static int irqchip_node(void *fdt, const char *name, const char *compatible,
			u64 base, u32 phandle)
{
	int ret = 0;

	ret = ret ?: fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "compatible", compatible);
	ret = ret ?: prop_reg64(fdt, base, 0x1000);
	ret = ret ?: fdt_property(fdt, "interrupt-controller", NULL, 0);
	ret = ret ?: fdt_property_u32(fdt, "#interrupt-cells", FDT_INTERRUPT_CELLS);
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 0);
	ret = ret ?: fdt_property_u32(fdt, "phandle", phandle);
	ret = ret ?: fdt_end_node(fdt);
	return ret;
}

static int chosen_node(void *fdt, const char *cmdline)
{
	int ret = 0;

	ret = ret ?: fdt_begin_node(fdt, "chosen");
	ret = ret ?: fdt_property_string(fdt, "bootargs", cmdline ? cmdline : "");
	ret = ret ?: fdt_end_node(fdt);
	return ret;
}

static int write_tree(struct vm *vm, void *fdt, size_t size)
{
	const struct guest_mem *mem = &vm->mem;
	int ret = 0;

	ret = ret ?: fdt_create(fdt, (int)size);
	ret = ret ?: fdt_finish_reservemap(fdt);
	ret = ret ?: fdt_begin_node(fdt, "");
	ret = ret ?: fdt_property_string(fdt, "compatible", "imsvm,virt");
	ret = ret ?: fdt_property_string(fdt, "model", "imsvm");
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", FDT_ADDR_CELLS);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", FDT_SIZE_CELLS);
	ret = ret ?: fdt_property_u32(fdt, "interrupt-parent", FDT_PHANDLE_IOAPIC);
	ret = ret ?: chosen_node(fdt, vm->cfg ? vm->cfg->cmdline : NULL);
	for (unsigned int i = 0; i < mem->nr_regions && !ret; i++)
		ret = memory_node(fdt, mem->regions[i].gpa, mem->regions[i].size);
	ret = ret ?: cpus_node(fdt, vm->nr_vcpus);
	ret = ret ?: irqchip_node(fdt, "interrupt-controller@fec00000", "intel,ce4100-ioapic",
				  LAYOUT_IOAPIC_BASE, FDT_PHANDLE_IOAPIC);
	ret = ret ?: irqchip_node(fdt, "interrupt-controller@fee00000", "intel,ce4100-lapic",
				  LAYOUT_LAPIC_BASE, FDT_PHANDLE_LAPIC);
	if (ret) {
		pr_err("device tree: %s", fdt_strerror(ret));
		return fdt_errno(ret);
	}

	device_list__for_each(&vm->devices, dev) {
		if (!dev->ops || !dev->ops->fdt_node)
			continue;
		ret = dev->ops->fdt_node(dev, fdt);
		if (ret) {
			pr_err("device tree: node of device %s: %s", dev->name,
			       ret == -ENOSPC ? "no space" : "failed");
			return ret == -ENOSPC ? -ENOSPC : -EINVAL;
		}
	}

	ret = ret ?: fdt_end_node(fdt);
	ret = ret ?: fdt_finish(fdt);
	if (ret) {
		pr_err("device tree: %s", fdt_strerror(ret));
		return fdt_errno(ret);
	}
	return 0;
}

/* /chosen/stdout-path names the first ns16550a node, wherever it was put. */
static int add_stdout_path(void *fdt, size_t size)
{
	char path[FDT_PATH_MAX];
	int serial, chosen, ret;

	ret = fdt_open_into(fdt, fdt, (int)size);
	if (ret)
		goto err;
	serial = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
	if (serial >= 0) {
		ret = fdt_get_path(fdt, serial, path, sizeof(path));
		chosen = fdt_path_offset(fdt, "/chosen");
		if (!ret && chosen >= 0)
			ret = fdt_setprop_string(fdt, chosen, "stdout-path", path);
		else if (!ret)
			ret = chosen;
		if (ret)
			goto err;
	}
	ret = fdt_pack(fdt);
	if (ret)
		goto err;
	return 0;
err:
	pr_err("device tree: /chosen/stdout-path: %s", fdt_strerror(ret));
	return fdt_errno(ret);
}

int fdt__build(struct vm *vm, void *buf, size_t size)
{
	int ret;

	if (size > INT32_MAX)
		size = INT32_MAX;
	ret = write_tree(vm, buf, size);
	if (ret)
		return ret;
	return add_stdout_path(buf, size);
}
