/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-pci, modern transport only (no legacy I/O BAR): a driver that does
 * not accept VIRTIO_F_VERSION_1 is refused at FEATURES_OK.
 *
 * The BAR's bus registration and its ioeventfds move together in
 * bar_remap(), so a notify write always reaches the queue's kick eventfd:
 * inside KVM when the ioeventfd is in place, through notify_write() below
 * when it is not (another access size, or KVM refused it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_pci.h>

#include "devices/msix.h"
#include "devices/pci.h"
#include "virtio/ioeventfd.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define VIRTIO_PCI_VENDOR	0x1AF4
#define VIRTIO_PCI_DEVICE_BASE	0x1040

struct virtio_pci {
	struct pci_device pdev;
	struct virtio_dev *vdev;
	struct vm *vm;
	struct irq_routing *routing;
	struct msix msix;
	u64 bar_gpa;			/* where BAR 0 decodes, or PCI_BAR_UNMAPPED */
	u8 cfg_cap;			/* offset of the VIRTIO_PCI_CAP_PCI_CFG window */
	bool ioeventfds;		/* registered at bar_gpa */
	u16 queue_select;		/* under vdev->lock */
	u8 isr;				/* under vdev->lock */
	struct virtio_pci_stats st;	/* __atomic */
};

static void count(u64 *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* ---- interrupts (vdev->lock held) ---- */

static void signal_vector(struct virtio_pci *vp, u16 vector, u8 isr_bit)
{
	if (msix__enabled(&vp->msix)) {
		if (vector != VIRTIO_NO_VECTOR && msix__trigger(&vp->msix, vector) < 0)
			count(&vp->st.lost_interrupts);
		return;
	}
	vp->isr |= isr_bit;
	pci__set_irq(&vp->pdev, true);
}

static void signal_queue(struct virtio_dev *vdev, unsigned int q)
{
	struct virtio_pci *vp = vdev->transport_priv;

	signal_vector(vp, vdev->queues[q].vector, 1);
}

static void signal_config(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = vdev->transport_priv;

	signal_vector(vp, vdev->config_vector, VIRTIO_PCI_ISR_CONFIG);
}

static const struct virtio_transport_ops virtio_pci_transport = {
	.signal_queue = signal_queue,
	.signal_config = signal_config,
};

/* ---- common configuration ---- */

static void common_read(struct virtio_pci *vp, u32 off, void *data, u32 len)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtio_pci_common_cfg c;

	memset(&c, 0, sizeof(c));
	c.device_feature_select = vdev->dfselect;
	c.device_feature = virtio__read_device_features(vdev);
	c.guest_feature_select = vdev->gfselect;
	c.guest_feature = vdev->gfselect <= 1 ?
			  (u32)(vdev->driver_features >> (32 * vdev->gfselect)) : 0;
	c.msix_config = vdev->config_vector;
	c.num_queues = (u16)vdev->nr_queues;
	c.device_status = vdev->status;
	c.config_generation = vdev->config_generation;
	c.queue_select = vp->queue_select;
	if (vp->queue_select < vdev->nr_queues) {
		const struct virtio_queue_state *qs = &vdev->queues[vp->queue_select];

		c.queue_size = qs->size;
		c.queue_msix_vector = qs->vector;
		c.queue_enable = qs->enabled;
		c.queue_notify_off = vp->queue_select;
		c.queue_desc_lo = (u32)qs->desc;
		c.queue_desc_hi = (u32)(qs->desc >> 32);
		c.queue_avail_lo = (u32)qs->avail;
		c.queue_avail_hi = (u32)(qs->avail >> 32);
		c.queue_used_lo = (u32)qs->used;
		c.queue_used_hi = (u32)(qs->used >> 32);
	}
	if (!range_within(off, len, sizeof(c))) {
		count(&vp->st.bad_accesses);
		memset(data, 0xFF, len);
		return;
	}
	memcpy(data, (u8 *)&c + off, len);
}

/* A 64-bit queue address written as two dwords or one qword. */
static bool write_addr(u64 *addr, u32 off, u32 field, u64 val, u32 len)
{
	if (off == field && len == 8) {
		*addr = val;
	} else if (off == field && len == 4) {
		*addr = (*addr & ~0xffffffffULL) | (u32)val;
	} else if (off == field + 4 && len == 4) {
		*addr = (*addr & 0xffffffffULL) | val << 32;
	} else {
		return false;
	}
	return true;
}

static u16 checked_vector(struct virtio_pci *vp, u64 val)
{
	/* The driver reads the vector back: NO_VECTOR says "not accepted". */
	return val < vp->msix.nvec ? (u16)val : VIRTIO_NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, u32 off, u64 val, u32 len)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtio_queue_state *qs = NULL;
	bool ok = true;

	if (vp->queue_select < vdev->nr_queues)
		qs = &vdev->queues[vp->queue_select];

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		ok = len == 4;
		vdev->dfselect = (u32)val;
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		ok = len == 4;
		vdev->gfselect = (u32)val;
		break;
	case VIRTIO_PCI_COMMON_GF:
		ok = len == 4;
		if (ok)
			virtio__write_driver_features(vdev, (u32)val);
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		ok = len == 2;
		vdev->config_vector = checked_vector(vp, val);
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		ok = len == 1;
		if (ok) {
			virtio__write_status(vdev, (u8)val);
			if (vdev->status == 0) {
				vp->isr = 0;
				pci__set_irq(&vp->pdev, false);
			}
		}
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		ok = len == 2;
		vp->queue_select = (u16)val;
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		ok = len == 2 && qs;
		/* A power of two up to the maximum, before the queue is enabled. */
		if (ok && !qs->enabled && val && val <= qs->max_size && !(val & (val - 1)))
			qs->size = (u16)val;
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		ok = len == 2 && qs;
		if (ok)
			qs->vector = checked_vector(vp, val);
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		ok = len == 2 && qs;
		if (ok && val == 1)
			virtio__enable_queue(vdev, vp->queue_select);
		break;
	default:
		if (!qs || qs->enabled) {
			ok = qs != NULL;
			break;
		}
		ok = write_addr(&qs->desc, off, VIRTIO_PCI_COMMON_Q_DESCLO, val, len) ||
		     write_addr(&qs->avail, off, VIRTIO_PCI_COMMON_Q_AVAILLO, val, len) ||
		     write_addr(&qs->used, off, VIRTIO_PCI_COMMON_Q_USEDLO, val, len);
		break;
	}
	if (!ok) {
		count(&vp->st.bad_accesses);
		pr_warn_ratelimited("%s: bad common config write at %#x (%u bytes)", vdev->name,
				    off, len);
	}
}

