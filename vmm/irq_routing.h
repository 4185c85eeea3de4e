/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt routing for devices that never touch KVM (STYLE.md; Cloud
 * Hypervisor's InterruptSourceGroup): the VM's whole GSI route table,
 * a GSI allocator, and irqfds.
 *
 * KVM_SET_GSI_ROUTING replaces the whole table, so imsvm keeps all of it
 * here: the PC wiring of the in-kernel irqchip (GSI 0 -> IOAPIC pin 2, no
 * GSI 2, PICs on 0..15, IOAPIC pins 1..23; as vmm/vm.c installs it) plus one
 * MSI route per allocated GSI (24 and up), and pushes it in one ioctl per
 * batch (irq_group__commit()), never once per vector.
 *
 * A group is N message-signalled vectors of one device (MSI, MSI-X, IMS
 * handles). Each vector has an eventfd (its notifier: what a device server
 * or VFIO signals). A vector gets a GSI lazily, at its first unmasked
 * update, and gives it back when disabled. Masking detaches the irqfd (the
 * eventfd keeps counting, so an interrupt raised while masked is delivered
 * once on unmask); unmasking attaches it after the route is committed, in
 * that order (detach before masking, attach after routing).
 *
 * All calls are thread safe (one mutex per VM table, taken innermost).
 */
#ifndef VMM_IRQ_ROUTING_H
#define VMM_IRQ_ROUTING_H

#include <linux/kvm.h>

#include "vmm/util.h"

struct vm;
struct irq_routing;
struct irq_group;

#define IRQ_ROUTING_IRQCHIP_GSIS	24	/* GSIs 0..23: IOAPIC pins */
#define IRQ_ROUTING_IRQCHIP_ROUTES	38	/* entries of the PC wiring in every push */
#define IRQ_ROUTING_DEFAULT_MAX		4096	/* KVM_MAX_IRQ_ROUTES on x86 */

/* What the table needs from KVM; replaced by unit tests. */
struct irq_routing_ops {
	int (*set_gsi_routing)(void *ctx, const struct kvm_irq_routing *table);
	int (*irqfd)(void *ctx, const struct kvm_irqfd *irqfd);
};

struct irq_routing_stats {
	u64 commits;		/* KVM_SET_GSI_ROUTING calls */
	u64 irqfd_attach, irqfd_detach;
	u64 gsi_exhausted;	/* updates refused with -ENOSPC */
	unsigned int gsis_used;
	unsigned int gsis_max;	/* MSI GSIs this VM can have */
};

/*
 * The VM's table, created at first use (KVM_CAP_IRQ_ROUTING gives the
 * size) and shared by every device; each get needs a put.
 */
int __must_check irq_routing__get(struct vm *vm, struct irq_routing **out);
void irq_routing__put(struct irq_routing *r);

/* A table over @ops (tests): @max_routes total entries, irqchip ones included. */
int __must_check irq_routing__create(const struct irq_routing_ops *ops, void *ctx,
				     unsigned int max_routes, struct irq_routing **out);
void irq_routing__destroy(struct irq_routing *r);

/* Test seam: tables created by irq_routing__get() from now on use @ops (NULL: KVM). */
void irq_routing__set_test_ops(const struct irq_routing_ops *ops, void *ctx);

void irq_routing__stats(struct irq_routing *r, struct irq_routing_stats *st);

/* Push the whole table now (the irqchip wiring alone when no MSI route exists). */
int __must_check irq_routing__push(struct irq_routing *r);

/*
 * Level-triggered INTx through an irqfd with resample: KVM raises IOAPIC pin
 * @gsi when @trigger_fd is signalled and signals @resample_fd at EOI (the
 * device server then re-asserts if the line is still high).
 */
int __must_check irq_routing__intx_attach(struct irq_routing *r, u32 gsi, int trigger_fd,
					  int resample_fd);
int irq_routing__intx_detach(struct irq_routing *r, u32 gsi, int trigger_fd);

/* ---- interrupt groups ---- */

/* @count vectors, each with its own eventfd (non-blocking, close-on-exec). */
int __must_check irq_group__create(struct irq_routing *r, unsigned int count,
				   struct irq_group **out);
/* Detaches every irqfd, frees every GSI (one commit), closes the eventfds. */
void irq_group__destroy(struct irq_group *g);
/*
 * A group none of whose vectors ever got a GSI: close its eventfds and free
 * it without a push (destroy would push whatever others staged meanwhile).
 * -EBUSY, and nothing done, if a vector has a GSI or an irqfd.
 */
int __must_check irq_group__discard(struct irq_group *g);

unsigned int irq_group__count(const struct irq_group *g);
/* The eventfd of vector @i: what the device signals. */
int irq_group__notifier(const struct irq_group *g, unsigned int i);

/*
 * Stage vector @i's message (MSI address, data) and mask. Unmasked: a GSI is
 * allocated if the vector has none (-ENOSPC when the table is full: nothing
 * changes for that vector), the route takes effect and the irqfd is attached
 * at the next commit. Masked: the irqfd is detached now; the route stays.
 * An unchanged message and mask is a no-op.
 */
int __must_check irq_group__update(struct irq_group *g, unsigned int i, u64 addr, u32 data,
				   bool masked);
/* Vector @i off: irqfd detached, GSI freed (route removed at the next commit). */
int __must_check irq_group__disable(struct irq_group *g, unsigned int i);
/* Push the table once if anything changed, then attach the irqfds waiting for it. */
int __must_check irq_group__commit(struct irq_group *g);
/* Signal vector @i from imsvm itself (emulated devices, tests). */
int __must_check irq_group__trigger(struct irq_group *g, unsigned int i);
/* The GSI of vector @i, or -ENOENT if it has none. */
int irq_group__gsi(const struct irq_group *g, unsigned int i);

#endif /* VMM_IRQ_ROUTING_H */
