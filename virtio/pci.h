/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio 1.x modern PCI transport (virtio 1.2, 4.1): vendor 0x1AF4,
 * device 0x1040 + type, one 32 KiB memory BAR holding the common
 * configuration, ISR, device configuration, notification area and the
 * MSI-X table and PBA, each described by a vendor capability. Queue
 * notifications are KVM ioeventfds on the queue's kick eventfd; MSI-X
 * vectors are KVM irqfd routes (devices/msix.h). Without MSI-X the device
 * falls back to INTx and the ISR register.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include "vmm/util.h"

struct vm;
struct virtio_dev;
struct virtio_pci;

/* BAR 0 layout. */
#define VIRTIO_PCI_BAR_SIZE		0x8000
#define VIRTIO_PCI_COMMON_OFF		0x0000
#define VIRTIO_PCI_COMMON_LEN		0x38
#define VIRTIO_PCI_ISR_OFF		0x1000
#define VIRTIO_PCI_DEVCFG_OFF		0x2000
#define VIRTIO_PCI_NOTIFY_OFF		0x3000
#define VIRTIO_PCI_NOTIFY_MULT		4
#define VIRTIO_PCI_MSIX_TABLE_OFF	0x4000
#define VIRTIO_PCI_MSIX_PBA_OFF		0x5000

struct virtio_pci_stats {
	u64 bad_accesses;	/* register accesses of a wrong size or place */
	u64 mmio_kicks;		/* notifications that exited (no ioeventfd) */
	u64 ioeventfd_errors;	/* KVM refused an ioeventfd: kicks exit instead */
	u64 lost_interrupts;	/* a vector that could not be signalled */
};

/*
 * Put @vdev on the PCI bus with PCI class @class_code. The device's queues
 * and config exist already (virtio__init). -errno on failure.
 */
int __must_check virtio_pci__add(struct vm *vm, struct virtio_dev *vdev, u32 class_code,
				 struct virtio_pci **out);
void virtio_pci__remove(struct virtio_pci *vp);
void virtio_pci__stats(struct virtio_pci *vp, struct virtio_pci_stats *st);

#endif /* VIRTIO_PCI_H */
