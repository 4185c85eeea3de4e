/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI root (devices/pci.h): host bridge at 00:00.0, configuration
 * mechanism #1 and ECAM decoding, slot and BAR assignment.
 *
 * Mechanism #1: 0xCF8 is the 32-bit address register (enable bit 31, bus
 * 23:16, device 15:11, function 10:8, register 7:2; the reserved bits read
 * 0); 0xCFC..0xCFF are the data window, any byte/word/dword access inside
 * it. 0xCF9 as a byte is the PC reset control register: writing it with
 * bit 2 (reset CPU) set ends the VM as a reset does (VM_EXIT_POWEROFF, 0),
 * which Linux's reboot=pci uses.
 *
 * ECAM: 1 MiB per bus, 4 KiB per function; 1-, 2-, 4- and 8-byte accesses.
 * Functions that do not exist read all-ones and ignore writes.
 *
 * BAR assignment is what firmware does: naturally aligned (memory at least
 * 4 KiB), lowest free address in the window of the BAR's kind (I/O:
 * LAYOUT_PCI_IO_*, 32-bit memory: LAYOUT_PCI_MMIO32_*, 64-bit memory:
 * LAYOUT_PCI_MMIO64_*), avoiding every BAR as assigned and as the guest has
 * since placed it; decoding is then enabled in Command.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pci_internal.h"
#include "vmm/fdt.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define CONF1_LEN		8
#define CONF1_ENABLE		0x80000000U
#define CONF1_WRITABLE		0x80FFFFFCU	/* reserved 30:24 and 1:0 read 0 */
#define CF9_RESET_CPU		0x04

#define DEVFN_SLOT(devfn)	(((devfn) >> 3) & 0x1f)
#define DEVFN_FUNC(devfn)	((devfn) & 0x07)

static const struct device_ops root_device_ops;

