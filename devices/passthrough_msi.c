/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough interrupts. MSI and MSI-X are emulated: the guest programs
 * our capability and our shadow of the MSI-X table (its pages trap), and
 * each vector becomes a KVM MSI route bound to an eventfd that the backend
 * signals (SET_IRQS DATA_EVENTFD), through an interrupt group
 * (vmm/irq_routing.h): no device interrupt ever exits to imsvm. A masked
 * vector's irqfd is detached; the eventfd keeps counting and KVM delivers
 * the pending event when it is attached again. Enabling N vectors is one
 * SET_IRQS and one routing push. INTx is an irqfd with resample on the
 * IOAPIC pin of the slot. All under irq_lock.
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

	if (!x->present || x->attached || x->trigger < 0 || pt->msi.enabled || pt->msix.enabled)
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

/* Bind @n notifiers of @g on the device, then route them. irq_lock held. */
static int group_enable(struct passthrough *pt, u32 index, unsigned int n, struct irq_group **out)
{
	struct irq_group *g;
	int *fds, ret;

	ret = irq_group__create(pt->routing, n, &g);
	if (ret < 0)
		return ret;
	fds = calloc(n, sizeof(*fds));
	if (!fds) {
		irq_group__destroy(g);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		fds[i] = irq_group__notifier(g, i);
	ret = pt__be_set_irqs(pt, index, SET_TRIGGER_FDS, 0, n, fds);
	free(fds);
	if (ret < 0) {
		pr_warn("%s: enabling %u vectors of IRQ index %u: %s", pt->name, n, index,
			strerror(-ret));
		irq_group__destroy(g);
		return ret;
	}
	*out = g;
	return 0;
}

static void group_disable(struct passthrough *pt, u32 index, struct irq_group **g)
{
	if (!*g)
		return;
	if (!atomic_load(&pt->failed) &&
	    pt__be_set_irqs(pt, index, SET_DISABLE, 0, 0, NULL) < 0)
		pt__count(&pt->st.backend_errors);
	irq_group__destroy(*g);
	*g = NULL;
}

/* ---- MSI-X ---- */

static void msix_stage(struct passthrough *pt, unsigned int i)
{
	const u32 *e = &pt->msix.table[i * 4];
	bool masked = pt->msix.fmask || (e[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);

	if (irq_group__update(pt->msix.group, i, e[0] | (u64)e[1] << 32, e[2], masked) < 0)
		pt__count(&pt->st.backend_errors);	/* no GSI left: the vector stays silent */
}

static void msix_commit(struct passthrough *pt)
{
	if (irq_group__commit(pt->msix.group) < 0)
		pt__count(&pt->st.backend_errors);
}

static void msix_control(struct passthrough *pt)
{
	u16 ctrl = pci__cfg_get16(&pt->pdev, pt->msix.cap + PCI_MSIX_FLAGS);
	bool enable = ctrl & PCI_MSIX_FLAGS_ENABLE, fmask = ctrl & PCI_MSIX_FLAGS_MASKALL;
	bool was = pt->msix.enabled;

	pt->msix.fmask = fmask;
	if (enable && !was) {
		intx_off(pt);
		if (group_enable(pt, VFIO_PCI_MSIX_IRQ_INDEX, pt->msix.nvec, &pt->msix.group) < 0) {
			(void)intx_on(pt);
			return;
		}
		pt->msix.enabled = true;
	} else if (!enable && was) {
		group_disable(pt, VFIO_PCI_MSIX_IRQ_INDEX, &pt->msix.group);
		pt->msix.enabled = false;
		(void)intx_on(pt);
		return;
	} else if (!enable) {
		return;
	}
	/* All vectors in one batch: one routing push. */
	for (unsigned int i = 0; i < pt->msix.nvec; i++)
		msix_stage(pt, i);
	msix_commit(pt);
}

bool pt_msix__access(struct passthrough *pt, unsigned int bar, u64 off, void *data, u32 len,
		     bool write)
{
	struct pt_msix *m = &pt->msix;
	u64 table_len = (u64)m->nvec * 16, pba_len = ALIGN_UP((u64)m->nvec, 64) / 8;

	if (!m->present)
		return false;
	if (bar == m->table_bar && off >= m->table_off && off - m->table_off < table_len) {
		u64 rel = off - m->table_off;
		unsigned int i = (unsigned int)(rel / 16), dw = (unsigned int)(rel % 16) / 4;

		if ((len != 4 && len != 8) || !IS_ALIGNED(rel, len)) {
			pt__count(&pt->st.bad_accesses);
			if (!write)
				memset(data, 0xFF, len);
			return true;
		}
		pthread_mutex_lock(&pt->irq_lock);
		if (write) {
			memcpy(&m->table[i * 4 + dw], data, len);
			if (m->enabled && m->group) {
				msix_stage(pt, i);
				msix_commit(pt);
			}
		} else {
			memcpy(data, &m->table[i * 4 + dw], len);
		}
		pthread_mutex_unlock(&pt->irq_lock);
		return true;
	}
	if (bar == m->pba_bar && off >= m->pba_off && off - m->pba_off < pba_len) {
		/* Pending events wait in the eventfds, delivered on unmask: none to show. */
		if (!write)
			memset(data, 0, len);
		return true;
	}
	return false;
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
	pthread_mutex_lock(&pt->irq_lock);
	if (pt->msix.present && offset < pt->msix.cap + 12u && pt->msix.cap < offset + len)
		msix_control(pt);
	if (pt->msi.present && offset < pt->msi.cap + (u32)pt->msi.len &&
	    pt->msi.cap < offset + len)
		msi_control(pt);
	pthread_mutex_unlock(&pt->irq_lock);
}

/* ---- set-up and teardown ---- */

int pt_msi__setup(struct passthrough *pt)
{
	struct vfio_irq_info ii = { 0 };

	if (pt->msix.present) {
		pt->msix.table = calloc((size_t)pt->msix.nvec * 4, sizeof(u32));
		if (!pt->msix.table)
			return -ENOMEM;
		for (unsigned int i = 0; i < pt->msix.nvec; i++)
			pt->msix.table[i * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
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
	group_disable(pt, VFIO_PCI_MSIX_IRQ_INDEX, &pt->msix.group);
	pt->msix.enabled = false;
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
