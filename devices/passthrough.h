/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment: one passthrough PCI device model over a backend
 * interface that kernel VFIO (devices/vfio_kernel.c) and the vfio-user
 * client (devices/passthrough_vfio_user.c) both implement. No device-
 * specific code: what the device has is learnt from the backend.
 *
 * What the guest sees (docs/device-assignment.md):
 * - config space: the device's IDs, class and header, BARs relocated into
 *   imsvm's windows, a filtered capability list (MSI, MSI-X and vendor
 *   specific kept; MSI and MSI-X emulated; everything else hidden);
 *   Command writes forwarded (memory/IO decode, bus master, INTx disable);
 * - BARs: every page the backend lets us mmap is a KVM memory slot (no
 *   exit), except the pages holding the MSI-X table and PBA; the rest traps
 *   and is forwarded with region read/write;
 * - interrupts: INTx through an irqfd with resample, MSI and MSI-X vectors
 *   as KVM MSI routes bound to the backend's eventfds (vmm/irq_routing.h);
 * - DMA: all guest RAM mapped at IOVA = GPA;
 * - death (vfio-user server gone): config reads all-ones, BAR slots and
 *   trapped ranges removed, irqfds detached, fds closed, the VM runs on.
 */
#ifndef DEVICES_PASSTHROUGH_H
#define DEVICES_PASSTHROUGH_H

#include <linux/vfio.h>

#include "vmm/util.h"

struct vm;
struct guest_mem;
struct passthrough;

/* A region as a backend describes it (the vfio_region_info of both backends). */
struct pt_region {
	u32 flags;		/* VFIO_REGION_INFO_FLAG_READ/WRITE/MMAP */
	u64 size;
	u64 offset;		/* mmap offset into fd */
	int fd;			/* -1: nothing mappable */
	unsigned int nr_areas;	/* mmappable areas, relative to the region (sparse mmap) */
	struct vfio_region_sparse_mmap_area *areas;	/* malloc'd; freed by the model */
};

/*
 * The backend interface. Every op returns 0 or -errno; -ENODEV means the
 * device is gone. region_info hands ownership of fd and areas to the caller.
 */
struct pt_backend_ops {
	const char *kind;	/* "vfio-user", "vfio" */
	int (*device_info)(void *b, struct vfio_device_info *out);
	int (*region_info)(void *b, u32 index, struct pt_region *out);
	int (*region_read)(void *b, u32 index, u64 offset, void *buf, u64 len);
	int (*region_write)(void *b, u32 index, u64 offset, const void *buf, u64 len);
	int (*irq_info)(void *b, u32 index, struct vfio_irq_info *out);
	/* vfio_irq_set semantics; @fds (DATA_EVENTFD) or @bools (DATA_BOOL) hold @count items. */
	int (*set_irqs)(void *b, u32 index, u32 flags, u32 start, u32 count, const int *fds,
			const u8 *bools);
	/* Make all of guest RAM reachable by the device's DMA at IOVA = GPA. */
	int (*dma_map_ram)(void *b, const struct guest_mem *mem);
	int (*reset)(void *b);
	/* An fd the event loop watches (the vfio-user socket), or -1. */
	int (*event_fd)(void *b);
	/* Called by the event loop when event_fd is ready; -ENODEV: the device died. */
	int (*poll)(void *b);
	void (*destroy)(void *b);
};

struct pt_stats {
	u64 trapped_reads, trapped_writes;	/* BAR accesses forwarded */
	u64 backend_errors;			/* backend ops that failed */
	u64 bad_accesses;			/* guest accesses refused */
	unsigned int mapped_slots;		/* KVM memory slots in use now */
};

/*
 * Build the device over @backend (ownership passes to the model, also on
 * error), register it on the PCI bus and the device list.
 */
int __must_check passthrough__create(struct vm *vm, const char *name,
				     const struct pt_backend_ops *ops, void *backend,
				     struct passthrough **out);

/* `--vfio-user PATH[,dma=fd|messages][,timeout=MS]` */
int __must_check passthrough__add_vfio_user(struct vm *vm, const char *spec);
/* `--vfio DEVICE`: a sysfs path (/sys/bus/pci/devices/0000:01:00.0) or a BDF. */
int __must_check passthrough__add_vfio(struct vm *vm, const char *spec);

bool passthrough__failed(const struct passthrough *pt);
void passthrough__stats(struct passthrough *pt, struct pt_stats *out);
/* Declare the device dead and tear it down (also what backend death does). */
void passthrough__fail(struct passthrough *pt, const char *why);
/*
 * Hot unplug (the control socket's `unassign`), not from a handler of the
 * device itself: the PV-IC revokes the device's handles first, then
 * everything passthrough__fail() releases, then the PCI function goes away
 * and @pt is freed.
 */
void passthrough__remove(struct passthrough *pt);

#endif /* DEVICES_PASSTHROUGH_H */