static void count(u64 *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/* ---- config decode -------------------------------------------------------- */

static struct pci_device *lookup(struct pci_root *root, u32 bus, u32 devfn)
{
	if (bus != 0 || DEVFN_FUNC(devfn) != 0)
		return NULL;
	return root->slots[DEVFN_SLOT(devfn)];
}

/* Any @off/@len inside the function's 4 KiB, split into dword pieces. Lock held. */
static void config_access(struct pci_root *root, bool is_write, u32 bus, u32 devfn,
			  u32 off, u8 *data, u32 len)
{
	struct pci_device *dev = lookup(root, bus, devfn);

	if (!dev) {
		if (!is_write) {
			memset(data, 0xff, len);
			count(&root->stats.absent_reads);
		}
		return;
	}
	while (len) {
		u32 n = MIN(len, 4 - (off & 3));

		if (is_write)
			pci_config__write(dev, off, data, n);
		else
			pci_config__read(dev, off, data, n);
		off += n;
		data += n;
		len -= n;
	}
}

static void conf1_read(void *opaque, u64 offset, void *data, u32 len)
{
	struct pci_root *root = opaque;
	u32 addr;

	pthread_mutex_lock(&root->lock);
	addr = root->conf1_addr;
	if (offset == 0 && len == 4) {
		memcpy(data, &addr, 4);
	} else if (offset < 4) {
		/* Byte/word reads of the address register (0xCF9 reset control: 0). */
		memset(data, 0, len);
	} else if (!(addr & CONF1_ENABLE)) {
		memset(data, 0xff, len);
	} else {
		config_access(root, false, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
			      (addr & 0xfc) + (offset - 4), data, len);
	}
	pthread_mutex_unlock(&root->lock);
}

static void conf1_write(void *opaque, u64 offset, const void *data, u32 len)
{
	struct pci_root *root = opaque;
	u32 addr, v = 0;

	memcpy(&v, data, MIN(len, 4u));
	if (offset == 1 && len == 1) {
		if (v & CF9_RESET_CPU) {
			pr_debug("pci: reset through 0xCF9");
			vm__request_exit(root->vm, VM_EXIT_POWEROFF, 0);
		}
		return;
	}
	pthread_mutex_lock(&root->lock);
	if (offset == 0 && len == 4) {
		root->conf1_addr = v & CONF1_WRITABLE;
	} else if (offset >= 4) {
		addr = root->conf1_addr;
		if (addr & CONF1_ENABLE)
			config_access(root, true, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
				      (addr & 0xfc) + (offset - 4), (u8 *)data, len);
	}
	/* Other partial writes to 0xCF8..0xCFB (Linux's type-1 probe writes 0xCFB) are ignored. */
	pthread_mutex_unlock(&root->lock);
}

static const struct bus_ops conf1_ops = {
	.read = conf1_read,
	.write = conf1_write,
};

static void ecam_access(struct pci_root *root, bool is_write, u64 offset, u8 *data, u32 len)
{
	u32 reg = offset & 0xfff;

	if ((len != 1 && len != 2 && len != 4 && len != 8) || reg + len > PCI_CFG_SIZE) {
		/* Crossing into the next function, or an odd size: not a config access. */
		count(&root->stats.bad_accesses);
		pr_warn_ratelimited("pci: ECAM %u-byte access at %#llx ignored", len,
				    (unsigned long long)offset);
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&root->lock);
	config_access(root, is_write, offset >> 20, (offset >> 12) & 0xff, reg, data, len);
	pthread_mutex_unlock(&root->lock);
}

static void ecam_read(void *opaque, u64 offset, void *data, u32 len)
{
	ecam_access(opaque, false, offset, data, len);
}

static void ecam_write(void *opaque, u64 offset, const void *data, u32 len)
{
	ecam_access(opaque, true, offset, (u8 *)data, len);
}

static const struct bus_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* ---- BAR assignment ----------------------------------------------------------- */

static bool same_space(enum pci_bar_kind a, enum pci_bar_kind b)
{
	return (a == PCI_BAR_IO) == (b == PCI_BAR_IO);
}

/* Does [addr, addr + size) collide with a BAR of @d in @kind's space? Sets *end past it. */
static bool collides_with(const struct pci_device *d, enum pci_bar_kind kind, u64 addr,
			  u64 size, u64 *end)
{
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		const struct pci_bar *b = &d->bars[i];

		if (b->kind == PCI_BAR_NONE || !same_space(b->kind, kind))
			continue;
		if (b->assigned && ranges_overlap(addr, size, b->assigned, b->size)) {
			*end = b->assigned + b->size;
			return true;
		}
		if (b->gpa != PCI_BAR_UNMAPPED && ranges_overlap(addr, size, b->gpa, b->size)) {
			*end = b->gpa + b->size;
			return true;
		}
	}
	return false;
}

static u64 alloc_bar(struct pci_root *root, const struct pci_device *dev,
		     const struct pci_bar *bar)
{
	u64 base, wsize, align, addr, end;
	bool moved;

	switch (bar->kind) {
	case PCI_BAR_IO:
		base = LAYOUT_PCI_IO_BASE;
		wsize = LAYOUT_PCI_IO_SIZE;
		align = bar->size;
		break;
	case PCI_BAR_MEM32:
		base = LAYOUT_PCI_MMIO32_BASE;
		wsize = LAYOUT_PCI_MMIO32_SIZE;
		align = MAX(bar->size, 4 * KiB);
		break;
	default:
		base = LAYOUT_PCI_MMIO64_BASE;
		wsize = LAYOUT_PCI_MMIO64_SIZE;
		align = MAX(bar->size, 4 * KiB);
		break;
	}
	addr = ALIGN_UP(base, align);
	do {
		if (!range_within(addr - base, bar->size, wsize))
			return 0;
		moved = false;
		for (unsigned int s = 0; s < PCI_NR_SLOTS && !moved; s++)
			if (root->slots[s] && collides_with(root->slots[s], bar->kind, addr,
							    bar->size, &end))
				moved = true;
		if (!moved && collides_with(dev, bar->kind, addr, bar->size, &end))
			moved = true;
		if (moved)
			addr = ALIGN_UP(end, align);
	} while (moved);
	return addr;
}