/* ---- BAR 0 ---- */

static void bar_read(void *opaque, u64 off, void *data, u32 len)
{
	struct virtio_pci *vp = opaque;
	struct virtio_dev *vdev = vp->vdev;

	if (msix__access(&vp->msix, 0, off, data, len, false))
		return;
	memset(data, 0, len);
	pthread_mutex_lock(&vdev->lock);
	if (off < VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_LEN) {
		common_read(vp, (u32)off, data, len);
	} else if (off == VIRTIO_PCI_ISR_OFF) {
		/* Reading ISR acknowledges it and lowers INTx. */
		*(u8 *)data = vp->isr;
		vp->isr = 0;
		pci__set_irq(&vp->pdev, false);
	} else if (off >= VIRTIO_PCI_DEVCFG_OFF &&
		   range_within(off - VIRTIO_PCI_DEVCFG_OFF, len, vdev->config_len)) {
		if (vdev->ops->config_read)
			vdev->ops->config_read(vdev, (u32)(off - VIRTIO_PCI_DEVCFG_OFF), data, len);
	} else {
		count(&vp->st.bad_accesses);
	}
	pthread_mutex_unlock(&vdev->lock);
}

static void notify_write(struct virtio_pci *vp, u64 off)
{
	u64 q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT, one = 1;

	if (q >= vp->vdev->nr_queues) {
		count(&vp->st.bad_accesses);
		return;
	}
	count(&vp->st.mmio_kicks);
	if (write(vp->vdev->queues[q].kick_fd, &one, sizeof(one)) < 0)
		count(&vp->st.bad_accesses);
}

static void bar_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct virtio_pci *vp = opaque;
	struct virtio_dev *vdev = vp->vdev;
	u64 val = 0;

	if (msix__access(&vp->msix, 0, off, (void *)data, len, true))
		return;
	if (off >= VIRTIO_PCI_NOTIFY_OFF &&
	    off < VIRTIO_PCI_NOTIFY_OFF + (u64)VIRTIO_PCI_NOTIFY_MULT * vdev->nr_queues) {
		notify_write(vp, off);
		return;
	}
	memcpy(&val, data, MIN(len, sizeof(val)));
	pthread_mutex_lock(&vdev->lock);
	if (off < VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_LEN) {
		common_write(vp, (u32)off, val, len);
	} else if (off >= VIRTIO_PCI_DEVCFG_OFF &&
		   range_within(off - VIRTIO_PCI_DEVCFG_OFF, len, vdev->config_len)) {
		if (vdev->ops->config_write)
			vdev->ops->config_write(vdev, (u32)(off - VIRTIO_PCI_DEVCFG_OFF), data, len);
	} else {
		count(&vp->st.bad_accesses);
	}
	pthread_mutex_unlock(&vdev->lock);
}

