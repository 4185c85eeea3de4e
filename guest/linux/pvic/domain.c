/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PV-IC guest driver: the irq domain.
 *
 * It sits on the x86 vector domain, as the interrupt-remapping domains and
 * Hyper-V's PCI domain do: the vector domain picks the CPU and vector, this
 * domain tells the host where the ADI's interrupt must go. The PV-IC keeps
 * destination and vector in its KVM route, not in the message, so a
 * message written into IMS stays valid across affinity changes.
 *
 * alloc    -> ALLOC (one batch per page of entries), masked: the vector
 *             domain only reserves a vector until the interrupt is
 *             activated, so there is no destination to give yet
 * activate -> RETARGET to the vector Linux assigned
 * affinity -> RETARGET (the device is not touched)
 * mask     -> MASK, unmask -> UNMASK
 * free     -> FREE (batched by imsvm_pvic_free_irqs())
 */
#include <linux/irq.h>
#include <linux/slab.h>
#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irq_vectors.h>
#include <asm/irqdomain.h>

#include "internal.h"

static int vec_set_route(struct pvic_vec *v, u32 op, u32 dest, u32 vector)
{
	struct pvic *p = v->adi->pvic;
	struct pvic_entry e = {
		.handle = v->handle,
		.dest_id = dest,
		.vector = vector,
		.delivery_mode = PVIC_DELIVERY_FIXED,
		.dest_mode = PVIC_DEST_PHYSICAL,
	};
	int ret;

	ret = pvic_exec(p, op, v->adi->id, 0, &e, 1, NULL);
	if (!ret)
		ret = e.status;
	if (ret)
		return ret;
	v->dest = dest;
	v->vector = vector;
	return 0;
}

/* Point the host route at what the vector domain chose, if it moved. */
static int vec_follow_cfg(struct irq_data *d)
{
	struct pvic_vec *v = irq_data_get_irq_chip_data(d);
	struct irq_cfg *cfg = irqd_cfg(d);
	int ret;

	/* No vector yet (only reserved), or shut down: nothing to follow. */
	if (!cfg || cfg->vector < FIRST_EXTERNAL_VECTOR ||
	    cfg->vector == MANAGED_IRQ_SHUTDOWN_VECTOR)
		return 0;
	if (cfg->dest_apicid == v->dest && cfg->vector == v->vector)
		return 0;
	ret = vec_set_route(v, PVIC_OP_RETARGET, cfg->dest_apicid, cfg->vector);
	if (ret) {
		atomic64_inc(&v->adi->pvic->retarget_failures);
		pr_err_ratelimited(DRV_NAME ": irq %u handle %u: RETARGET to apic %u vector %u failed: %d\n",
				   d->irq, v->handle, cfg->dest_apicid, cfg->vector, ret);
	}
	return ret;
}

static void vec_mask_op(struct irq_data *d, bool mask)
{
	struct pvic_vec *v = irq_data_get_irq_chip_data(d);
	struct pvic_entry e = { .handle = v->handle };
	int ret;

	if (v->masked == mask || v->adi->dead)
		return;
	ret = pvic_exec(v->adi->pvic, mask ? PVIC_OP_MASK : PVIC_OP_UNMASK,
			v->adi->id, 0, &e, 1, NULL);
	if (!ret)
		ret = e.status;
	if (ret) {
		pr_err_ratelimited(DRV_NAME ": irq %u handle %u: %s failed: %d\n", d->irq,
				   v->handle, mask ? "MASK" : "UNMASK", ret);
		return;
	}
	v->masked = mask;
}

static void pvic_irq_mask(struct irq_data *d)
{
	vec_mask_op(d, true);
}

static void pvic_irq_unmask(struct irq_data *d)
{
	/* A route that never followed the vector must not be opened. */
	if (vec_follow_cfg(d))
		return;
	vec_mask_op(d, false);
}

static int pvic_irq_set_affinity(struct irq_data *d, const struct cpumask *mask, bool force)
{
	struct irq_data *parent = d->parent_data;
	int ret;

	ret = parent->chip->irq_set_affinity(parent, mask, force);
	if (ret < 0 || ret == IRQ_SET_MASK_OK_DONE)
		return ret;
	/*
	 * The vector domain keeps the old vector until an interrupt arrives
	 * on the new one (apic_ack_edge() through irq_chip_ack_parent), so an
	 * interrupt in flight during the RETARGET is not lost.
	 */
	if (vec_follow_cfg(d))
		return -EIO;
	return ret;
}

static void pvic_irq_compose_msi_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct pvic_vec *v = irq_data_get_irq_chip_data(d);

	*msg = v->msg;
}