static void write_bar_address(struct pci_device *dev, unsigned int i, u64 addr)
{
	u32 reg = PCI_BASE_ADDRESS_0 + 4 * i;
	u32 flags = pci__cfg_get32(dev, reg) & (dev->bars[i].kind == PCI_BAR_IO ? 0x3 : 0xf);

	pci__cfg_set32(dev->cfg, reg, (u32)addr | flags);
	if (dev->bars[i].kind == PCI_BAR_MEM64)
		pci__cfg_set32(dev->cfg, reg + 4, addr >> 32);
}

static int assign_bars(struct pci_root *root, struct pci_device *dev)
{
	u16 cmd = pci__cfg_get16(dev, PCI_COMMAND);

	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];

		if (b->kind == PCI_BAR_NONE)
			continue;
		b->assigned = alloc_bar(root, dev, b);
		if (!b->assigned) {
			pr_err("pci: no room for %s BAR%u (%#llx bytes)", dev->name, i,
			       (unsigned long long)b->size);
			for (unsigned int j = 0; j < i; j++)
				dev->bars[j].assigned = 0;
			return -ENOSPC;
		}
		write_bar_address(dev, i, b->assigned);
		cmd |= b->kind == PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	}
	pci__cfg_set16(dev->cfg, PCI_COMMAND, cmd);
	return 0;
}

/* ---- registration --------------------------------------------------------------- */

static int pick_slot(struct pci_root *root, int want)
{
	if (want == PCI_SLOT_ANY) {
		for (int s = 1; s < PCI_NR_SLOTS; s++)
			if (!root->slots[s])
				return s;
		return -ENOSPC;
	}
	if (want < 0 || want >= PCI_NR_SLOTS)
		return -EINVAL;
	return root->slots[want] ? -EBUSY : want;
}