static const struct bus_ops virtio_pci_bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

/* ---- PCI hooks ---- */

static void set_ioeventfds(struct virtio_pci *vp, u64 gpa, bool on)
{
	struct virtio_dev *vdev = vp->vdev;

	for (unsigned int q = 0; q < vdev->nr_queues; q++) {
		u64 a = gpa + VIRTIO_PCI_NOTIFY_OFF + (u64)q * VIRTIO_PCI_NOTIFY_MULT;
		int ret;

		if (!on) {
			(void)ioeventfd__deassign(vp->vm, a, 2, vdev->queues[q].kick_fd);
			continue;
		}
		ret = ioeventfd__assign(vp->vm, a, 2, vdev->queues[q].kick_fd);
		if (ret < 0) {
			/* Kicks still work, through an exit. */
			count(&vp->st.ioeventfd_errors);
			pr_debug("%s: ioeventfd for queue %u: %s", vdev->name, q, strerror(-ret));
			while (q--)
				(void)ioeventfd__deassign(vp->vm, gpa + VIRTIO_PCI_NOTIFY_OFF +
							  (u64)q * VIRTIO_PCI_NOTIFY_MULT, 2,
							  vdev->queues[q].kick_fd);
			return;
		}
	}
	vp->ioeventfds = on;
}

static int bar_remap(struct pci_device *dev, unsigned int bar, u64 old_gpa, u64 new_gpa)
{
	struct virtio_pci *vp = dev->priv;
	struct bus *mmio = &vp->vm->mmio_bus;
	int ret;

	if (bar != 0)
		return 0;
	if (old_gpa != PCI_BAR_UNMAPPED) {
		if (vp->ioeventfds)
			set_ioeventfds(vp, old_gpa, false);
		vp->ioeventfds = false;
		(void)bus__unregister(mmio, old_gpa);
	}
	vp->bar_gpa = PCI_BAR_UNMAPPED;
	if (new_gpa == PCI_BAR_UNMAPPED)
		return 0;
	ret = bus__register(mmio, new_gpa, VIRTIO_PCI_BAR_SIZE, &virtio_pci_bar_ops, vp);
	if (ret < 0)
		return ret;
	vp->bar_gpa = new_gpa;
	set_ioeventfds(vp, new_gpa, true);
	return 0;
}

/*
 * The VIRTIO_PCI_CAP_PCI_CFG window (virtio 4.1.4.9): the driver names a
 * BAR offset and length in the capability, then reads or writes
 * pci_cfg_data to access BAR 0 there through config space. True with
 * @off/@len set when the window is usable (BAR 0, 1/2/4 bytes, aligned,
 * inside the BAR).
 */
static bool cfg_window(struct virtio_pci *vp, u32 offset, u32 len, u64 *off, u32 *wlen)
{
	const struct pci_device *d = &vp->pdev;
	u32 data = vp->cfg_cap + 16u;

	if (!vp->cfg_cap || offset >= data + 4 || offset + len <= data)
		return false;
	*off = pci__cfg_get32(d, vp->cfg_cap + 8);
	*wlen = pci__cfg_get32(d, vp->cfg_cap + 12);
	if (d->cfg[vp->cfg_cap + 4] != 0 || (*wlen != 1 && *wlen != 2 && *wlen != 4) ||
	    !IS_ALIGNED(*off, *wlen) || *off + *wlen > VIRTIO_PCI_BAR_SIZE) {
		count(&vp->st.bad_accesses);
		return false;
	}
	return true;
}

static void config_read(struct pci_device *dev, u32 offset, void *data, u32 len)
{
	struct virtio_pci *vp = dev->priv;
	u8 window[4] = { 0 };
	u32 wlen;
	u64 off;

	if (!cfg_window(vp, offset, len, &off, &wlen))
		return;
	bar_read(vp, off, window, wlen);
	/* @data covers [offset, offset + len) of config space; the window starts at cap + 16. */
	for (u32 i = 0; i < len; i++) {
		u32 w = offset + i - (vp->cfg_cap + 16u);

		if (offset + i >= vp->cfg_cap + 16u && w < 4)
			((u8 *)data)[i] = window[w];
	}
}

static void config_write(struct pci_device *dev, u32 offset, const void *data, u32 len)
{
	struct virtio_pci *vp = dev->priv;
	u32 wlen;
	u64 off;

	msix__config_write(&vp->msix, dev, offset, len);
	/* A write of the data field performs the BAR write with the image's bytes. */
	if (cfg_window(vp, offset, len, &off, &wlen))
		bar_write(vp, off, &dev->cfg[vp->cfg_cap + 16], wlen);
}

static const struct pci_device_ops virtio_pci_ops = {
	.config_read = config_read,
	.config_write = config_write,
	.bar_remap = bar_remap,
};

