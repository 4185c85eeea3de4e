/* SPDX-License-Identifier: GPL-2.0-only */
/* imsvm PCI test device (devices/pci_testdev.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "devices/pci_testdev.h"
#include "vmm/device.h"
#include "vmm/vm.h"

#define TESTDEV_REGS_SIZE	0x20

struct testdev_bar {
	struct pci_testdev *td;
	unsigned int index;
	u32 writes;
};

struct pci_testdev {
	struct vm *vm;
	struct device dev;
	struct pci_device pci;
	struct testdev_bar bar0, bar1;
	u32 scratch;		/* shared by both register BARs; atomics */
	u32 intx;
};

static u32 reg_read(struct testdev_bar *b, u32 reg)
{
	struct pci_testdev *td = b->td;

	switch (reg) {
	case PCI_TESTDEV_MAGIC_REG:
		return PCI_TESTDEV_MAGIC;
	case PCI_TESTDEV_SCRATCH:
		return __atomic_load_n(&td->scratch, __ATOMIC_RELAXED);
	case PCI_TESTDEV_INTX:
		return __atomic_load_n(&td->intx, __ATOMIC_RELAXED);
	case PCI_TESTDEV_COUNT:
		return __atomic_load_n(&b->writes, __ATOMIC_RELAXED);
	case PCI_TESTDEV_WHERE:
		return 0x80000000U | b->index;
	default:
		return 0;
	}
}

static void regs_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct testdev_bar *b = opaque;
	u64 v = 0;

	/* Any access inside a register returns the bytes of that register. */
	for (u32 i = 0; i < len; i++) {
		u64 off = offset + i;
		u32 r = off < TESTDEV_REGS_SIZE ? reg_read(b, off & ~3ULL) : 0;

		v |= (u64)((r >> (8 * (off & 3))) & 0xff) << (8 * i);
	}
	memcpy(data, &v, len);
}

static void regs_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct testdev_bar *b = opaque;
	struct pci_testdev *td = b->td;
	u32 v = 0;

	__atomic_add_fetch(&b->writes, 1, __ATOMIC_RELAXED);
	if ((offset & 3) || len != 4)
		return;		/* registers take whole dwords */
	memcpy(&v, data, 4);
	switch (offset) {
	case PCI_TESTDEV_SCRATCH:
		__atomic_store_n(&td->scratch, v, __ATOMIC_RELAXED);
		break;
	case PCI_TESTDEV_INTX:
		__atomic_store_n(&td->intx, v & 1, __ATOMIC_RELAXED);
		pci__set_irq(&td->pci, v & 1);
		break;
	default:
		break;
	}
}

static const struct bus_ops regs_ops = {
	.read = regs_read,
	.write = regs_write,
};

static void window_read(void *opaque, u64 offset, void *data, u32 len)
{
	/* Every aligned dword reads as its own offset into the BAR. */
	u64 v = 0;

	for (u32 i = 0; i < len; i++) {
		u64 off = offset + i;

		v |= (u64)(((off & ~3ULL) >> (8 * (off & 3))) & 0xff) << (8 * i);
	}
	memcpy(data, &v, len);
}

static const struct bus_ops window_ops = {
	.read = window_read,
};

static void testdev_destroy(struct device *dev)
{
	struct pci_testdev *td = dev->priv;

	if (td->vm->pci)
		(void)pci__unregister(td->vm->pci, &td->pci);
	free(td);
}

static const struct device_ops testdev_device_ops = {
	.destroy = testdev_destroy,
};

int pci_testdev__init(struct vm *vm)
{
	const u8 cap[8] = { 0, 0, 8, 0xa5, 0, 0, 0, 0 };
	const u8 cap_w[8] = { 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	struct pci_testdev *td;
	int ret;

	if (!vm->pci)
		return -ENODEV;
	td = calloc(1, sizeof(*td));
	if (!td)
		return -ENOMEM;
	td->vm = vm;
	td->dev = (struct device){ .name = "pci-testdev", .ops = &testdev_device_ops, .priv = td };
	td->bar0 = (struct testdev_bar){ .td = td, .index = 0 };
	td->bar1 = (struct testdev_bar){ .td = td, .index = 1 };

	/* Class 0xff0000: "device does not fit any defined class". */
	pci__device_init(&td->pci, "pci-testdev", IMSVM_PCI_VENDOR_ID, PCI_TESTDEV_DEVICE_ID,
			 0xff0000, 1, NULL, td);
	pci__set_intx_pin(&td->pci, 1);
	ret = pci__set_bar(&td->pci, 0, PCI_BAR_MEM32, 4096, false, &regs_ops, &td->bar0);
	ret = ret ?: pci__set_bar(&td->pci, 1, PCI_BAR_IO, 32, false, &regs_ops, &td->bar1);
	ret = ret ?: pci__set_bar(&td->pci, 2, PCI_BAR_MEM64, 1 * MiB, true, &window_ops, td);
	if (ret)
		goto err_free;
	ret = pci__add_capability(&td->pci, PCI_CAP_ID_VNDR, cap, sizeof(cap), cap_w);
	if (ret < 0)
		goto err_free;
	ret = pci__register(vm->pci, &td->pci);
	if (ret)
		goto err_free;
	device_list__add(&vm->devices, &td->dev);
	return 0;

err_free:
	free(td);
	return ret;
}