int pci__register(struct pci_root *root, struct pci_device *dev)
{
	int slot, ret;

	pthread_mutex_lock(&root->lock);
	if (dev->root) {
		ret = -EBUSY;
		goto err_unlock;
	}
	slot = pick_slot(root, dev->slot);
	if (slot < 0) {
		ret = slot;
		goto err_unlock;
	}
	ret = assign_bars(root, dev);
	if (ret)
		goto err_unlock;

	dev->slot = slot;
	root->slots[slot] = dev;
	__atomic_store_n(&dev->root, root, __ATOMIC_RELEASE);
	pci_config__intx_attach(root, dev);
	ret = pci_config__update_bars(dev);
	if (ret)
		goto err_detach;
	pthread_mutex_unlock(&root->lock);
	pr_debug("pci: %s at 00:%02x.0", dev->name, slot);
	return 0;

err_detach:
	pci_config__unmap_bars(dev);
	pci_config__intx_detach(root, dev);
	root->slots[slot] = NULL;
	__atomic_store_n(&dev->root, NULL, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		dev->bars[i].assigned = 0;
err_unlock:
	pthread_mutex_unlock(&root->lock);
	return ret;
}

static void unregister_locked(struct pci_root *root, struct pci_device *dev)
{
	pci_config__unmap_bars(dev);
	pci_config__intx_detach(root, dev);
	root->slots[dev->slot] = NULL;
	__atomic_store_n(&dev->root, NULL, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		dev->bars[i].assigned = 0;
}

int pci__unregister(struct pci_root *root, struct pci_device *dev)
{
	pthread_mutex_lock(&root->lock);
	if (dev->root != root || dev->slot < 0 || dev->slot >= PCI_NR_SLOTS ||
	    root->slots[dev->slot] != dev) {
		pthread_mutex_unlock(&root->lock);
		return -ENOENT;
	}
	unregister_locked(root, dev);
	pthread_mutex_unlock(&root->lock);
	return 0;
}

struct pci_device *pci__device_at(struct pci_root *root, unsigned int slot)
{
	struct pci_device *dev;

	if (slot >= PCI_NR_SLOTS)
		return NULL;
	pthread_mutex_lock(&root->lock);
	dev = root->slots[slot];
	pthread_mutex_unlock(&root->lock);
	return dev;
}

void pci__get_stats(struct pci_root *root, struct pci_root_stats *st)
{
	st->bad_accesses = __atomic_load_n(&root->stats.bad_accesses, __ATOMIC_RELAXED);
	st->bar_conflicts = __atomic_load_n(&root->stats.bar_conflicts, __ATOMIC_RELAXED);
	st->absent_reads = __atomic_load_n(&root->stats.absent_reads, __ATOMIC_RELAXED);
}

/* ---- device tree ------------------------------------------------------------------ */

static int fdt_cells(void *fdt, const char *name, const u32 *cells, unsigned int n)
{
	fdt32_t buf[8];

	for (unsigned int i = 0; i < n; i++)
		buf[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, buf, n * sizeof(buf[0]));
}

/*
 * Standard pci-host-ecam-generic node. The I/O range's parent address uses
 * imsvm's port I/O convention (high cell 1 = I/O space, as the ISA binding
 * names it). INTx is described by interrupt-map: slot S pin P to IOAPIC pin
 * LAYOUT_PCI_INTX_GSI(S, P).
 */
static int root_fdt_node(struct device *d, void *fdt)
{
	static const u32 bus_range[] = { 0, LAYOUT_PCI_ECAM_BUSES - 1 };
	static const u32 imap_mask[] = { 0xf800, 0, 0, 7 };
	const u32 reg[] = { LAYOUT_PCI_ECAM_BASE >> 32, (u32)LAYOUT_PCI_ECAM_BASE,
			    LAYOUT_PCI_ECAM_SIZE >> 32, (u32)LAYOUT_PCI_ECAM_SIZE };
	const u64 ranges[3][3] = {
		{ LAYOUT_PCI_IO_BASE, 1ULL << 32 | LAYOUT_PCI_IO_BASE, LAYOUT_PCI_IO_SIZE },
		{ LAYOUT_PCI_MMIO32_BASE, LAYOUT_PCI_MMIO32_BASE, LAYOUT_PCI_MMIO32_SIZE },
		{ LAYOUT_PCI_MMIO64_BASE, LAYOUT_PCI_MMIO64_BASE, LAYOUT_PCI_MMIO64_SIZE },
	};
	static const u32 space[3] = { 0x01000000, 0x02000000, 0x03000000 };
	fdt32_t rbuf[3 * 7], imap[PCI_NR_SLOTS * 4 * 6];
	char name[32];
	int ret = 0;

	for (unsigned int i = 0; i < 3; i++) {
		fdt32_t *r = &rbuf[i * 7];

		r[0] = cpu_to_fdt32(space[i]);
		r[1] = cpu_to_fdt32(ranges[i][0] >> 32);
		r[2] = cpu_to_fdt32((u32)ranges[i][0]);
		r[3] = cpu_to_fdt32(ranges[i][1] >> 32);
		r[4] = cpu_to_fdt32((u32)ranges[i][1]);
		r[5] = cpu_to_fdt32(ranges[i][2] >> 32);
		r[6] = cpu_to_fdt32((u32)ranges[i][2]);
	}
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		for (unsigned int pin = 1; pin <= 4; pin++) {
			fdt32_t *m = &imap[(s * 4 + pin - 1) * 6];

			m[0] = cpu_to_fdt32(s << 11);
			m[1] = m[2] = cpu_to_fdt32(0);
			m[3] = cpu_to_fdt32(pin);
			m[4] = cpu_to_fdt32(FDT_PHANDLE_IOAPIC);
			m[5] = cpu_to_fdt32(LAYOUT_PCI_INTX_GSI(s, pin));
		}
	}

	snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)LAYOUT_PCI_ECAM_BASE);
	ret = ret ?: fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "compatible", "pci-host-ecam-generic");
	ret = ret ?: fdt_property_string(fdt, "device_type", "pci");
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 3);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", 2);
	ret = ret ?: fdt_property_u32(fdt, "#interrupt-cells", 1);
	ret = ret ?: fdt_cells(fdt, "reg", reg, ARRAY_SIZE(reg));
	ret = ret ?: fdt_cells(fdt, "bus-range", bus_range, ARRAY_SIZE(bus_range));
	ret = ret ?: fdt_property_u32(fdt, "linux,pci-domain", 0);
	ret = ret ?: fdt_property(fdt, "ranges", rbuf, sizeof(rbuf));
	ret = ret ?: fdt_cells(fdt, "interrupt-map-mask", imap_mask, ARRAY_SIZE(imap_mask));
	ret = ret ?: fdt_property(fdt, "interrupt-map", imap, sizeof(imap));
	/* Configuration mechanism #1 as well: its I/O port. */
	ret = ret ?: fdt_property_u32(fdt, "imsvm,pci-conf1-port", LAYOUT_PORT_PCI_CONF);
	ret = ret ?: fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

