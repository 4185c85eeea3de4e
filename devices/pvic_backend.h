/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC's real backend: vectors are one-vector interrupt groups of the
 * VM's route table (vmm/irq_routing.h), devices are IMS sources
 * (vmm/ims_source.h). One KVM_SET_GSI_ROUTING per commit at most.
 */
#ifndef DEVICES_PVIC_BACKEND_H
#define DEVICES_PVIC_BACKEND_H

#include <pthread.h>

#include "devices/pvic_core.h"

struct vm;
struct irq_routing;
struct irq_group;

struct pvic_relay_vec;

struct pvic_kvm_be {
	struct vm *vm;
	/*
	 * --irq-delivery=relay: vectors are eventfds imsvm watches on its
	 * event loop, injecting each interrupt with KVM_SIGNAL_MSI (the
	 * baseline the irqfd path is measured against); no GSI is used.
	 */
	bool relay;
	struct pvic_relay_vec **rvec;	/* PVIC_IRT_SIZE, by handle (relay only) */
	pthread_mutex_t relay_lock;	/* the messages of relay vectors */
	u64 relayed;			/* interrupts injected by imsvm (atomic) */
	u64 device_calls;		/* SET_IRQS requests (bind and unbind) */
	u64 no_fd;			/* vectors refused: no fd left outside the reserve */
	struct irq_routing *routing;
	struct irq_group **vec;		/* PVIC_IRT_SIZE, by handle */
	u32 *touched;			/* handles updated since the last commit */
	u32 nr_touched, cap_touched;
	struct irq_group **dying;	/* destroyed since the last commit */
	u32 nr_dying, cap_dying;
};

extern const struct pvic_backend_ops pvic_kvm_be_ops;

int __must_check pvic_kvm_be__init(struct pvic_kvm_be *be, struct vm *vm, bool relay);
/* After pvic_core__destroy(): every vector is gone by then. */
void pvic_kvm_be__destroy(struct pvic_kvm_be *be);

/* The x86 MSI message KVM routes for @r (edge, physical or logical, fixed or lowest). */
void pvic__compose_msi(const struct pvic_route *r, u64 *addr, u32 *data);

/* devices/pvic_relay.c: the vector half in relay mode. */
int pvic_relay__create(struct pvic_kvm_be *be, u32 h, int *efd);
void pvic_relay__destroy(struct pvic_kvm_be *be, u32 h);
int pvic_relay__update(struct pvic_kvm_be *be, u32 h, u64 addr, u32 data, bool masked);
int pvic_relay__commit(struct pvic_kvm_be *be);
int pvic_relay__efd(struct pvic_kvm_be *be, u32 h);
u64 pvic_relay__count(struct pvic_kvm_be *be);

#endif /* DEVICES_PVIC_BACKEND_H */
