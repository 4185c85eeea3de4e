/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm PV-IC guest driver: state shared by its three parts, the command
 * page (cmd.c), the irq domain (domain.c) and the PCI driver with the ADI
 * API (main.c).
 */
#ifndef IMSVM_PVIC_INTERNAL_H
#define IMSVM_PVIC_INTERNAL_H

#include <linux/irqdomain.h>
#include <linux/list.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>

#include "devices/pvic/pvic_abi.h"
#include "imsvm-pvic.h"

#define DRV_NAME	"imsvm-pvic"

/* Per-operation counters, shown in debugfs (index: PVIC_OP_*). */
struct pvic_op_stats {
	u64 batches;
	u64 entries;
	u64 failed_batches;
};

struct pvic {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct pvic_page *page;		/* the command page (one guest page) */

	/*
	 * Protects the page and the sequence number. A raw spinlock because
	 * mask, unmask and affinity changes come from irq chip callbacks
	 * under the descriptor's raw lock; a doorbell is one synchronous
	 * exit, so holding it across one is short.
	 */
	raw_spinlock_t lock;
	u32 seq;
	u32 features;
	u32 max_entries;
	u32 nr_vcpus;

	struct fwnode_handle *fwnode;
	struct irq_domain *domain;

	struct mutex adis_lock;		/* the list of ADIs */
	struct list_head adis;

	int event_irq;			/* MSI-X vector 0, or -1 */

	/* Counters (under lock). */
	struct pvic_op_stats ops[PVIC_OP_MAX + 1];
	u64 doorbells;
	atomic64_t retarget_failures;	/* from irq chip callbacks, any CPU */
	atomic64_t live_vectors;
	u64 events[3];			/* ADDED, REMOVED, REVOKED */
	u64 released_leftover;		/* handles RESET_ADI found at put */

	struct dentry *debugfs;
};

/* Handles freed by .free, sent in batches (see imsvm_pvic_free_irqs()). */
#define PVIC_FREE_BATCH		PVIC_MAX_ENTRIES

struct imsvm_pvic_adi {
	struct pvic *pvic;
	struct pci_dev *pdev;
	u32 id;				/* PVIC_ADI_ID of pdev */
	struct list_head node;
	bool dead;			/* host reported it failed or removed */
	void (*removed)(void *priv);
	void *priv;

	spinlock_t free_lock;		/* the pending FREE batch, vecs */
	struct list_head vecs;		/* struct pvic_vec of live handles */
	bool defer_free;
	u32 nr_pending;
	u32 pending[PVIC_FREE_BATCH];
};

/* Per Linux interrupt: its handle and what the host's route says. */
struct pvic_vec {
	struct imsvm_pvic_adi *adi;
	struct list_head node;		/* in adi->vecs */
	unsigned int irq;
	u32 handle;
	u32 ims_index;
	u32 dest;			/* APIC id of the host route */
	u32 vector;			/* vector of the host route */
	bool masked;			/* masked at the PV-IC */
	struct msi_msg msg;
};

/* cmd.c */
int pvic_exec(struct pvic *p, u32 op, u32 adi, u32 flags, struct pvic_entry *e,
	      u32 count, u32 *done);
int pvic_negotiate(struct pvic *p);
int pvic_query_adi(struct pvic *p, u32 adi, struct pvic_adi_info *out);
int pvic_reset_adi(struct pvic *p, u32 adi, u32 *freed);
const char *pvic_op_name(u32 op);

/* domain.c */
int pvic_domain_create(struct pvic *p);
void pvic_domain_destroy(struct pvic *p);
void pvic_adi_flush_free(struct imsvm_pvic_adi *adi);

#endif /* IMSVM_PVIC_INTERNAL_H */