/* ---- the root ------------------------------------------------------------------------ */

static void root_destroy(struct device *d)
{
	struct pci_root *root = d->priv;

	pthread_mutex_lock(&root->lock);
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++)
		if (root->slots[s])
			unregister_locked(root, root->slots[s]);
	pthread_mutex_unlock(&root->lock);
	bus__unregister(&root->vm->mmio_bus, LAYOUT_PCI_ECAM_BASE);
	bus__unregister(&root->vm->pio_bus, LAYOUT_PORT_PCI_CONF);
	if (root->vm->pci == root)
		root->vm->pci = NULL;
	pthread_mutex_destroy(&root->irq_lock);
	pthread_mutex_destroy(&root->lock);
	free(root);
}

static const struct device_ops root_device_ops = {
	.fdt_node = root_fdt_node,
	.destroy = root_destroy,
};

int pci__init(struct vm *vm)
{
	struct pci_root *root;
	int ret;

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	root->vm = vm;
	root->dev = (struct device){ .name = "pci", .ops = &root_device_ops, .priv = root };
	pthread_mutex_init(&root->lock, NULL);
	pthread_mutex_init(&root->irq_lock, NULL);

	ret = bus__register(&vm->pio_bus, LAYOUT_PORT_PCI_CONF, CONF1_LEN, &conf1_ops, root);
	if (ret)
		goto err_free;
	ret = bus__register(&vm->mmio_bus, LAYOUT_PCI_ECAM_BASE, LAYOUT_PCI_ECAM_SIZE,
			    &ecam_ops, root);
	if (ret)
		goto err_conf1;

	pci__device_init(&root->host_bridge, "host-bridge", IMSVM_PCI_VENDOR_ID,
			 IMSVM_PCI_DEVICE_HOST_BRIDGE, 0x060000, 0, NULL, NULL);
	root->host_bridge.slot = 0;
	ret = pci__register(root, &root->host_bridge);
	if (ret)
		goto err_ecam;

	vm->pci = root;
	device_list__add(&vm->devices, &root->dev);
	return 0;

err_ecam:
	bus__unregister(&vm->mmio_bus, LAYOUT_PCI_ECAM_BASE);
err_conf1:
	bus__unregister(&vm->pio_bus, LAYOUT_PORT_PCI_CONF);
err_free:
	pthread_mutex_destroy(&root->irq_lock);
	pthread_mutex_destroy(&root->lock);
	free(root);
	return ret;
}
