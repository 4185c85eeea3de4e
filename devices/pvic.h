/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV-IC PCI function (docs/pvic.md): BAR0 registers, the doorbell that
 * executes one command page, MSI-X vector 0 for asynchronous events. The
 * logic is in devices/pvic_core.h; this file is the guest-facing device and
 * its wiring to the VM (interrupt routes, IMS sources, guest memory).
 */
#ifndef DEVICES_PVIC_H
#define DEVICES_PVIC_H

#include "vmm/util.h"

struct vm;
struct pvic_dev;
struct pvic_adi_counters;
struct pvic_vm_counters;

struct pvic_options {
	bool trace;		/* --trace-pvic: one log line per operation */
	bool print_stats;	/* log the counters when the VM is destroyed */
	bool relay;		/* --irq-delivery=relay: imsvm injects (KVM_SIGNAL_MSI) */
};

/*
 * The VM's step: create the PV-IC as the command line says (--ims-mode:
 * default only when a device is assigned; --trace-pvic; --stats).
 */
int __must_check pvic__setup(struct vm *vm);

/* Create the function, register it on bus 0 and the device list. */
int __must_check pvic__create(struct vm *vm, const struct pvic_options *opt,
			      struct pvic_dev **out);

/* Counters for the control socket: per-VM, and per ADI (-ENOENT if unknown). */
void pvic__vm_counters(struct pvic_dev *p, struct pvic_vm_counters *out);
int pvic__adi_counters(struct pvic_dev *p, u32 adi_id, struct pvic_adi_counters *out,
		       u32 *live_handles);
/* Log every ADI's counters (one line each). */
void pvic__log_counters(struct pvic_dev *p);

struct pvic_core;
/*
 * Call @fn with the PV-IC's core under its lock, for the control socket's
 * `ims` listing (vmm/control_ims.c). @fn only reads, and is quick.
 */
void pvic__inspect(struct pvic_dev *p, void (*fn)(struct pvic_core *c, void *arg), void *arg);

#endif /* DEVICES_PVIC_H */