/* One vendor capability (virtio 4.1.4) describing a part of BAR 0. */
static int add_cap(struct virtio_pci *vp, u8 type, u32 offset, u32 length, bool notify)
{
	u8 body[20] = { 0 };
	u8 len = notify ? 20 : 16;

	body[2] = len;
	body[3] = type;
	body[4] = 0;		/* BAR 0 */
	pci__cfg_set32(body, 8, offset);
	pci__cfg_set32(body, 12, length);
	if (notify)
		pci__cfg_set32(body, 16, VIRTIO_PCI_NOTIFY_MULT);
	return pci__add_capability(&vp->pdev, PCI_CAP_ID_VNDR, body, len, NULL);
}

/* VIRTIO_PCI_CAP_PCI_CFG: bar, offset, length and the data dword are writable. */
static int add_cfg_window(struct virtio_pci *vp)
{
	u8 body[20] = { 0 }, wmask[20] = { 0 };
	int ret;

	body[2] = sizeof(body);
	body[3] = VIRTIO_PCI_CAP_PCI_CFG;
	wmask[4] = 0xff;
	memset(&wmask[8], 0xff, 12);
	ret = pci__add_capability(&vp->pdev, PCI_CAP_ID_VNDR, body, sizeof(body), wmask);
	if (ret < 0)
		return ret;
	vp->cfg_cap = (u8)ret;
	return 0;
}

int virtio_pci__add(struct vm *vm, struct virtio_dev *vdev, u32 class_code,
		    struct virtio_pci **out)
{
	struct virtio_pci *vp;
	u16 nvec = (u16)(vdev->nr_queues + 1);
	int ret;

	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->vdev = vdev;
	vp->vm = vm;
	vp->bar_gpa = PCI_BAR_UNMAPPED;
	vdev->transport = &virtio_pci_transport;
	vdev->transport_priv = vp;

	ret = irq_routing__get(vm, &vp->routing);
	if (ret < 0)
		goto err_free;
	ret = msix__init(&vp->msix, vp->routing, nvec, 0, VIRTIO_PCI_MSIX_TABLE_OFF, 0,
			 VIRTIO_PCI_MSIX_PBA_OFF, NULL, NULL);
	if (ret < 0)
		goto err_routing;

	pci__device_init(&vp->pdev, vdev->name, VIRTIO_PCI_VENDOR,
			 (u16)(VIRTIO_PCI_DEVICE_BASE + vdev->device_id), class_code, 1,
			 &virtio_pci_ops, vp);
	pci__set_subsystem(&vp->pdev, VIRTIO_PCI_VENDOR, 0x0040);
	pci__set_intx_pin(&vp->pdev, 1);
	ret = pci__set_bar(&vp->pdev, 0, PCI_BAR_MEM32, VIRTIO_PCI_BAR_SIZE, false, NULL, NULL);
	if (ret < 0)
		goto err_msix;
	if ((ret = add_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
			   VIRTIO_PCI_COMMON_LEN, false)) < 0 ||
	    (ret = add_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 1, false)) < 0 ||
	    (ret = add_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
			   VIRTIO_PCI_NOTIFY_MULT * vdev->nr_queues, true)) < 0 ||
	    (vdev->config_len &&
	     (ret = add_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVCFG_OFF,
			    vdev->config_len, false)) < 0))
		goto err_msix;
	ret = add_cfg_window(vp);
	if (ret < 0)
		goto err_msix;
	ret = msix__add_capability(&vp->msix, &vp->pdev);
	if (ret < 0)
		goto err_msix;
	ret = pci__register(vm->pci, &vp->pdev);
	if (ret < 0)
		goto err_msix;
	*out = vp;
	return 0;

err_msix:
	msix__exit(&vp->msix);
err_routing:
	irq_routing__put(vp->routing);
err_free:
	vdev->transport = NULL;
	free(vp);
	return ret;
}

void virtio_pci__remove(struct virtio_pci *vp)
{
	if (!vp)
		return;
	if (vp->pdev.root)
		(void)pci__unregister(vp->pdev.root, &vp->pdev);
	msix__exit(&vp->msix);
	irq_routing__put(vp->routing);
	vp->vdev->transport = NULL;
	free(vp);
}

void virtio_pci__stats(struct virtio_pci *vp, struct virtio_pci_stats *st)
{
	st->bad_accesses = __atomic_load_n(&vp->st.bad_accesses, __ATOMIC_RELAXED);
	st->mmio_kicks = __atomic_load_n(&vp->st.mmio_kicks, __ATOMIC_RELAXED);
	st->ioeventfd_errors = __atomic_load_n(&vp->st.ioeventfd_errors, __ATOMIC_RELAXED);
}
