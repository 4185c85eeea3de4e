/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X emulation shared by every PCI device model that offers MSI-X
 * (virtio-pci now; passthrough can move onto it): the capability, the
 * vector table and PBA in a BAR, Enable and Function Mask, and each vector
 * as an interrupt group vector (vmm/irq_routing.h): a KVM MSI route with
 * an irqfd, so signalling a vector never exits to imsvm.
 *
 * Semantics (Cloud Hypervisor's pci/src/msix.rs taught these): an entry
 * write re-stages only that vector; unchanged entries are no-ops (the
 * group skips them); all vectors are staged in one batch and one routing
 * push when Enable or Function Mask changes. Masking detaches the irqfd,
 * the eventfd keeps counting, and KVM delivers the pending event when the
 * vector is unmasked: pending-bit semantics without tracking them. The PBA
 * therefore reads as zero (documented limit).
 *
 * Locking: one mutex per table, innermost except for the routing table's
 * own lock. msix__trigger() is safe from any thread.
 */
#ifndef DEVICES_MSIX_H
#define DEVICES_MSIX_H

#include <pthread.h>

#include "vmm/util.h"

struct pci_device;
struct irq_routing;
struct irq_group;

struct msix_ops {
	/*
	 * Optional. MSI-X was enabled: @g exists with one notifier per vector
	 * (passthrough: hand them to the device with SET_IRQS). Non-zero
	 * refuses the enable. unbind(): before the group is destroyed.
	 */
	int (*bind)(void *opaque, struct irq_group *g);
	void (*unbind)(void *opaque, struct irq_group *g);
};

struct msix_stats {
	u64 bad_accesses;	/* table accesses of the wrong size or alignment */
	u64 route_errors;	/* a vector that could not be routed (no GSI left) */
	u64 triggers_lost;	/* msix__trigger() while MSI-X was off */
};

struct msix {
	u16 nvec;
	u8 cap;				/* offset of the capability in config space */
	u8 table_bar, pba_bar;
	u32 table_off, pba_off;
	bool enabled, fmask;
	u32 *table;			/* 4 dwords per vector: addr lo, addr hi, data, ctrl */
	struct irq_routing *routing;
	struct irq_group *group;	/* while enabled */
	const struct msix_ops *ops;	/* may be NULL */
	void *opaque;
	pthread_mutex_t lock;
	struct msix_stats st;
};

/* Every vector masked, MSI-X off. -EINVAL on a bad size or layout. */
int __must_check msix__init(struct msix *m, struct irq_routing *routing, u16 nvec,
			    u8 table_bar, u32 table_off, u8 pba_bar, u32 pba_off,
			    const struct msix_ops *ops, void *opaque);
/* Disable (detach, free the routes) and free the table. */
void msix__exit(struct msix *m);

/* Bytes a table of @nvec vectors and its PBA take. */
static inline u32 msix__table_size(u16 nvec)
{
	return (u32)nvec * 16;
}

static inline u32 msix__pba_size(u16 nvec)
{
	return (u32)ALIGN_UP((u32)nvec, 64) / 8;
}

/* Add the capability to @dev (before pci__register). Enable and Function Mask writable. */
int __must_check msix__add_capability(struct msix *m, struct pci_device *dev);

/* From the device's config_write hook: reacts when the write touched the capability. */
void msix__config_write(struct msix *m, struct pci_device *dev, u32 offset, u32 len);

/*
 * A BAR access at @off of BAR @bar: true when it hit the table or PBA (and
 * was handled), false when it is not MSI-X's.
 */
bool msix__access(struct msix *m, unsigned int bar, u64 off, void *data, u32 len, bool write);

/* Signal vector @vec (emulated devices). -ENODEV while MSI-X is off, -EINVAL bad vector. */
int __must_check msix__trigger(struct msix *m, unsigned int vec);
bool msix__enabled(struct msix *m);

/* Turn MSI-X off as a device reset does (routes freed, all masked). */
void msix__reset(struct msix *m);

#endif /* DEVICES_MSIX_H */
