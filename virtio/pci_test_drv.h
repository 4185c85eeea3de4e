/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio unit tests' fixture and driver (pci_test.c, blk_test.c): a fake
 * VM with 16 MiB of RAM, a PCI bus and a running event loop, MSI routes
 * recorded instead of reaching KVM, and a tiny driver for queue 0 of a
 * device (capabilities, feature negotiation, rings in guest RAM, kicks
 * through the notify area). Each test file includes it once and gets its
 * own copy of the state.
 */
#ifndef VIRTIO_PCI_TEST_DRV_H
#define VIRTIO_PCI_TEST_DRV_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "devices/pci.h"
#include "tests/unit/fake_vm.h"
#include "virtio/pci.h"
#include "vmm/event_loop.h"
#include "vmm/irq_routing.h"

#define RAM		(16 * MiB)
#define QSZ		16

static struct fake_vm f;
static u8 *ram;
static int irqfds[64];
static unsigned int nr_irqfds;

static inline int fake_routing(void *ctx, const struct kvm_irq_routing *t)
{
	return 0;
}

static inline int fake_irqfd(void *ctx, const struct kvm_irqfd *k)
{
	if (!(k->flags & KVM_IRQFD_FLAG_DEASSIGN) && nr_irqfds < ARRAY_SIZE(irqfds))
		irqfds[nr_irqfds++] = (int)k->fd;
	return 0;
}

static const struct irq_routing_ops routing_ops = {
	.set_gsi_routing = fake_routing,
	.irqfd = fake_irqfd,
};

static inline void virtio_test__setup(void)
{
	nr_irqfds = 0;
	fake_vm__init(&f);
	ram = aligned_alloc(4096, RAM);
	cr_assert_not_null(ram);
	memset(ram, 0, RAM);
	cr_assert_eq(guest_mem__layout(&f.vm.mem, ram, -1, RAM), 0);
	irq_routing__set_test_ops(&routing_ops, NULL);
	cr_assert_eq(pci__init(&f.vm), 0);
	cr_assert_eq(event_loop__create(&f.vm.loop), 0);
	cr_assert_eq(event_loop__start(f.vm.loop), 0);
}

static inline void virtio_test__teardown(void)
{
	fake_vm__destroy(&f);
	event_loop__stop(f.vm.loop);
	event_loop__destroy(f.vm.loop);
	irq_routing__set_test_ops(NULL, NULL);
	free(ram);
}

/* ---- a tiny driver ---- */

struct drv {
	struct pci_device *dev;
	u64 bar;
	u64 desc, avail, used;	/* queue 0's rings in guest RAM */
};

static inline struct pci_device *find(u16 device_id, unsigned int nth)
{
	for (unsigned int s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *d = pci__device_at(f.vm.pci, s);

		if (d && pci__cfg_get16(d, PCI_VENDOR_ID) == 0x1AF4 &&
		    pci__cfg_get16(d, PCI_DEVICE_ID) == device_id && nth-- == 0)
			return d;
	}
	return NULL;
}

static inline void cfg_write(struct pci_device *d, u32 off, u32 val, u32 len)
{
	fake_vm__pio_write(&f, 0xCF8, 0x80000000u | (u32)d->slot << 11 | (off & 0xFC), 4);
	fake_vm__pio_write(&f, (u16)(0xCFC + (off & 3)), val, len);
}

static inline u32 cfg_read(struct pci_device *d, u32 off, u32 len)
{
	fake_vm__pio_write(&f, 0xCF8, 0x80000000u | (u32)d->slot << 11 | (off & 0xFC), 4);
	return fake_vm__pio_read(&f, (u16)(0xCFC + (off & 3)), len);
}

static inline u64 rd(struct drv *v, u32 off, u32 len)
{
	return fake_vm__mmio_read(&f, v->bar + off, len);
}

static inline void wr(struct drv *v, u32 off, u64 val, u32 len)
{
	fake_vm__mmio_write(&f, v->bar + off, val, len);
}

static inline void drv_init(struct drv *v, u16 device_id, unsigned int nth, u64 ring_base)
{
	v->dev = find(device_id, nth);
	cr_assert_not_null(v->dev, "device 0x%x #%u not on the bus", device_id, nth);
	v->bar = v->dev->bars[0].gpa;
	cr_assert_neq(v->bar, PCI_BAR_UNMAPPED);
	v->desc = ring_base;
	v->avail = ring_base + 0x1000;
	v->used = ring_base + 0x2000;
}

/* The driver side of 3.1.1 up to DRIVER_OK, queue 0 only. */
static inline void drv_start(struct drv *v, u32 features_hi, u32 features_lo)
{
	wr(v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	wr(v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(v, VIRTIO_PCI_COMMON_GF, features_lo, 4);
	wr(v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(v, VIRTIO_PCI_COMMON_GF, features_hi, 4);
	wr(v, VIRTIO_PCI_COMMON_STATUS, 0xB, 1);
	cr_assert_eq(rd(v, VIRTIO_PCI_COMMON_STATUS, 1), 0xB, "FEATURES_OK refused");
	wr(v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(v, VIRTIO_PCI_COMMON_Q_SIZE, QSZ, 2);
	wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, (u32)v->desc, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_AVAILLO, (u32)v->avail, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_USEDLO, (u32)v->used, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_USEDHI, 0, 4);
	wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	cr_assert_eq(rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	wr(v, VIRTIO_PCI_COMMON_STATUS, 0xF, 1);
	cr_assert_eq(rd(v, VIRTIO_PCI_COMMON_STATUS, 1), 0xF);
}

static inline struct vring_desc *desc(struct drv *v, unsigned int i)
{
	return (struct vring_desc *)(ram + v->desc) + i;
}

static inline void offer(struct drv *v, u16 head)
{
	struct vring_avail *a = (struct vring_avail *)(ram + v->avail);

	a->ring[a->idx % QSZ] = head;
	__atomic_store_n(&a->idx, (u16)(a->idx + 1), __ATOMIC_RELEASE);
	wr(v, VIRTIO_PCI_NOTIFY_OFF, 0, 2);	/* kick queue 0 */
}

static inline u16 used_idx(struct drv *v)
{
	return __atomic_load_n(&((struct vring_used *)(ram + v->used))->idx, __ATOMIC_ACQUIRE);
}

static inline struct vring_used_elem used_elem(struct drv *v, unsigned int i)
{
	return ((struct vring_used *)(ram + v->used))->ring[i % QSZ];
}

/* Wait (bounded) for @cond: the device works on the event loop / I/O thread. */
#define WAIT_FOR(cond) do {						\
	for (int __i = 0; __i < 2000 && !(cond); __i++)		\
		usleep(1000);						\
	cr_assert(cond, "timed out waiting for " #cond);		\
} while (0)

#endif /* VIRTIO_PCI_TEST_DRV_H */