static struct irq_chip pvic_irq_chip = {
	.name = "IMSVM-PVIC",
	.irq_ack = irq_chip_ack_parent,
	.irq_mask = pvic_irq_mask,
	.irq_unmask = pvic_irq_unmask,
	.irq_set_affinity = pvic_irq_set_affinity,
	.irq_compose_msi_msg = pvic_irq_compose_msi_msg,
	.irq_retrigger = irq_chip_retrigger_hierarchy,
	.flags = IRQCHIP_SKIP_SET_WAKE,
};

/* Send the pending FREE batch of @adi. */
void pvic_adi_flush_free(struct imsvm_pvic_adi *adi)
{
	struct pvic_entry *e;
	unsigned long flags;
	u32 i, n, base, chunk, done = 0;
	int ret;

	e = kcalloc(PVIC_FREE_BATCH, sizeof(*e), GFP_KERNEL);
	spin_lock_irqsave(&adi->free_lock, flags);
	n = adi->nr_pending;
	adi->nr_pending = 0;
	for (i = 0; e && i < n; i++)
		e[i].handle = adi->pending[i];
	spin_unlock_irqrestore(&adi->free_lock, flags);
	if (!n)
		goto out;
	if (!e) {
		/* No memory for a batch: RESET_ADI at put frees them. */
		pr_err(DRV_NAME ": %s: %u handles left for RESET_ADI\n", pci_name(adi->pdev), n);
		return;
	}
	/* The host may take fewer entries per page than the page holds. */
	for (base = 0; base < n && !adi->dead; base += chunk) {
		chunk = min_t(u32, n - base, adi->pvic->max_entries);
		ret = pvic_exec(adi->pvic, PVIC_OP_FREE, adi->id, 0, e + base, chunk, &done);
		if (ret)
			pr_err(DRV_NAME ": %s: FREE of %u handles: %d (%u freed)\n",
			       pci_name(adi->pdev), chunk, ret, done);
	}
out:
	kfree(e);
}

static void pvic_domain_free(struct irq_domain *domain, unsigned int virq, unsigned int nr)
{
	struct pvic *p = domain->host_data;
	struct imsvm_pvic_adi *adi = NULL;
	unsigned long flags;
	unsigned int i;
	bool flush = false;

	for (i = 0; i < nr; i++) {
		struct irq_data *d = irq_domain_get_irq_data(domain, virq + i);
		struct pvic_vec *v = d ? irq_data_get_irq_chip_data(d) : NULL;

		if (!v)
			continue;
		if (adi && adi != v->adi)
			pvic_adi_flush_free(adi);
		adi = v->adi;
		spin_lock_irqsave(&adi->free_lock, flags);
		list_del(&v->node);
		adi->pending[adi->nr_pending++] = v->handle;
		flush = adi->nr_pending == PVIC_FREE_BATCH || !adi->defer_free;
		spin_unlock_irqrestore(&adi->free_lock, flags);
		if (flush)
			pvic_adi_flush_free(adi);
		kfree(v);
		atomic64_dec(&p->live_vectors);
	}
	/* A deferred batch is sent by imsvm_pvic_free_irqs() at its end. */
	irq_domain_free_irqs_common(domain, virq, nr);
}

/* Undo the granted handles of a failed allocation, a page at a time. */
static void free_handles(struct imsvm_pvic_adi *adi, struct pvic_entry *e, u32 n)
{
	u32 i, k = 0, base, chunk;
	int ret;

	for (i = 0; i < n; i++)
		if (!e[i].status && e[i].handle)
			e[k++].handle = e[i].handle;
	for (base = 0; base < k; base += chunk) {
		chunk = min_t(u32, k - base, adi->pvic->max_entries);
		ret = pvic_exec(adi->pvic, PVIC_OP_FREE, adi->id, 0, e + base, chunk, NULL);
		if (ret)
			pr_err(DRV_NAME ": %s: undoing ALLOC: FREE of %u handles: %d\n",
			       pci_name(adi->pdev), chunk, ret);
	}
}

