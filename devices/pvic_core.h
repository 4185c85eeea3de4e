/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC's host-side logic, free of KVM and of any device: the per-VM
 * remapping table, the ADIs the VM was given, and the executor of a command
 * page (docs/pvic.md). Everything that touches the outside world goes
 * through a const backend ops table, so unit tests drive the executor with
 * a fake backend that records calls, and the PCI device (devices/pvic.c)
 * plugs in the real one (KVM routes and irqfds, the device's SET_IRQS).
 *
 * Not thread-safe: the caller serialises (the PV-IC device holds one mutex
 * around a doorbell, a device failure and teardown).
 */
#ifndef DEVICES_PVIC_CORE_H
#define DEVICES_PVIC_CORE_H

#include "devices/pvic/pvic_abi.h"
#include "devices/pvic_irt.h"
#include "vmm/util.h"

#define PVIC_MAX_ADIS		32

/* What a handle is routed to: the KVM MSI route's destination and vector. */
struct pvic_route {
	u32 dest_id;		/* APIC id */
	u8 vector;
	u8 delivery_mode;	/* PVIC_DELIVERY_* */
	u8 dest_mode;		/* PVIC_DEST_* */
};

/*
 * The outside world, in two halves. The interrupt half (vmm/irq_routing.h
 * in imsvm) gives each handle a *vector*: an eventfd and, once it is
 * unmasked, a GSI with an MSI route and an irqfd. The device half binds
 * eventfds to handles on the device (SET_IRQS on its IMS IRQ index).
 * Route changes are staged: nothing reaches KVM until commit(), which the
 * executor calls once per batch (one KVM_SET_GSI_ROUTING, then the irqfds
 * waiting for their routes are attached). Functions return 0 or -errno.
 * @dev is the cookie the ADI was added with.
 */
struct pvic_backend_ops {
	/* A vector for handle @h, masked, with no GSI yet; *@efd is its eventfd (owned by it). */
	int (*vec_create)(void *be, u32 h, int *efd);
	/* Detach the irqfd, stage the GSI's removal, close the eventfd (at the latest at commit). */
	void (*vec_destroy)(void *be, u32 h);
	/*
	 * Stage @h's route and mask. Unmasked: a GSI is allocated if the vector
	 * has none (-ENOSPC when the table is full: nothing changes) and the
	 * irqfd is attached at the next commit. Masked: the irqfd is detached
	 * now; the eventfd keeps counting.
	 */
	int (*vec_update)(void *be, u32 h, const struct pvic_route *r, bool masked);
	/* Push staged routes (one KVM_SET_GSI_ROUTING if any changed), then attach irqfds. */
	int (*commit)(void *be);
	/* 1 when @h's eventfd has a non-zero count (without consuming it), 0 if not, or -errno. */
	int (*pending)(void *be, u32 h);
	/* @h's GSI, or -ENOENT (tracing only). */
	int (*gsi)(void *be, u32 h);

	/* Bind handles @first..@first+@n-1 to @efds on the device (as few requests as it allows). */
	int (*bind)(void *be, void *dev, u32 first, u32 n, const int *efds);
	/* Unbind @first..@first+@n-1 on the device. */
	int (*unbind)(void *be, void *dev, u32 first, u32 n);
	/*
	 * The handle source (docs/pvic.md section 8). NULL, or false for @dev:
	 * imsvm-allocated, the message is the remappable format of imsvm's
	 * handle and bind() tells the device. True: host-provided, the host's
	 * IOMMU driver owns the remapping table; host_bind() binds the eventfds
	 * and returns, per vector, the message (addr lo, addr hi, data) the
	 * device must write. imsvm's handle then only names the vector.
	 */
	bool (*host_handles)(void *be, void *dev);
	int (*host_bind)(void *be, void *dev, u32 first, u32 n, const int *efds, u32 (*msgs)[3]);

	/* Is @apic_id the APIC id of one of the VM's vCPUs? */
	bool (*dest_valid)(void *be, u32 apic_id);
	/* Routes the GSI table can still take. */
	u32 (*routes_free)(void *be);
};

/* Errors by code, for the counters. */
enum pvic_err {
	PVIC_ERR_EPERM, PVIC_ERR_ENOENT, PVIC_ERR_EIO, PVIC_ERR_EAGAIN, PVIC_ERR_EFAULT,
	PVIC_ERR_EBUSY, PVIC_ERR_ENODEV, PVIC_ERR_EINVAL, PVIC_ERR_ENOSPC, PVIC_ERR_EPROTO,
	PVIC_ERR_EOPNOTSUPP, PVIC_ERR_ECANCELED, PVIC_ERR_OTHER,
	PVIC_NR_ERR
};

/* Per-ADI counters (for the control socket). */
struct pvic_adi_counters {
	u64 allocs;		/* handles granted */
	u64 frees;		/* handles freed (FREE, RESET_ADI, failure) */
	u64 retargets;
	u64 masks;
	u64 unmasks;
	u64 faults;		/* device-side failures: bind/unbind refused, device died */
	u64 errors[PVIC_NR_ERR];	/* entries and batches refused, by code */
};

/* Per-VM counters. */
struct pvic_vm_counters {
	u64 batches;		/* doorbells that reached the executor */
	u64 commits;		/* route table pushes */
	u64 batch_errors[PVIC_NR_ERR];	/* batch-level refusals, by code */
	u64 bad_doorbells;	/* doorbell values other than RING (BAR0, devices/pvic.c) */
	u64 bad_accesses;	/* BAR0 accesses of the wrong size or alignment */
	u64 no_fd;		/* vectors refused for want of an fd (EAGAIN; the fd reserve) */
};

struct pvic_adi {
	bool present;		/* slot in use */
	bool failed;		/* device failed or removed: handles gone, ops refused */
	u32 id;			/* PVIC_ADI_ID(seg, bus, dev, fn) as the guest sees it */
	void *dev;		/* backend cookie */
	u32 irq_count;		/* handles the device side can bind (IMS IRQ index count) */
	u32 ims_entries;	/* 0 when unknown to the host */
	u32 nr_handles;		/* live handles */
	bool host_handles;	/* handle source: host-provided (else imsvm-allocated) */
	u16 *ims_map;		/* ims_index -> handle (0: none), PVIC_IMS_INDEX_MAX + 1 */
	struct pvic_adi_counters cnt;
};

struct pvic_core {
	const struct pvic_backend_ops *ops;
	void *be;
	struct pvic_irt irt;
	struct pvic_adi adi[PVIC_MAX_ADIS];
	u32 features;		/* offered */
	u32 accepted;		/* negotiated */
	bool negotiated;
	u32 next_seq;
	u32 nr_vcpus;
	bool trace;		/* --trace-pvic: log every operation */
	bool dirty;		/* staged changes not yet committed */
	/*
	 * An ALLOC batch flagged PVIC_HDR_F_MORE leaves its routes staged
	 * (deferred): consecutive ALLOCs share one push, made with the next
	 * batch without MORE, before any other operation, or by
	 * pvic_core__flush() (the device's timer). The irqfds attach at that
	 * push; an interrupt raised before it waits in its eventfd and is
	 * delivered then, so nothing is lost, only delayed.
	 */
	bool deferred;
	struct pvic_vm_counters cnt;
};

int __must_check pvic_core__init(struct pvic_core *c, const struct pvic_backend_ops *ops,
				 void *be, u32 features, u32 nr_vcpus);
/* Frees every handle of every ADI (device unbound, routes removed) and the table. */
void pvic_core__destroy(struct pvic_core *c);

/* Make ADI @id (with backend cookie @dev) known. -EEXIST, -ENOSPC, -ENOMEM. */
int __must_check pvic_core__add_adi(struct pvic_core *c, u32 id, void *dev, u32 irq_count,
				    u32 ims_entries);
/*
 * The device behind ADI @id failed or was removed: free its handles without
 * asking the device, refuse later operations with -ENODEV. -ENOENT if unknown.
 */
int pvic_core__adi_failed(struct pvic_core *c, u32 id);
/* Function or VM reset: every handle freed, NEGOTIATE needed again. */
void pvic_core__reset(struct pvic_core *c);

struct pvic_adi *pvic_core__find_adi(struct pvic_core *c, u32 id);
u32 pvic_core__nr_adis(const struct pvic_core *c);

/*
 * Execute the batch in @page (a host copy of the guest's command page):
 * validate, execute, write every status into @page. Returns the batch status.
 */
int pvic_core__execute(struct pvic_core *c, struct pvic_page *page);

/* Push what lazy ALLOCs left staged (no-op when nothing is). 0 or -errno. */
int pvic_core__flush(struct pvic_core *c);

/* Count a batch refused before the executor saw it (command page not in RAM). */
void pvic_core__count_batch_error(struct pvic_core *c, int status);

/* Index into the errors-by-code counters for a negative status. */
enum pvic_err pvic__err_index(int status);
const char *pvic__op_name(u32 op);
const char *pvic__err_name(int status);

#endif /* DEVICES_PVIC_CORE_H */
