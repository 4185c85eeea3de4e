/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PV-IC guest driver: the PCI driver for the PV-IC function
 * (494D:0010, docs/pvic.md), the API ADI drivers use (imsvm-pvic.h), the
 * event interrupt (MSI-X vector 0) and debugfs counters.
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/hw_irq.h>

#include "internal.h"

/* A VM has at most one PV-IC (docs/pvic.md, section 1). */
static DEFINE_MUTEX(pvic_global_lock);
static struct pvic *pvic_dev;

static u32 adi_id_of(struct pci_dev *pdev)
{
	return PVIC_ADI_ID(pci_domain_nr(pdev->bus), pdev->bus->number,
			   PCI_SLOT(pdev->devfn), PCI_FUNC(pdev->devfn));
}

/* ---- API for ADI drivers ------------------------------------------------ */

struct imsvm_pvic_adi *imsvm_pvic_adi_get(struct pci_dev *pdev,
					  void (*removed)(void *priv), void *priv)
{
	struct pvic_adi_info info;
	struct imsvm_pvic_adi *adi, *other;
	struct pvic *p;
	u32 freed = 0;
	int ret;

	mutex_lock(&pvic_global_lock);
	p = pvic_dev;
	if (!p) {
		ret = -EPROBE_DEFER;
		goto err_unlock;
	}
	adi = kzalloc(sizeof(*adi), GFP_KERNEL);
	if (!adi) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	adi->pvic = p;
	adi->pdev = pdev;
	adi->id = adi_id_of(pdev);
	adi->removed = removed;
	adi->priv = priv;
	spin_lock_init(&adi->free_lock);
	INIT_LIST_HEAD(&adi->vecs);

	ret = pvic_query_adi(p, adi->id, &info);
	if (!ret && (info.state & PVIC_ADI_FAILED))
		ret = -ENODEV;
	if (ret)
		goto err_free;
	mutex_lock(&p->adis_lock);
	list_for_each_entry(other, &p->adis, node) {
		if (other->id == adi->id) {
			mutex_unlock(&p->adis_lock);
			ret = -EBUSY;
			goto err_free;
		}
	}
	list_add_tail(&adi->node, &p->adis);
	mutex_unlock(&p->adis_lock);

	/* Handles of an earlier instance (a crashed driver, kexec) go. */
	ret = pvic_reset_adi(p, adi->id, &freed);
	if (ret)
		dev_warn(&pdev->dev, "PV-IC RESET_ADI: %d\n", ret);
	else if (freed)
		dev_info(&pdev->dev, "PV-IC: freed %u handles of an earlier driver\n", freed);
	dev_info(&pdev->dev, "PV-IC ADI %#x: %u host IRQs, %u handles free, %u routes free\n",
		 adi->id, info.irq_count, info.handles_free, info.routes_free);
	mutex_unlock(&pvic_global_lock);
	return adi;

err_free:
	kfree(adi);
err_unlock:
	mutex_unlock(&pvic_global_lock);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(imsvm_pvic_adi_get);

void imsvm_pvic_adi_put(struct imsvm_pvic_adi *adi)
{
	struct pvic *p = adi->pvic;
	struct pvic_adi_info info = {};
	u32 freed = 0;
	int ret, qret;

	mutex_lock(&p->adis_lock);
	list_del(&adi->node);
	mutex_unlock(&p->adis_lock);

	ret = adi->dead ? 0 : pvic_reset_adi(p, adi->id, &freed);
	qret = adi->dead ? -ENODEV : pvic_query_adi(p, adi->id, &info);
	if (freed)
		p->released_leftover += freed;
	dev_info(&adi->pdev->dev, "PV-IC ADI %#x released: reset %d, leftover handles %u, handles owned now %u (query %d)\n",
		 adi->id, ret, freed, info.handles_owned, qret);
	kfree(adi);
}
EXPORT_SYMBOL_GPL(imsvm_pvic_adi_put);

int imsvm_pvic_adi_query(struct imsvm_pvic_adi *adi, struct imsvm_pvic_adi_info *out)
{
	struct pvic_adi_info info;
	int ret;

	ret = pvic_query_adi(adi->pvic, adi->id, &info);
	if (ret)
		return ret;
	out->irq_count = info.irq_count;
	out->ims_entries = info.ims_entries;
	out->handles_owned = info.handles_owned;
	out->handles_free = info.handles_free;
	out->routes_free = info.routes_free;
	out->state = info.state;
	return 0;
}
EXPORT_SYMBOL_GPL(imsvm_pvic_adi_query);

int imsvm_pvic_alloc_irqs(struct imsvm_pvic_adi *adi, u32 first_ims, unsigned int nvec)
{
	struct irq_alloc_info info;

	if (!nvec || nvec > PVIC_MAX_HANDLES)
		return -EINVAL;
	if (first_ims != IMSVM_PVIC_IMS_ANY &&
	    (first_ims > PVIC_IMS_INDEX_MAX || nvec - 1 > PVIC_IMS_INDEX_MAX - first_ims))
		return -EINVAL;
	if (adi->dead)
		return -ENODEV;
	/*
	 * The vector domain reads an irq_alloc_info; the PV-IC domain finds
	 * its ADI in .data and the first IMS slot in .hwirq. No .mask: the
	 * vector is assigned at activation, as for MSI (reservation mode).
	 */
	memset(&info, 0, sizeof(info));
	info.type = X86_IRQ_ALLOC_TYPE_PCI_MSIX;
	info.devid = adi->id;
	info.hwirq = first_ims;
	info.data = adi;
	return __irq_domain_alloc_irqs(adi->pvic->domain, -1, nvec,
				       dev_to_node(&adi->pdev->dev), &info, false, NULL);
}
EXPORT_SYMBOL_GPL(imsvm_pvic_alloc_irqs);

void imsvm_pvic_free_irqs(struct imsvm_pvic_adi *adi, unsigned int virq, unsigned int nvec)
{
	unsigned long flags;
	unsigned int i;

	/* Linux frees hierarchical interrupts one by one; FREE in batches. */
	spin_lock_irqsave(&adi->free_lock, flags);
	adi->defer_free = true;
	spin_unlock_irqrestore(&adi->free_lock, flags);
	for (i = 0; i < nvec; i++)
		irq_dispose_mapping(virq + i);
	spin_lock_irqsave(&adi->free_lock, flags);
	adi->defer_free = false;
	spin_unlock_irqrestore(&adi->free_lock, flags);
	pvic_adi_flush_free(adi);
}
EXPORT_SYMBOL_GPL(imsvm_pvic_free_irqs);

int imsvm_pvic_get_msg(unsigned int virq, struct msi_msg *msg)
{
	struct irq_data *d = irq_get_irq_data(virq);
	struct pvic_vec *v;

	if (!d || !pvic_dev || d->domain != pvic_dev->domain)
		return -EINVAL;
	v = irq_data_get_irq_chip_data(d);
	*msg = v->msg;
	return 0;
}
EXPORT_SYMBOL_GPL(imsvm_pvic_get_msg);

/* ---- Events (MSI-X vector 0) --------------------------------------------- */

static void pvic_check_adis(struct pvic *p)
{
	struct imsvm_pvic_adi *adi;
	struct pvic_adi_info info;
	int ret;

	mutex_lock(&p->adis_lock);
	list_for_each_entry(adi, &p->adis, node) {
		if (adi->dead)
			continue;
		ret = pvic_query_adi(p, adi->id, &info);
		if (ret == -ENODEV || (!ret && (info.state & PVIC_ADI_FAILED))) {
			adi->dead = true;
			dev_warn(&adi->pdev->dev, "PV-IC: ADI failed or removed; its interrupts are gone\n");
			if (adi->removed)
				adi->removed(adi->priv);
		} else if (!ret) {
			dev_info(&adi->pdev->dev, "PV-IC: ADI owns %u handles\n", info.handles_owned);
		}
	}
	mutex_unlock(&p->adis_lock);
}

static irqreturn_t pvic_event_thread(int irq, void *data)
{
	struct pvic *p = data;
	u32 cause;
	int i;

	cause = readl(p->regs + PVIC_REG_EVENT_CAUSE) & PVIC_EVENT_ALL;
	if (!cause)
		return IRQ_NONE;
	writel(cause, p->regs + PVIC_REG_EVENT_CAUSE);
	for (i = 0; i < 3; i++)
		if (cause & (1u << i))
			p->events[i]++;
	if (cause & PVIC_EVENT_ADI_ADDED) {
		int found;

		/* The new function is on the PV-IC's bus: let Linux find it. */
		pci_lock_rescan_remove();
		found = pci_rescan_bus(p->pdev->bus);
		pci_unlock_rescan_remove();
		dev_info(&p->pdev->dev, "PV-IC: an ADI was assigned (%u now); bus rescanned, %d new\n",
			 readl(p->regs + PVIC_REG_NR_ADIS), found);
	}
	if (cause & (PVIC_EVENT_ADI_REMOVED | PVIC_EVENT_HANDLES_REVOKED))
		pvic_check_adis(p);
	return IRQ_HANDLED;
}

static int pvic_setup_events(struct pvic *p)
{
	int ret;

	p->event_irq = -1;
	if (!(p->features & PVIC_FEAT_EVENTS))
		return 0;
	ret = pci_alloc_irq_vectors(p->pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	ret = pci_irq_vector(p->pdev, PVIC_MSIX_VECTOR_EVENTS);
	if (ret < 0)
		goto err_vectors;
	p->event_irq = ret;
	ret = request_threaded_irq(p->event_irq, NULL, pvic_event_thread, IRQF_ONESHOT,
				   "imsvm-pvic-events", p);
	if (ret)
		goto err_vectors;
	return 0;

err_vectors:
	p->event_irq = -1;
	pci_free_irq_vectors(p->pdev);
	return ret;
}

/* ---- debugfs ---------------------------------------------------------- */

static int stats_show(struct seq_file *m, void *unused)
{
	struct pvic *p = m->private;
	struct imsvm_pvic_adi *adi;
	unsigned long flags;
	u32 op;

	raw_spin_lock_irqsave(&p->lock, flags);
	seq_printf(m, "features %#x\nmax_entries %u\nnr_vcpus %u\nnext_seq %u\n",
		   p->features, p->max_entries, p->nr_vcpus, p->seq);
	seq_printf(m, "doorbells %llu\nlive_vectors %llu\nretarget_failures %llu\n",
		   p->doorbells, (u64)atomic64_read(&p->live_vectors),
		   (u64)atomic64_read(&p->retarget_failures));
	seq_printf(m, "events_added %llu\nevents_removed %llu\nevents_revoked %llu\n",
		   p->events[0], p->events[1], p->events[2]);
	seq_printf(m, "released_leftover %llu\n", p->released_leftover);
	for (op = 1; op <= PVIC_OP_MAX; op++)
		seq_printf(m, "op_%s batches %llu entries %llu failed %llu\n", pvic_op_name(op),
			   p->ops[op].batches, p->ops[op].entries, p->ops[op].failed_batches);
	raw_spin_unlock_irqrestore(&p->lock, flags);
	mutex_lock(&p->adis_lock);
	list_for_each_entry(adi, &p->adis, node)
		seq_printf(m, "adi %s id %#x%s\n", pci_name(adi->pdev), adi->id,
			   adi->dead ? " dead" : "");
	mutex_unlock(&p->adis_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Per live vector: the host's route next to what Linux chose. */
static int vectors_show(struct seq_file *m, void *unused)
{
	struct pvic *p = m->private;
	struct imsvm_pvic_adi *adi;
	struct pvic_vec *v;
	unsigned long flags;

	seq_puts(m, "# adi irq handle ims route_apic route_vector masked linux_apic linux_vector\n");
	mutex_lock(&p->adis_lock);
	list_for_each_entry(adi, &p->adis, node) {
		spin_lock_irqsave(&adi->free_lock, flags);
		list_for_each_entry(v, &adi->vecs, node) {
			struct irq_cfg *cfg = irqd_cfg(irq_get_irq_data(v->irq));

			seq_printf(m, "%s %u %u %u %u %u %u %u %u\n", pci_name(adi->pdev), v->irq,
				   v->handle, v->ims_index, v->dest, v->vector, v->masked,
				   cfg ? cfg->dest_apicid : 0, cfg ? cfg->vector : 0);
		}
		spin_unlock_irqrestore(&adi->free_lock, flags);
	}
	mutex_unlock(&p->adis_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vectors);

/* ---- PCI driver --------------------------------------------------------- */

static int pvic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pvic *p;
	phys_addr_t gpa;
	u32 magic, version;
	int ret;

	p = devm_kzalloc(&pdev->dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pdev = pdev;
	raw_spin_lock_init(&p->lock);
	mutex_init(&p->adis_lock);
	INIT_LIST_HEAD(&p->adis);
	p->event_irq = -1;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), DRV_NAME);
	if (ret)
		return ret;
	p->regs = pcim_iomap_table(pdev)[0];
	if (pci_resource_len(pdev, 0) < PVIC_BAR0_SIZE)
		return -ENODEV;
	magic = readl(p->regs + PVIC_REG_MAGIC);
	version = readl(p->regs + PVIC_REG_VERSION);
	if (magic != PVIC_MAGIC_VALUE || (version >> 16) != PVIC_VERSION_MAJOR) {
		dev_err(&pdev->dev, "not a PV-IC 1.x: magic %#x version %#x\n", magic, version);
		return -ENODEV;
	}

	/* The host reads the page by guest-physical address: no DMA API. */
	p->page = (struct pvic_page *)get_zeroed_page(GFP_KERNEL);
	if (!p->page)
		return -ENOMEM;
	gpa = virt_to_phys(p->page);
	writel(lower_32_bits(gpa), p->regs + PVIC_REG_CMD_GPA_LO);
	writel(upper_32_bits(gpa), p->regs + PVIC_REG_CMD_GPA_HI);
	p->seq = 1;
	p->max_entries = 1;	/* until NEGOTIATE says */
	ret = pvic_negotiate(p);
	if (ret) {
		dev_err(&pdev->dev, "NEGOTIATE failed: %d\n", ret);
		goto err_page;
	}
	ret = pvic_domain_create(p);
	if (ret)
		goto err_page;
	ret = pvic_setup_events(p);
	if (ret)
		dev_warn(&pdev->dev, "no event interrupt (%d): ADI removal goes unnoticed\n", ret);

	mutex_lock(&pvic_global_lock);
	if (pvic_dev) {
		mutex_unlock(&pvic_global_lock);
		dev_err(&pdev->dev, "a second PV-IC: ignored\n");
		ret = -EBUSY;
		goto err_events;
	}
	pvic_dev = p;
	mutex_unlock(&pvic_global_lock);
	pci_set_drvdata(pdev, p);
	p->debugfs = debugfs_create_dir(DRV_NAME, NULL);
	debugfs_create_file("stats", 0444, p->debugfs, p, &stats_fops);
	debugfs_create_file("vectors", 0444, p->debugfs, p, &vectors_fops);
	dev_info(&pdev->dev, "PV-IC %u.%u: features %#x, %u entries per batch, %u vCPUs, %u ADIs\n",
		 version >> 16, version & 0xFFFF, p->features, p->max_entries, p->nr_vcpus,
		 readl(p->regs + PVIC_REG_NR_ADIS));
	return 0;

err_events:
	if (p->event_irq >= 0) {
		free_irq(p->event_irq, p);
		pci_free_irq_vectors(pdev);
	}
	pvic_domain_destroy(p);
err_page:
	writel(0, p->regs + PVIC_REG_CMD_GPA_LO);
	writel(0, p->regs + PVIC_REG_CMD_GPA_HI);
	free_page((unsigned long)p->page);
	return ret;
}

static void pvic_remove(struct pci_dev *pdev)
{
	struct pvic *p = pci_get_drvdata(pdev);

	mutex_lock(&pvic_global_lock);
	pvic_dev = NULL;
	mutex_unlock(&pvic_global_lock);
	/* ADI drivers hold a module reference: none can be left here. */
	WARN_ON(!list_empty(&p->adis));
	debugfs_remove_recursive(p->debugfs);
	if (p->event_irq >= 0) {
		free_irq(p->event_irq, p);
		pci_free_irq_vectors(pdev);
	}
	pvic_domain_destroy(p);
	dev_info(&pdev->dev, "PV-IC unbound: %llu doorbells, %llu ALLOC entries, %llu FREE entries, %llu live vectors\n",
		 p->doorbells, p->ops[PVIC_OP_ALLOC].entries, p->ops[PVIC_OP_FREE].entries,
		 (u64)atomic64_read(&p->live_vectors));
	writel(0, p->regs + PVIC_REG_CMD_GPA_LO);
	writel(0, p->regs + PVIC_REG_CMD_GPA_HI);
	free_page((unsigned long)p->page);
}

static const struct pci_device_id pvic_ids[] = {
	{ PCI_DEVICE(PVIC_PCI_VENDOR_ID, PVIC_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, pvic_ids);

static struct pci_driver pvic_driver = {
	.name = DRV_NAME,
	.id_table = pvic_ids,
	.probe = pvic_probe,
	.remove = pvic_remove,
	/*
	 * No unbind through sysfs: the ADI drivers' interrupts live in this
	 * domain. Module unload is safe: they hold a reference to the module.
	 */
	.driver.suppress_bind_attrs = true,
};
module_pci_driver(pvic_driver);

MODULE_DESCRIPTION("imsvm paravirtual interrupt controller (PV-IC): IMS interrupts for assigned devices");
MODULE_LICENSE("GPL");
