/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough interrupts. MSI and MSI-X are emulated: the guest programs
 * our capability and our shadow of the MSI-X table (its pages trap; the
 * table logic is devices/msix.c's, shared with virtio-pci), and
 * each vector becomes a KVM MSI route bound to an eventfd that the backend
 * signals (SET_IRQS DATA_EVENTFD), through an interrupt group
 * (vmm/irq_routing.h): no device interrupt ever exits to imsvm. A masked
 * vector's irqfd is detached; the eventfd keeps counting and KVM delivers
 * the pending event when it is attached again. Enabling N vectors is one
 * SET_IRQS and one routing push. INTx is an irqfd with resample on the
 * IOAPIC pin of the slot. MSI and INTx under irq_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/irq_routing.h"
#include "vmm/log.h"
#include "devices/passthrough_priv.h"

#define SET_TRIGGER_FDS		(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define SET_DISABLE		(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)

/*
 * INTx off while MSI or MSI-X is on: vfio-pci refuses to enable MSI while
 * the device's INTx is set up (and so may a vfio-user server); QEMU does the
 * same. irq_lock held.
 */
static void intx_off(struct passthrough *pt)
{
	struct pt_intx *x = &pt->intx;

	if (!x->attached)
		return;
	(void)irq_routing__intx_detach(pt->routing, x->gsi, x->trigger);
	if (pt__be_set_irqs(pt, VFIO_PCI_INTX_IRQ_INDEX, SET_DISABLE, 0, 0, NULL) < 0)
		pt__count(&pt->st.backend_errors);
	x->attached = false;
}

/* Bind the INTx eventfds on the device and attach the resample irqfd. irq_lock held. */
static int intx_on(struct passthrough *pt)
{
	struct pt_intx *x = &pt->intx;
	int ret;

	if (!x->present || x->attached || x->trigger < 0 || pt->msi.enabled || pt->msix_on)
		return 0;
	/* The device signals trigger; KVM signals resample at EOI, which unmasks the line. */
	ret = pt__be_set_irqs(pt, VFIO_PCI_INTX_IRQ_INDEX, SET_TRIGGER_FDS, 0, 1, &x->trigger);
	if (ret == 0)
		ret = pt__be_set_irqs(pt, VFIO_PCI_INTX_IRQ_INDEX,
				      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
				      &x->resample);
	if (ret == 0)
		ret = irq_routing__intx_attach(pt->routing, x->gsi, x->trigger, x->resample);
	if (ret < 0) {
		pr_warn("%s: INTx on GSI %u: %s (no INTx)", pt->name, x->gsi, strerror(-ret));
		return ret;
	}
	x->attached = true;
	return 0;
}

/* Hand the @n notifiers of @g to the device (SET_IRQS). irq_lock held. */
static int bind_notifiers(struct passthrough *pt, u32 index, unsigned int n, struct irq_group *g)
{
	int *fds, ret;

	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		fds[i] = irq_group__notifier(g, i);
	ret = pt__be_set_irqs(pt, index, SET_TRIGGER_FDS, 0, n, fds);
	free(fds);
	if (ret < 0 && ret != -ECANCELED)	/* -ECANCELED: imsvm is stopping */
		pr_warn("%s: enabling %u vectors of IRQ index %u: %s", pt->name, n, index,
			strerror(-ret));
	return ret;
}

/* Create a group of @n vectors and bind its notifiers on the device. irq_lock held. */
static int group_enable(struct passthrough *pt, u32 index, unsigned int n, struct irq_group **out)
{
	struct irq_group *g;
	int ret;

	ret = irq_group__create(pt->routing, n, &g);
	if (ret < 0)
		return ret;
	ret = bind_notifiers(pt, index, n, g);
	if (ret < 0) {
		irq_group__destroy(g);
		return ret;
	}
	*out = g;
	return 0;
}

/* Tell the device (unless it failed) that index @index signals nothing. irq_lock held. */
static void unbind_index(struct passthrough *pt, u32 index)
{
	if (!atomic_load(&pt->failed) &&
	    pt__be_set_irqs(pt, index, SET_DISABLE, 0, 0, NULL) < 0)
		pt__count(&pt->st.backend_errors);
}

static void group_disable(struct passthrough *pt, u32 index, struct irq_group **g)
{
	if (!*g)
		return;
	unbind_index(pt, index);
	irq_group__destroy(*g);
	*g = NULL;
}

/*
 * ---- MSI-X ----
 * The table, PBA, Enable and Function Mask are devices/msix.c's, as for
 * virtio-pci; what is passthrough's is telling the device, through these
 * ops (called under the table's lock, before irq_lock).
 */

static int msix_bind(void *opaque, struct irq_group *g)
{
	struct passthrough *pt = opaque;
	int ret;

	pthread_mutex_lock(&pt->irq_lock);
	intx_off(pt);
	ret = bind_notifiers(pt, VFIO_PCI_MSIX_IRQ_INDEX, pt->msix.nvec, g);
	if (ret < 0)
		(void)intx_on(pt);
	else
		pt->msix_on = true;
	pthread_mutex_unlock(&pt->irq_lock);
	return ret;
}

static void msix_unbind(void *opaque, struct irq_group *g)
{
	struct passthrough *pt = opaque;

	(void)g;
	pthread_mutex_lock(&pt->irq_lock);
	unbind_index(pt, VFIO_PCI_MSIX_IRQ_INDEX);
	pt->msix_on = false;
	if (!pt->irq_closing)
		(void)intx_on(pt);
	pthread_mutex_unlock(&pt->irq_lock);
}

const struct msix_ops pt_msix_ops = {
	.bind = msix_bind,
	.unbind = msix_unbind,
};

bool pt_msix__access(struct passthrough *pt, unsigned int bar, u64 off, void *data, u32 len,
		     bool write)
{
	return pt->msix_present && msix__access(&pt->msix, bar, off, data, len, write);
}

/* ---- MSI ---- */

static void msi_stage_all(struct passthrough *pt)
{
	const struct pci_device *d = &pt->pdev;
	u8 cap = pt->msi.cap;
	u64 addr = pci__cfg_get32(d, cap + PCI_MSI_ADDRESS_LO);
	u32 data, mask = 0;

	if (pt->msi.is64) {
		addr |= (u64)pci__cfg_get32(d, cap + PCI_MSI_ADDRESS_HI) << 32;
		data = pci__cfg_get16(d, cap + PCI_MSI_DATA_64);
	} else {
		data = pci__cfg_get16(d, cap + PCI_MSI_DATA_32);
	}
	if (pt->msi.maskable)
		mask = pci__cfg_get32(d, cap + (pt->msi.is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32));
	for (unsigned int i = 0; i < pt->msi.nvec; i++) {
		/* Multiple message: vector i replaces the low bits of the data. */
		u32 di = (data & ~(pt->msi.nvec - 1)) | i;

		if (irq_group__update(pt->msi.group, i, addr, di, mask & (1u << i)) < 0)
			pt__count(&pt->st.backend_errors);
	}
	if (irq_group__commit(pt->msi.group) < 0)
		pt__count(&pt->st.backend_errors);
}

static void msi_control(struct passthrough *pt)
{
	u16 ctrl = pci__cfg_get16(&pt->pdev, pt->msi.cap + PCI_MSI_FLAGS);
	bool enable = ctrl & PCI_MSI_FLAGS_ENABLE;

	if (enable && !pt->msi.enabled) {
		unsigned int n = 1u << ((ctrl & PCI_MSI_FLAGS_QSIZE) >> 4);

		n = MIN(n, pt->msi.max_vec);
		intx_off(pt);
		if (group_enable(pt, VFIO_PCI_MSI_IRQ_INDEX, n, &pt->msi.group) < 0) {
			(void)intx_on(pt);
			return;
		}
		pt->msi.nvec = n;
		pt->msi.enabled = true;
	} else if (!enable && pt->msi.enabled) {
		group_disable(pt, VFIO_PCI_MSI_IRQ_INDEX, &pt->msi.group);
		pt->msi.enabled = false;
		(void)intx_on(pt);
		return;
	} else if (!enable) {
		return;
	}
	msi_stage_all(pt);
}

void pt_msi__config_write(struct passthrough *pt, u32 offset, u32 len)
{
	/* Outside irq_lock: MSI-X's lock comes first. */
	if (pt->msix_present)
		msix__config_write(&pt->msix, &pt->pdev, offset, len);
	pthread_mutex_lock(&pt->irq_lock);
	if (pt->msi.present && offset < pt->msi.cap + (u32)pt->msi.len &&
	    pt->msi.cap < offset + len)
		msi_control(pt);
	pthread_mutex_unlock(&pt->irq_lock);
}

/* ---- set-up and teardown ---- */

int pt_msi__setup(struct passthrough *pt)
{
	struct vfio_irq_info ii = { 0 };

	/* INTx only if the device has a pin and the backend can signal it. */
	if (pt->intx.present &&
	    (pt->ops->irq_info(pt->b, VFIO_PCI_INTX_IRQ_INDEX, &ii) < 0 || ii.count == 0 ||
	     !(ii.flags & VFIO_IRQ_INFO_EVENTFD)))
		pt->intx.present = false;
	if (pt->intx.present)
		pci__set_intx_pin(&pt->pdev, pt->intx.pin);
	return 0;
}

int pt_intx__setup(struct passthrough *pt)
{
	struct pt_intx *x = &pt->intx;
	int ret;

	if (!x->present)
		return 0;
	x->gsi = pt->pdev.intx_gsi;
	x->trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->trigger < 0 || x->resample < 0)
		return -errno;
	pthread_mutex_lock(&pt->irq_lock);
	ret = intx_on(pt);
	pthread_mutex_unlock(&pt->irq_lock);
	return ret;
}

void pt_irq__teardown(struct passthrough *pt)
{
	pthread_mutex_lock(&pt->irq_lock);
	pt->irq_closing = true;
	pthread_mutex_unlock(&pt->irq_lock);
	/* MSI-X off (its unbind tells the device), before irq_lock: lock order. */
	if (pt->msix_present)
		msix__reset(&pt->msix);
	pthread_mutex_lock(&pt->irq_lock);
	group_disable(pt, VFIO_PCI_MSI_IRQ_INDEX, &pt->msi.group);
	pt->msi.enabled = false;
	if (pt->intx.attached) {
		(void)irq_routing__intx_detach(pt->routing, pt->intx.gsi, pt->intx.trigger);
		if (!atomic_load(&pt->failed))
			(void)pt__be_set_irqs(pt, VFIO_PCI_INTX_IRQ_INDEX, SET_DISABLE, 0, 0, NULL);
		pt->intx.attached = false;
	}
	if (pt->intx.trigger >= 0)
		close(pt->intx.trigger);
	if (pt->intx.resample >= 0)
		close(pt->intx.resample);
	pt->intx.trigger = pt->intx.resample = -1;
	pthread_mutex_unlock(&pt->irq_lock);
}
