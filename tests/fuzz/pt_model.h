/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the passthrough fuzz targets (passthrough_fuzz.c over vfio-user,
 * vfio_kernel_fuzz.c over kernel VFIO): the model device the fake server or
 * kernel describes, and the guest's side, driven through a fake VM.
 *
 * The model: the ADI simulator's IDs, a 4 KiB config space with MSI (64-bit,
 * maskable, 4 vectors) at 0x40, MSI-X (8 vectors, table at BAR4 + 0, PBA
 * at BAR4 + 0x800) at 0x60, vendor-specific at 0x70 (kept), PM at 0x80
 * (hidden), an extended capability at 0x100; BAR0 16 KiB, BAR2 4 KiB
 * (64-bit; IMS, 256 entries), BAR4 4 KiB; INTx pin A; IRQ indexes INTx 1, MSI 4,
 * MSI-X 8, ERR 1, REQ 1 and an IMS index (5) of 2048.
 *
 * Guest records, 12 bytes: op, sel, a (4), v (4), x (2)
 *   op % 8: 0/1 config write/read at a % 4096, size 1 << (x % 3)
 *           2/3 BAR sel % 6 write/read at a % its size, size 1 << (x % 4)
 *           4   device reset (the VM's reset)
 *           5   the device fails (what the event loop does on EPOLLHUP)
 *           6   hot unplug (`unassign`)
 *           7   guest RAM: 4 bytes v at a % RAM
 */
#ifndef TESTS_FUZZ_PT_MODEL_H
#define TESTS_FUZZ_PT_MODEL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/adisim/regs.h"
#include "devices/passthrough.h"
#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "vmm/irq_routing.h"
#include "vmm/layout.h"
#include "vmm/log.h"

#define PT_MODEL_CFG_SIZE	4096
#define PT_MODEL_RECORD		12
#define PT_MODEL_NR_IRQS	6
#define PT_MODEL_IMS_INDEX	5

static const u32 pt_model__irq_count[PT_MODEL_NR_IRQS] = { 1, 4, 8, 1, 1, 2048 };

/* The part of the input the model answers from, a byte at a time (0 once used up). */
struct pt_script {
	const u8 *s;
	size_t len;
};

static inline u8 pt_script__take(struct pt_script *sc)
{
	u8 b = 0;

	if (sc->len) {
		b = *sc->s++;
		sc->len--;
	}
	return b;
}

/* A region-info reply: the info, a sparse-mmap capability and its areas. */
struct pt_model_region_info {
	struct vfio_region_info info;
	struct vfio_region_info_cap_sparse_mmap sparse;
	struct vfio_region_sparse_mmap_area area[2];
} __attribute__((packed));

/* Routes and irqfds go nowhere: no interrupt is delivered, only set up. */
static inline int pt_model__ok_routing(void *ctx, const struct kvm_irq_routing *t)
{
	return 0;
}

static inline int pt_model__ok_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	return 0;
}

static const struct irq_routing_ops pt_model__routing_ops = {
	.set_gsi_routing = pt_model__ok_routing,
	.irqfd = pt_model__ok_irqfd,
};


/* Region sizes of the model (0: absent). */
static inline u64 pt_model__region_size(u32 index)
{
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return PT_MODEL_CFG_SIZE;
	case 0:
		return 0x4000;
	case 2:
		return 0x1000;	/* 256 IMS entries: --ims-mode=trap makes an eventfd each */
	case 4:
		return 0x1000;
	}
	return 0;
}

static inline void pt_model__put16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static inline void pt_model__put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

/* The model device's config space: what the server (or kernel) reads back. */
static inline void pt_model__cfg(u8 *c)
{
	memset(c, 0, PT_MODEL_CFG_SIZE);
	pt_model__put16(c + PCI_VENDOR_ID, ADISIM_PCI_VENDOR_ID);
	pt_model__put16(c + PCI_DEVICE_ID, ADISIM_PCI_DEVICE_ID);
	pt_model__put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	pt_model__put32(c + PCI_CLASS_REVISION, 0x08800001);
	pt_model__put32(c + PCI_BASE_ADDRESS_0, 0);
	pt_model__put32(c + PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_MEM_TYPE_64);
	pt_model__put32(c + PCI_BASE_ADDRESS_4, 0);
	c[PCI_INTERRUPT_PIN] = 1;
	c[PCI_CAPABILITY_LIST] = 0x40;
	/* MSI: 64-bit, per-vector masking, 4 vectors. */
	c[0x40] = PCI_CAP_ID_MSI;
	c[0x41] = 0x60;
	pt_model__put16(c + 0x42, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | 2 << 1);
	/* MSI-X: 8 vectors, table at BAR4 + 0, PBA at BAR4 + 0x800. */
	c[0x60] = PCI_CAP_ID_MSIX;
	c[0x61] = 0x70;
	pt_model__put16(c + 0x62, 7);
	pt_model__put32(c + 0x64, 4);
	pt_model__put32(c + 0x68, 0x800 | 4);
	/* Vendor specific (kept), then power management (hidden). */
	c[0x70] = PCI_CAP_ID_VNDR;
	c[0x71] = 0x80;
	c[0x72] = 8;
	c[0x80] = PCI_CAP_ID_PM;
	c[0x81] = 0;
	pt_model__put32(c + 0x100, 0x00010001);	/* an extended capability: AER v1, last */
}