static int pvic_domain_alloc(struct irq_domain *domain, unsigned int virq,
			     unsigned int nr, void *arg)
{
	struct pvic *p = domain->host_data;
	struct irq_alloc_info *info = arg;
	struct imsvm_pvic_adi *adi = info->data;
	u32 first_ims = (u32)info->hwirq;
	u32 placeholder = per_cpu(x86_cpu_to_apicid, cpumask_first(cpu_online_mask));
	struct pvic_entry *e;
	struct pvic_vec **vecs;
	unsigned long flags;
	unsigned int i, base, n;
	int ret;

	if (!adi || adi->dead)
		return -ENODEV;
	e = kcalloc(nr, sizeof(*e), GFP_KERNEL);
	vecs = kcalloc(nr, sizeof(*vecs), GFP_KERNEL);
	if (!e || !vecs) {
		ret = -ENOMEM;
		goto err_mem;
	}
	for (i = 0; i < nr; i++) {
		vecs[i] = kzalloc(sizeof(*vecs[i]), GFP_KERNEL);
		if (!vecs[i]) {
			ret = -ENOMEM;
			goto err_mem;
		}
	}

	ret = irq_domain_alloc_irqs_parent(domain, virq, nr, arg);
	if (ret)
		goto err_mem;

	/*
	 * Allocated masked: the vector domain has only reserved a vector
	 * (a real one is assigned at activation), so the route gets a
	 * placeholder destination that never fires and RETARGET fixes it.
	 */
	for (i = 0; i < nr; i++) {
		e[i].ims_index = first_ims == IMSVM_PVIC_IMS_ANY ? PVIC_IMS_ANY : first_ims + i;
		e[i].dest_id = placeholder;
		e[i].vector = FIRST_EXTERNAL_VECTOR;
		e[i].delivery_mode = PVIC_DELIVERY_FIXED;
		e[i].dest_mode = PVIC_DEST_PHYSICAL;
		e[i].flags = PVIC_ENTRY_F_MASKED;
	}
	for (base = 0; base < nr; base += n) {
		u32 done = 0;

		n = min_t(unsigned int, nr - base, p->max_entries);
		ret = pvic_exec(p, PVIC_OP_ALLOC, adi->id, PVIC_HDR_F_ALL_OR_NOTHING,
				e + base, n, &done);
		if (ret) {
			pr_err(DRV_NAME ": %s: ALLOC of %u (from %u of %u): %d\n",
			       pci_name(adi->pdev), n, base, nr, ret);
			free_handles(adi, e, base);
			goto err_parent;
		}
	}

	for (i = 0; i < nr; i++) {
		struct pvic_vec *v = vecs[i];

		v->adi = adi;
		v->handle = e[i].handle;
		v->ims_index = e[i].ims_index;
		v->dest = placeholder;
		v->vector = FIRST_EXTERNAL_VECTOR;
		v->masked = true;
		v->msg.address_lo = e[i].addr_lo;
		v->msg.address_hi = e[i].addr_hi;
		v->msg.data = e[i].data;
		irq_domain_set_info(domain, virq + i, v->handle, &pvic_irq_chip, v,
				    handle_edge_irq, NULL, "edge");
		/*
		 * A RETARGET is atomic for the device (it never sees the
		 * change), so affinity can change from process context, as
		 * with interrupt remapping: the next interrupt lands on the
		 * new CPU, not the one after.
		 */
		irq_set_status_flags(virq + i, IRQ_MOVE_PCNTXT);
		v->irq = virq + i;
		spin_lock_irqsave(&adi->free_lock, flags);
		list_add_tail(&v->node, &adi->vecs);
		spin_unlock_irqrestore(&adi->free_lock, flags);
		atomic64_inc(&p->live_vectors);
	}
	kfree(vecs);
	kfree(e);
	return 0;

err_parent:
	irq_domain_free_irqs_parent(domain, virq, nr);
err_mem:
	for (i = 0; vecs && i < nr; i++)
		kfree(vecs[i]);
	kfree(vecs);
	kfree(e);
	return ret;
}

static int pvic_domain_activate(struct irq_domain *domain, struct irq_data *d, bool reserve)
{
	/* The parent has activated first: a real vector now exists. */
	return vec_follow_cfg(d);
}

static const struct irq_domain_ops pvic_domain_ops = {
	.alloc = pvic_domain_alloc,
	.free = pvic_domain_free,
	.activate = pvic_domain_activate,
};

int pvic_domain_create(struct pvic *p)
{
	p->fwnode = irq_domain_alloc_named_fwnode("IMSVM-PVIC");
	if (!p->fwnode)
		return -ENOMEM;
	p->domain = irq_domain_create_hierarchy(x86_vector_domain, 0, 0, p->fwnode,
						&pvic_domain_ops, p);
	if (!p->domain) {
		irq_domain_free_fwnode(p->fwnode);
		p->fwnode = NULL;
		return -ENOMEM;
	}
	return 0;
}

void pvic_domain_destroy(struct pvic *p)
{
	if (p->domain)
		irq_domain_remove(p->domain);
	if (p->fwnode)
		irq_domain_free_fwnode(p->fwnode);
	p->domain = NULL;
	p->fwnode = NULL;
}
