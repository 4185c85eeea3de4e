/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IMS sources: assigned devices whose interrupts are bound per remapping
 * handle (an "IMS IRQ index", docs/pvic.md section 8), and the one consumer
 * that hands handles out (the PV-IC). The passthrough model registers a
 * source for each assigned device that has such an index; the PV-IC finds
 * sources by the PCI function the guest sees. Neither includes the other's
 * header (STYLE.md): this per-VM registry is the meeting point.
 *
 * Either side may come first: a consumer set after sources were registered
 * is told about each of them at once. Calls are thread safe; the consumer's
 * callbacks run with the registry lock held and must not call back into it.
 *
 * Lock order: registry -> consumer (PV-IC) -> source ops (SET_IRQS). So a
 * source calls ims_source__failed()/__unregister() holding none of the
 * locks its own bind/unbind ops take (mark itself failed first, so calls in
 * flight return -ENODEV at once), and the consumer calls source ops outside
 * the registry.
 */
#ifndef VMM_IMS_SOURCE_H
#define VMM_IMS_SOURCE_H

#include "vmm/util.h"

struct vm;
struct ims_source;

struct ims_source_ops {
	/*
	 * SET_IRQS on the IMS IRQ index, ACTION_TRIGGER | DATA_EVENTFD:
	 * handles @first..@first+@n-1 signal @fds[0..n-1]. Splitting into
	 * several messages (max_msg_fds) is the source's business.
	 */
	int (*bind)(void *opaque, u32 first, u32 n, const int *fds);
	/* The same range unbound (DATA_EVENTFD with no fds / fd -1). */
	int (*unbind)(void *opaque, u32 first, u32 n);
	/*
	 * Optional: the source's handles are host-provided (kernel VFIO once a
	 * host offers VFIO_DEVICE_IMS_BIND, docs/pvic.md section 8). Bind
	 * @fds to @n vectors and return each vector's message (address low,
	 * high, data) as the host's IOMMU allocated it; @first..@first+@n-1 are
	 * imsvm's names for them (unbind takes the same). NULL: imsvm-allocated
	 * handles, bound with bind().
	 */
	int (*host_bind)(void *opaque, u32 first, u32 n, const int *fds, u32 (*msgs)[3]);
};

struct ims_source {
	/* Filled by the source. */
	u32 id;			/* seg << 16 | bus << 8 | devfn, as the guest sees the function */
	u32 irq_count;		/* handles the IMS IRQ index can bind */
	const char *name;	/* for messages */
	const struct ims_source_ops *ops;
	void *opaque;
	/* Kept by the registry. */
	bool failed;
	struct ims_source *next;
};

struct ims_consumer_ops {
	/* A source appeared (at registration, or at once for those already there). */
	void (*added)(void *consumer, struct ims_source *src);
	/* The source failed or is going away: forget its handles, do not call it again. */
	void (*removed)(void *consumer, struct ims_source *src);
};

/* The source side. */
int __must_check ims_source__register(struct vm *vm, struct ims_source *src);
/* Device died: the consumer is told; the source stays registered until unregister. */
void ims_source__failed(struct vm *vm, struct ims_source *src);
void ims_source__unregister(struct vm *vm, struct ims_source *src);

/* The consumer side (one per VM). -EBUSY when there is one already. */
int __must_check ims_source__set_consumer(struct vm *vm, const struct ims_consumer_ops *ops,
					  void *consumer);
/* No consumer any more: no callback is running or will run after this returns. */
void ims_source__clear_consumer(struct vm *vm);
unsigned int ims_source__count(struct vm *vm);

#endif /* VMM_IMS_SOURCE_H */