static inline struct passthrough *pt_model__find(struct fake_vm *f, const char *prefix,
						 struct device **dev)
{
	device_list__for_each(&f->vm.devices, d) {
		if (!strncmp(d->name, prefix, strlen(prefix))) {
			*dev = d;
			return d->priv;
		}
	}
	return NULL;
}

static inline struct pci_device *pt_model__pdev(struct fake_vm *f)
{
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *d = pci__device_at(f->vm.pci, s);

		if (d && pci__cfg_get16(d, PCI_VENDOR_ID) == ADISIM_PCI_VENDOR_ID)
			return d;
	}
	return NULL;
}

/* Run the guest records of the input (see the targets' comments) on device @prefix*. */
static inline void pt_model__guest(struct fake_vm *f, const char *prefix, u8 *ram, size_t ram_size,
				   const u8 *data, size_t size)
{
	struct device *dev = NULL;
	struct passthrough *pt = pt_model__find(f, prefix, &dev);
	struct pci_device *d = pt_model__pdev(f);

	for (; size >= PT_MODEL_RECORD; data += PT_MODEL_RECORD, size -= PT_MODEL_RECORD) {
		u32 a, v;
		u16 x;
		u64 ecam = d ? LAYOUT_PCI_ECAM_BASE + ((u64)d->slot << 15) : LAYOUT_PCI_ECAM_BASE;
		const struct pci_bar *bar = d ? &d->bars[data[1] % 6] : NULL;

		memcpy(&a, data + 2, 4);
		memcpy(&v, data + 6, 4);
		memcpy(&x, data + 10, 2);
		switch (data[0] % 8) {
		case 0:
			fake_vm__mmio_write(f, ecam + a % 4096, v, 1u << (x % 3));
			break;
		case 1:
			(void)fake_vm__mmio_read(f, ecam + a % 4096, 1u << (x % 3));
			break;
		case 2:
			if (bar && bar->gpa != PCI_BAR_UNMAPPED && bar->size)
				fake_vm__mmio_write(f, bar->gpa + a % bar->size, v, 1u << (x % 4));
			break;
		case 3:
			if (bar && bar->gpa != PCI_BAR_UNMAPPED && bar->size)
				(void)fake_vm__mmio_read(f, bar->gpa + a % bar->size, 1u << (x % 4));
			break;
		case 4:
			if (pt && dev->ops->reset)
				dev->ops->reset(dev);
			break;
		case 5:
			if (pt)
				passthrough__fail(pt, "fuzz");
			break;
		case 6:
			if (pt) {
				passthrough__remove(pt);
				pt = NULL;
				d = NULL;
			}
			break;
		case 7:
			memcpy(ram + a % (ram_size - 3), &v, 4);
			break;
		}
	}
}

/*
 * The head of an input, the same for both targets: flags (1), npatch (1),
 * npatch (offset, value) pairs patched into the model's config space @cfg
 * (filled first), slen (2) and up to slen bytes of script. Leaves the guest
 * records in *data / *size; false when the input is too short.
 */
static inline bool pt_model__parse_head(const u8 **data, size_t *size, u8 *cfg,
					struct pt_script *sc, u8 *flags)
{
	const u8 *d = *data;
	size_t n = *size;
	u8 npatch;
	u16 slen;

	if (n < 4)
		return false;
	*flags = d[0];
	npatch = d[1];
	d += 2;
	n -= 2;
	pt_model__cfg(cfg);
	for (; npatch && n >= 2; npatch--, d += 2, n -= 2)
		cfg[d[0]] = d[1];
	if (n < 2)
		return false;
	memcpy(&slen, d, 2);
	d += 2;
	n -= 2;
	sc->s = d;
	sc->len = MIN((size_t)slen, n);
	*data = d + sc->len;
	*size = n - sc->len;
	return true;
}

/* A fake VM with @ram as guest RAM, the stub routes and the PCI root. */
static inline void pt_model__vm_init(struct fake_vm *f, u8 *ram, size_t ram_size, u8 flags)
{
	/* The device's and the guest's errors are expected: errors only. */
	log_level = getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_ERR;
	fake_vm__init(f);
	f->cfg.ims_mode = flags & 1 ? VM_IMS_TRAP : VM_IMS_AUTO;
	memset(ram, 0, ram_size);
	if (guest_mem__layout(&f->vm.mem, ram, -1, ram_size))
		__builtin_trap();
	irq_routing__set_test_ops(&pt_model__routing_ops, NULL);
	if (pci__init(&f->vm))
		__builtin_trap();
}

#endif /* TESTS_FUZZ_PT_MODEL_H */
