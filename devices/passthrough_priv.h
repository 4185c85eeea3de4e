/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Passthrough model internals, shared by its files: passthrough.c (life
 * cycle, failure), passthrough_cfg.c (config space), passthrough_bar.c
 * (BAR slots and traps), passthrough_msi.c (INTx, MSI, MSI-X).
 *
 * Locks, in the order they are taken:
 *   PCI root mutex (config hooks, bar_remap run under it)
 *   -> map_lock (BAR mappings)  -> bus locks, mem_slots
 *   -> the MSI-X table's lock (devices/msix.c; its bind/unbind ops take irq_lock)
 *   -> irq_lock (MSI/INTx state, msix_on) -> backend_lock (read) -> irq_routing
 * Trapped BAR handlers run with no lock and take only irq_lock and
 * backend_lock. Teardown (event loop thread) sets `failed` first, so a
 * handler in flight finishes at once (a dead backend answers -ENODEV), then
 * takes map_lock, irq_lock and backend_lock (write) in turn.
 */
#ifndef DEVICES_PASSTHROUGH_PRIV_H
#define DEVICES_PASSTHROUGH_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "devices/msix.h"
#include "devices/passthrough.h"
#include "devices/pci.h"
#include "vmm/device.h"

struct irq_group;
struct irq_routing;
struct passthrough;
struct pt_bar;

#define PT_PAGE		4096ull

/* A run of a BAR that is either one memory slot or one trapped bus range. */
struct pt_seg {
	struct pt_bar *bar;
	u64 off, size;
	bool mapped;		/* KVM memory slot over host */
	void *host;
	int slot;		/* while mapped at a GPA, else -1 */
	bool registered;	/* trapped range on the bus */
};

struct pt_area_map {
	void *addr;
	size_t len;
};

struct pt_bar {
	struct passthrough *pt;
	unsigned int index;		/* BAR number = VFIO region index */
	enum pci_bar_kind kind;		/* PCI_BAR_NONE: absent */
	u64 size;			/* as the guest sees it (power of two) */
	u64 region_size;		/* the device's */
	struct pt_region region;
	struct pt_area_map *maps;	/* one mmap per sparse area */
	unsigned int nr_maps;
	struct pt_seg *segs;
	unsigned int nr_segs;
	u64 gpa;			/* where it decodes, PCI_BAR_UNMAPPED */
};

struct pt_msi {
	bool present;
	u8 cap, len;
	bool is64, maskable;
	unsigned int max_vec;		/* 1 << MMC */
	unsigned int nvec;		/* enabled vectors */
	bool enabled;
	struct irq_group *group;
};

struct pt_intx {
	bool present;
	u8 pin;				/* the device's Interrupt Pin, 1..4 */
	int trigger, resample;		/* eventfds, -1 */
	bool attached;
	u32 gsi;
};

struct passthrough {
	struct vm *vm;
	char name[64];
	const struct pt_backend_ops *ops;
	void *b;			/* NULL once torn down */
	pthread_rwlock_t backend_lock;
	_Atomic bool failed;
	bool torn_down;
	int watched_fd;			/* registered with the event loop, -1 */

	struct pci_device pdev;
	bool registered;
	struct device dev;

	pthread_mutex_t map_lock;
	struct pt_bar bars[PCI_NR_BARS];

	pthread_mutex_t irq_lock;
	struct irq_routing *routing;
	struct msix msix;		/* table, PBA, capability: devices/msix.c */
	bool msix_present;
	bool msix_on;			/* the device's MSI-X vectors bound (irq_lock) */
	bool irq_closing;		/* teardown began: INTx stays off (irq_lock) */
	struct pt_msi msi;
	struct pt_intx intx;

	struct pt_stats st;		/* updated with __atomic builtins */
};

/* Backend calls: -ENODEV at once when failed; serialised against teardown. */
int pt__be_region_read(struct passthrough *pt, u32 index, u64 off, void *buf, u64 len);
int pt__be_region_write(struct passthrough *pt, u32 index, u64 off, const void *buf, u64 len);
int pt__be_set_irqs(struct passthrough *pt, u32 index, u32 flags, u32 start, u32 count,
		    const int *fds);

static inline void pt__count(u64 *ctr)
{
	__atomic_add_fetch(ctr, 1, __ATOMIC_RELAXED);
}

/* passthrough_cfg.c: build the guest's config image from the device's. */
int __must_check pt_cfg__build(struct passthrough *pt);
extern const struct pci_device_ops pt_pci_ops;

/* passthrough_bar.c */
int __must_check pt_bar__setup(struct passthrough *pt);	/* region info, mmaps, segments */
int pt_bar__remap(struct pci_device *dev, unsigned int bar, u64 old_gpa, u64 new_gpa);
void pt_bar__unmap_all(struct passthrough *pt);		/* slots and traps out of the guest */
void pt_bar__release(struct passthrough *pt);		/* munmap, close fds */

/* passthrough_msi.c */
extern const struct msix_ops pt_msix_ops;	/* binds the vectors on the device */
int __must_check pt_msi__setup(struct passthrough *pt);	/* after config build */
int __must_check pt_intx__setup(struct passthrough *pt);	/* after PCI registration */
void pt_msi__config_write(struct passthrough *pt, u32 offset, u32 len);
bool pt_msix__access(struct passthrough *pt, unsigned int bar, u64 off, void *data, u32 len,
		     bool write);
void pt_irq__teardown(struct passthrough *pt);	/* groups, irqfds, eventfds */

/* passthrough_ims.c: the device's IMS IRQ index offered to the PV-IC (vmm/ims_source.h). */
int __must_check pt_ims__setup(struct passthrough *pt);	/* after PCI registration */
void pt_ims__failed(struct passthrough *pt);		/* no locks held */
void pt_ims__teardown(struct passthrough *pt);
/* passthrough_ims_trap.c: --ims-mode=trap, the baseline (the simulator's IMS BAR only). */
bool pt_ims__traps_bar(const struct passthrough *pt, unsigned int bar);
bool pt_ims__trap_access(struct passthrough *pt, unsigned int bar, u64 off, void *data, u32 len,
			 bool write);
int __must_check pt_ims__trap_setup(struct passthrough *pt);
void pt_ims__trap_teardown(struct passthrough *pt);

#endif /* DEVICES_PASSTHROUGH_PRIV_H */
