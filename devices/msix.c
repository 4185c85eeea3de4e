/* SPDX-License-Identifier: GPL-2.0-only */
/* MSI-X table, PBA and capability over an interrupt group (devices/msix.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "devices/msix.h"
#include "devices/pci.h"
#include "vmm/irq_routing.h"
#include "vmm/log.h"

int msix__init(struct msix *m, struct irq_routing *routing, u16 nvec, u8 table_bar,
	       u32 table_off, u8 pba_bar, u32 pba_off, const struct msix_ops *ops, void *opaque)
{
	if (nvec == 0 || nvec > 2048 || table_bar >= PCI_NR_BARS || pba_bar >= PCI_NR_BARS ||
	    !IS_ALIGNED(table_off, 8) || !IS_ALIGNED(pba_off, 8))
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->table = calloc((size_t)nvec * 4, sizeof(u32));
	if (!m->table)
		return -ENOMEM;
	for (unsigned int i = 0; i < nvec; i++)
		m->table[i * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	m->nvec = nvec;
	m->table_bar = table_bar;
	m->table_off = table_off;
	m->pba_bar = pba_bar;
	m->pba_off = pba_off;
	m->routing = routing;
	m->ops = ops;
	m->opaque = opaque;
	pthread_mutex_init(&m->lock, NULL);
	return 0;
}

/* lock held */
static void disable(struct msix *m)
{
	if (m->group) {
		if (m->ops && m->ops->unbind)
			m->ops->unbind(m->opaque, m->group);
		irq_group__destroy(m->group);
		m->group = NULL;
	}
	m->enabled = false;
}

void msix__exit(struct msix *m)
{
	if (!m->table)
		return;
	pthread_mutex_lock(&m->lock);
	disable(m);
	pthread_mutex_unlock(&m->lock);
	free(m->table);
	m->table = NULL;
	pthread_mutex_destroy(&m->lock);
}

int msix__add_capability(struct msix *m, struct pci_device *dev)
{
	u8 body[12] = { 0 }, wmask[12] = { 0 };
	int ret;

	pci__cfg_set16(body, PCI_MSIX_FLAGS, (u16)(m->nvec - 1));
	pci__cfg_set32(body, PCI_MSIX_TABLE, m->table_off | m->table_bar);
	pci__cfg_set32(body, PCI_MSIX_PBA, m->pba_off | m->pba_bar);
	pci__cfg_set16(wmask, PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ret = pci__add_capability(dev, PCI_CAP_ID_MSIX, body, sizeof(body), wmask);
	if (ret < 0)
		return ret;
	m->cap = (u8)ret;
	return 0;
}

/* lock held, group present */
static void stage(struct msix *m, unsigned int i)
{
	const u32 *e = &m->table[i * 4];
	bool masked = m->fmask || (e[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT);

	if (irq_group__update(m->group, i, e[0] | (u64)e[1] << 32, e[2], masked) < 0)
		__atomic_add_fetch(&m->st.route_errors, 1, __ATOMIC_RELAXED);
}

static void commit(struct msix *m)
{
	if (irq_group__commit(m->group) < 0)
		__atomic_add_fetch(&m->st.route_errors, 1, __ATOMIC_RELAXED);
}

static int enable(struct msix *m)
{
	int ret;

	ret = irq_group__create(m->routing, m->nvec, &m->group);
	if (ret < 0)
		return ret;
	if (m->ops && m->ops->bind) {
		ret = m->ops->bind(m->opaque, m->group);
		if (ret < 0) {
			irq_group__destroy(m->group);
			m->group = NULL;
			return ret;
		}
	}
	m->enabled = true;
	return 0;
}

void msix__config_write(struct msix *m, struct pci_device *dev, u32 offset, u32 len)
{
	u16 ctrl;
	bool en, was;
	int ret;

	if (!m->cap || offset >= m->cap + 12u || m->cap >= offset + len)
		return;
	ctrl = pci__cfg_get16(dev, m->cap + PCI_MSIX_FLAGS);
	en = ctrl & PCI_MSIX_FLAGS_ENABLE;
	pthread_mutex_lock(&m->lock);
	was = m->enabled;
	m->fmask = ctrl & PCI_MSIX_FLAGS_MASKALL;
	if (en && !was) {
		ret = enable(m);
		if (ret < 0) {
			pr_warn("%s: enabling MSI-X (%u vectors): %s", dev->name, m->nvec,
				strerror(-ret));
			goto out;
		}
	} else if (!en) {
		if (was)
			disable(m);
		goto out;
	}
	/* Enable or Function Mask changed: every vector in one batch, one push. */
	for (unsigned int i = 0; i < m->nvec; i++)
		stage(m, i);
	commit(m);
out:
	pthread_mutex_unlock(&m->lock);
}

bool msix__access(struct msix *m, unsigned int bar, u64 off, void *data, u32 len, bool write)
{
	u64 table_len = msix__table_size(m->nvec), pba_len = msix__pba_size(m->nvec);

	if (bar == m->table_bar && off >= m->table_off && off - m->table_off < table_len) {
		u64 rel = off - m->table_off;
		unsigned int i = (unsigned int)(rel / 16), dw = (unsigned int)(rel % 16) / 4;

		if ((len != 4 && len != 8) || !IS_ALIGNED(rel, len)) {
			__atomic_add_fetch(&m->st.bad_accesses, 1, __ATOMIC_RELAXED);
			if (!write)
				memset(data, 0xFF, len);
			return true;
		}
		pthread_mutex_lock(&m->lock);
		if (write) {
			u32 old[4];

			memcpy(old, &m->table[i * 4], sizeof(old));
			memcpy(&m->table[i * 4 + dw], data, len);
			m->table[i * 4 + 3] &= PCI_MSIX_ENTRY_CTRL_MASKBIT;	/* reserved bits */
			if (m->enabled && memcmp(old, &m->table[i * 4], sizeof(old))) {
				stage(m, i);
				commit(m);
			}
		} else {
			memcpy(data, &m->table[i * 4 + dw], len);
		}
		pthread_mutex_unlock(&m->lock);
		return true;
	}
	if (bar == m->pba_bar && off >= m->pba_off && off - m->pba_off < pba_len) {
		/* Pending events wait in the eventfds and are delivered on unmask. */
		if (!write)
			memset(data, 0, len);
		return true;
	}
	return false;
}

int msix__trigger(struct msix *m, unsigned int vec)
{
	int ret;

	if (vec >= m->nvec)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (!m->enabled) {
		__atomic_add_fetch(&m->st.triggers_lost, 1, __ATOMIC_RELAXED);
		ret = -ENODEV;
	} else {
		ret = irq_group__trigger(m->group, vec);
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

bool msix__enabled(struct msix *m)
{
	bool en;

	pthread_mutex_lock(&m->lock);
	en = m->enabled;
	pthread_mutex_unlock(&m->lock);
	return en;
}

void msix__reset(struct msix *m)
{
	pthread_mutex_lock(&m->lock);
	disable(m);
	m->fmask = false;
	for (unsigned int i = 0; i < m->nvec; i++) {
		memset(&m->table[i * 4], 0, 12);
		m->table[i * 4 + 3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	pthread_mutex_unlock(&m->lock);
}
