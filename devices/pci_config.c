/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One PCI function's configuration space: building it (IDs, BARs,
 * capabilities), guest accesses through the write masks, BAR decoding and
 * INTx. The root (devices/pci_host.c) decodes addresses and holds the lock.
 */
#include <errno.h>
#include <string.h>

#include "devices/pci_internal.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define PCI_CAP_START		0x40
#define PCI_CAP_MAX_WALK	48	/* (256 - 64) / 4: a list longer than this loops */
#define PCI_EXT_CAP_START	0x100
#define PCI_EXT_CAP_MAX_WALK	((PCI_CFG_SIZE - PCI_EXT_CAP_START) / 4)

#define PCI_COMMAND_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
#define PCI_STATUS_W1C		(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
				 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
				 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

#define PCI_INTX_GSI_BASE	LAYOUT_PCI_INTX_GSI(0, 1)
#define PCI_NO_GSI		0xFF

/* ---- building a function ------------------------------------------------ */

void pci__device_init(struct pci_device *dev, const char *name, u16 vendor, u16 device,
		      u32 class_code, u8 revision, const struct pci_device_ops *ops, void *priv)
{
	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	dev->ops = ops;
	dev->priv = priv;
	dev->slot = PCI_SLOT_ANY;
	dev->cap_next = PCI_CAP_START;
	dev->ext_cap_next = PCI_EXT_CAP_START;
	dev->intx_gsi = PCI_NO_GSI;
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		dev->bars[i].gpa = dev->bars[i].refused = PCI_BAR_UNMAPPED;

	pci__cfg_set16(dev->cfg, PCI_VENDOR_ID, vendor);
	pci__cfg_set16(dev->cfg, PCI_DEVICE_ID, device);
	dev->cfg[PCI_REVISION_ID] = revision;
	dev->cfg[PCI_CLASS_PROG] = class_code;
	pci__cfg_set16(dev->cfg, PCI_CLASS_DEVICE, class_code >> 8);
	dev->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	pci__cfg_set16(dev->cfg, PCI_SUBSYSTEM_VENDOR_ID, vendor);
	pci__cfg_set16(dev->cfg, PCI_SUBSYSTEM_ID, device);

	pci__cfg_set16(dev->wmask, PCI_COMMAND, PCI_COMMAND_WMASK);
	pci__cfg_set16(dev->w1cmask, PCI_STATUS, PCI_STATUS_W1C);
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_LATENCY_TIMER] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci__set_subsystem(struct pci_device *dev, u16 subsys_vendor, u16 subsys_id)
{
	pci__cfg_set16(dev->cfg, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci__cfg_set16(dev->cfg, PCI_SUBSYSTEM_ID, subsys_id);
}

void pci__set_intx_pin(struct pci_device *dev, u8 pin)
{
	dev->cfg[PCI_INTERRUPT_PIN] = pin <= 4 ? pin : 0;
}

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

int pci__set_bar(struct pci_device *dev, unsigned int bar, enum pci_bar_kind kind, u64 size,
		 bool prefetchable, const struct bus_ops *ops, void *opaque)
{
	u32 reg = PCI_BASE_ADDRESS_0 + 4 * bar;
	struct pci_bar *b;
	u64 mask;

	if (dev->root || bar >= PCI_NR_BARS || dev->bars[bar].upper_half)
		return -EINVAL;
	switch (kind) {
	case PCI_BAR_IO:
		if (!is_pow2(size) || size < 4 || size > 256 || prefetchable)
			return -EINVAL;
		break;
	case PCI_BAR_MEM32:
		if (!is_pow2(size) || size < 16 || size > 2 * GiB)
			return -EINVAL;
		break;
	case PCI_BAR_MEM64:
		if (!is_pow2(size) || size < 16 || size > LAYOUT_PCI_MMIO64_SIZE ||
		    bar + 1 >= PCI_NR_BARS || dev->bars[bar + 1].kind != PCI_BAR_NONE)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (dev->bars[bar].kind == PCI_BAR_MEM64)
		return -EINVAL;		/* already described: no silent re-layout */

	b = &dev->bars[bar];
	*b = (struct pci_bar){ .kind = kind, .prefetchable = prefetchable, .size = size,
			       .ops = ops, .opaque = opaque, .gpa = PCI_BAR_UNMAPPED,
			       .refused = PCI_BAR_UNMAPPED };
	mask = ~(size - 1);
	if (kind == PCI_BAR_IO) {
		/* 16-bit I/O decode: the upper half reads back 0 when sized. */
		pci__cfg_set32(dev->cfg, reg, PCI_BASE_ADDRESS_SPACE_IO);
		pci__cfg_set32(dev->wmask, reg, (u32)mask & 0xFFFC);
		return 0;
	}
	pci__cfg_set32(dev->cfg, reg, (kind == PCI_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
		       (prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	pci__cfg_set32(dev->wmask, reg, (u32)mask & ~0xFU);
	if (kind == PCI_BAR_MEM64) {
		dev->bars[bar + 1].upper_half = true;
		pci__cfg_set32(dev->cfg, reg + 4, 0);
		pci__cfg_set32(dev->wmask, reg + 4, mask >> 32);
	}
	return 0;
}

/* ---- capabilities ------------------------------------------------------ */

u8 pci__find_capability(const struct pci_device *dev, u8 id, u8 after)
{
	u8 pos = after ? dev->cfg[after + 1] : dev->cfg[PCI_CAPABILITY_LIST];

	if (!after && !(pci__cfg_get16(dev, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	for (int n = 0; n < PCI_CAP_MAX_WALK; n++) {
		pos &= ~3;
		if (pos < PCI_CAP_START)
			return 0;
		if (dev->cfg[pos] == id)
			return pos;
		pos = dev->cfg[pos + 1];
	}
	return 0;	/* a looping list: treat as the end */
}

/* The body (zeros without one) and writable mask of a capability at @off. */
static void put_capability(struct pci_device *dev, u32 off, const void *body, const void *wmask,
			   u32 len)
{
	if (body)
		memcpy(&dev->cfg[off], body, len);
	else
		memset(&dev->cfg[off], 0, len);
	if (wmask)
		memcpy(&dev->wmask[off], wmask, len);
}

int pci__add_capability(struct pci_device *dev, u8 id, const void *body, u8 len,
			const void *wmask)
{
	u32 off = ALIGN_UP((u32)dev->cap_next, 4);
	u8 last = 0;

	if (dev->root || len < 2)
		return -EINVAL;
	if (off + len > PCI_CFG_LEGACY_SIZE)
		return -ENOSPC;

	u8 p = dev->cfg[PCI_CAPABILITY_LIST] & ~3;
	for (int n = 0; p >= PCI_CAP_START && n < PCI_CAP_MAX_WALK; n++) {
		last = p;
		p = dev->cfg[p + 1] & ~3;
	}

	put_capability(dev, off, body, wmask, len);
	dev->cfg[off] = id;
	dev->cfg[off + 1] = 0;
	dev->wmask[off] = dev->wmask[off + 1] = 0;

	if (last)
		dev->cfg[last + 1] = off;
	else
		dev->cfg[PCI_CAPABILITY_LIST] = off;
	pci__cfg_set16(dev->cfg, PCI_STATUS, pci__cfg_get16(dev, PCI_STATUS) | PCI_STATUS_CAP_LIST);
	dev->cap_next = off + len < PCI_CFG_LEGACY_SIZE ? off + len : 0xFF;
	return off;
}

u16 pci__find_ext_capability(const struct pci_device *dev, u16 id)
{
	u32 pos = PCI_EXT_CAP_START;

	for (unsigned int n = 0; n < PCI_EXT_CAP_MAX_WALK; n++) {
		u32 hdr = pci__cfg_get32(dev, pos);

		if (!hdr)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
		if (pos < PCI_EXT_CAP_START)
			return 0;
	}
	return 0;
}

int pci__add_ext_capability(struct pci_device *dev, u16 id, u8 version, const void *body,
			    u16 len, const void *wmask)
{
	u32 off = ALIGN_UP((u32)dev->ext_cap_next, 4);

	if (dev->root || len < 4 || version > 0xF)
		return -EINVAL;
	if (off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	put_capability(dev, off, body, wmask, len);
	pci__cfg_set32(dev->cfg, off, id | (u32)version << 16);
	pci__cfg_set32(dev->wmask, off, 0);
	if (dev->ext_cap_last) {
		u32 hdr = pci__cfg_get32(dev, dev->ext_cap_last);

		pci__cfg_set32(dev->cfg, dev->ext_cap_last, (hdr & 0xFFFFF) | off << 20);
	}
	dev->ext_cap_last = off;
	dev->ext_cap_next = off + len;
	return off;
}

/* ---- BARs ---------------------------------------------------------------- */

/* Where BAR @i decodes according to the config image, or PCI_BAR_UNMAPPED. */
static u64 bar_decode(const struct pci_device *dev, unsigned int i)
{
	const struct pci_bar *b = &dev->bars[i];
	u16 cmd = pci__cfg_get16(dev, PCI_COMMAND);
	u32 lo = pci__cfg_get32(dev, PCI_BASE_ADDRESS_0 + 4 * i);
	u64 addr, limit;

	switch (b->kind) {
	case PCI_BAR_IO:
		if (!(cmd & PCI_COMMAND_IO))
			return PCI_BAR_UNMAPPED;
		addr = lo & PCI_BASE_ADDRESS_IO_MASK;
		limit = 0x10000;
		break;
	case PCI_BAR_MEM32:
		if (!(cmd & PCI_COMMAND_MEMORY))
			return PCI_BAR_UNMAPPED;
		addr = lo & PCI_BASE_ADDRESS_MEM_MASK;
		limit = 4 * GiB;
		break;
	case PCI_BAR_MEM64:
		if (!(cmd & PCI_COMMAND_MEMORY))
			return PCI_BAR_UNMAPPED;
		addr = (lo & PCI_BASE_ADDRESS_MEM_MASK) |
		       (u64)pci__cfg_get32(dev, PCI_BASE_ADDRESS_0 + 4 * i + 4) << 32;
		limit = ~0ULL;
		break;
	default:
		return PCI_BAR_UNMAPPED;
	}
	/* 0 is "not assigned"; a BAR past the end of its space does not decode. */
	if (addr == 0 || !range_within(addr, b->size, limit))
		return PCI_BAR_UNMAPPED;
	return addr;
}

static bool overlaps_ram(const struct vm *vm, u64 addr, u64 size)
{
	for (unsigned int r = 0; r < vm->mem.nr_regions; r++)
		if (ranges_overlap(addr, size, vm->mem.regions[r].gpa, vm->mem.regions[r].size))
			return true;
	return false;
}

static int bar_move(struct pci_device *dev, unsigned int i, u64 old_gpa, u64 new_gpa)
{
	struct pci_bar *b = &dev->bars[i];
	struct vm *vm = dev->root->vm;
	struct bus *bus = b->kind == PCI_BAR_IO ? &vm->pio_bus : &vm->mmio_bus;

	if (dev->ops && dev->ops->bar_remap)
		return dev->ops->bar_remap(dev, i, old_gpa, new_gpa);
	if (!b->ops)
		return 0;
	if (old_gpa != PCI_BAR_UNMAPPED)
		bus__unregister(bus, old_gpa);
	if (new_gpa != PCI_BAR_UNMAPPED)
		return bus__register(bus, new_gpa, b->size, b->ops, b->opaque);
	return 0;
}

static void bar_conflict(struct pci_device *dev, unsigned int i, u64 addr, const char *why)
{
	struct pci_bar *b = &dev->bars[i];

	/* Once per refused address, not once per config write. */
	if (b->refused == addr)
		return;
	b->refused = addr;
	__atomic_add_fetch(&dev->root->stats.bar_conflicts, 1, __ATOMIC_RELAXED);
	pr_warn_ratelimited("pci: %s BAR%u at %#llx (size %#llx) not decoded: %s",
			    dev->name, i, (unsigned long long)addr,
			    (unsigned long long)b->size, why);
}

int pci_config__update_bars(struct pci_device *dev)
{
	int first_err = 0;

	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];
		u64 want = bar_decode(dev, i);
		int ret;

		if (b->kind == PCI_BAR_NONE)
			continue;
		if (want != PCI_BAR_UNMAPPED && b->kind != PCI_BAR_IO &&
		    overlaps_ram(dev->root->vm, want, b->size)) {
			bar_conflict(dev, i, want, "overlaps guest RAM");
			want = PCI_BAR_UNMAPPED;
		}
		if (want == b->gpa)
			continue;
		ret = bar_move(dev, i, b->gpa, want);
		if (ret) {
			bar_conflict(dev, i, want, strerror(-ret));
			b->gpa = PCI_BAR_UNMAPPED;
			first_err = first_err ?: ret;
			continue;
		}
		b->gpa = want;
		b->refused = PCI_BAR_UNMAPPED;
	}
	return first_err;
}

void pci_config__unmap_bars(struct pci_device *dev)
{
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];

		if (b->kind == PCI_BAR_NONE || b->gpa == PCI_BAR_UNMAPPED)
			continue;
		if (bar_move(dev, i, b->gpa, PCI_BAR_UNMAPPED))
			pr_warn("pci: %s BAR%u: unmapping failed", dev->name, i);
		b->gpa = PCI_BAR_UNMAPPED;
	}
}

/* ---- INTx ----------------------------------------------------------------- */

/* Count one device more or less asserting @gsi; the line is their OR. irq_lock held. */
static void line_change(struct pci_root *root, u8 gsi, bool assert)
{
	unsigned int idx = gsi - PCI_INTX_GSI_BASE;
	unsigned int before;

	if (idx >= PCI_INTX_LINES)
		return;
	before = root->intx_asserted[idx];
	if (assert)
		root->intx_asserted[idx]++;
	else if (before)
		root->intx_asserted[idx]--;
	if (!before != !root->intx_asserted[idx] &&
	    vm__irq_line(root->vm, gsi, root->intx_asserted[idx] > 0))
		pr_warn_ratelimited("pci: cannot set INTx GSI %u", gsi);
}

void pci__set_irq(struct pci_device *dev, bool level)
{
	struct pci_root *root = __atomic_load_n(&dev->root, __ATOMIC_ACQUIRE);

	if (!root)
		return;
	pthread_mutex_lock(&root->irq_lock);
	if (dev->intx_gsi != PCI_NO_GSI && dev->intx_level != level) {
		/* Atomic: config reads show it in Status without taking irq_lock. */
		__atomic_store_n(&dev->intx_level, level, __ATOMIC_RELAXED);
		if (!dev->intx_masked)
			line_change(root, dev->intx_gsi, level);
	}
	pthread_mutex_unlock(&root->irq_lock);
}

static void intx_update_mask(struct pci_device *dev)
{
	struct pci_root *root = dev->root;
	bool masked = pci__cfg_get16(dev, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;

	pthread_mutex_lock(&root->irq_lock);
	if (masked != dev->intx_masked) {
		dev->intx_masked = masked;
		if (dev->intx_level && dev->intx_gsi != PCI_NO_GSI)
			line_change(root, dev->intx_gsi, !masked);
	}
	pthread_mutex_unlock(&root->irq_lock);
}

void pci_config__intx_attach(struct pci_root *root, struct pci_device *dev)
{
	u8 pin = dev->cfg[PCI_INTERRUPT_PIN];

	pthread_mutex_lock(&root->irq_lock);
	__atomic_store_n(&dev->intx_level, false, __ATOMIC_RELAXED);
	dev->intx_masked = pci__cfg_get16(dev, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
	dev->intx_gsi = PCI_NO_GSI;
	if (pin >= 1 && pin <= 4) {
		dev->intx_gsi = LAYOUT_PCI_INTX_GSI(dev->slot, pin);
		/* What firmware would write: the IOAPIC pin the MP table routes it to. */
		dev->cfg[PCI_INTERRUPT_LINE] = dev->intx_gsi;
	}
	pthread_mutex_unlock(&root->irq_lock);
}

void pci_config__intx_detach(struct pci_root *root, struct pci_device *dev)
{
	pthread_mutex_lock(&root->irq_lock);
	if (dev->intx_level && !dev->intx_masked && dev->intx_gsi != PCI_NO_GSI)
		line_change(root, dev->intx_gsi, false);
	__atomic_store_n(&dev->intx_level, false, __ATOMIC_RELAXED);
	dev->intx_gsi = PCI_NO_GSI;
	pthread_mutex_unlock(&root->irq_lock);
}

/* ---- guest accesses ----------------------------------------------------- */

void pci_config__read(struct pci_device *dev, u32 off, void *data, u32 len)
{
	u8 *d = data;

	memcpy(d, &dev->cfg[off], len);
	/* Status.Interrupt is live: the INTx level, whatever the mask says. */
	if (off <= PCI_STATUS && PCI_STATUS < off + len) {
		bool level = __atomic_load_n(&dev->intx_level, __ATOMIC_RELAXED);

		d[PCI_STATUS - off] = (d[PCI_STATUS - off] & ~PCI_STATUS_INTERRUPT) |
				      (level ? PCI_STATUS_INTERRUPT : 0);
	}
	if (dev->ops && dev->ops->config_read)
		dev->ops->config_read(dev, off, data, len);
}

void pci_config__write(struct pci_device *dev, u32 off, const void *data, u32 len)
{
	const u8 *v = data;

	for (u32 i = 0; i < len; i++) {
		u8 *c = &dev->cfg[off + i];

		*c = (*c & ~dev->wmask[off + i]) | (v[i] & dev->wmask[off + i]);
		*c &= ~(v[i] & dev->w1cmask[off + i]);
	}
	if (ranges_overlap(off, len, PCI_COMMAND, 2))
		intx_update_mask(dev);
	if (ranges_overlap(off, len, PCI_COMMAND, 2) ||
	    ranges_overlap(off, len, PCI_BASE_ADDRESS_0, 4 * PCI_NR_BARS))
		(void)pci_config__update_bars(dev);	/* failures counted inside */
	if (dev->ops && dev->ops->config_write)
		dev->ops->config_write(dev, off, data, len);
}
