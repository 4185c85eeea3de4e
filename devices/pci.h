/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI: the host bridge (bus 0, configuration mechanism #1 on 0xCF8..0xCFF and
 * ECAM at LAYOUT_PCI_ECAM_BASE) and the API every PCI device model uses
 * (virtio-pci, the PV-IC, passthrough).
 *
 * A device model fills a struct pci_device (pci__device_init, BARs,
 * capabilities), then pci__register() gives it a slot on bus 0, assigns its
 * BARs addresses from the windows in vmm/layout.h (as firmware would: there
 * is no BIOS), enables decoding and maps them. The guest may move BARs and
 * switch decoding; the core then moves the BAR's bus registration, or calls
 * the device's bar_remap op when the device maps its BARs itself (a KVM
 * memory slot for passthrough).
 *
 * Config space is a 4 KiB image per function with a write mask (bits the
 * guest may change) and a write-1-to-clear mask: read-only fields stay read
 * only and BAR sizing works by itself (the guest writes all-ones and reads
 * back ~(size - 1) with the type bits). Hooks see every access for emulated
 * registers such as the MSI-X capability.
 *
 * Only function 0 of each slot exists (single-function devices); every other
 * function and bus reads all-ones.
 *
 * Locking. One mutex per root serialises config accesses, registration and
 * BAR moves; config hooks and bar_remap run with it held, so they must not
 * call pci__register/pci__unregister. It is taken before the buses' locks.
 * BAR access handlers (struct pci_bar.ops) run without it and must never
 * take it, nor call pci__unregister() for their own device (unregistering
 * waits for them: defer it to another thread, e.g. the event loop).
 * pci__set_irq() uses its own leaf lock: callable from anywhere, including
 * BAR handlers and I/O threads.
 */
#ifndef DEVICES_PCI_H
#define DEVICES_PCI_H

#include <linux/pci_regs.h>

#include "vmm/bus.h"
#include "vmm/util.h"

struct vm;
struct pci_root;
struct pci_device;

/*
 * imsvm's own PCI IDs. 0x494D is "IM" in ASCII; it is not assigned by the
 * PCI-SIG to anyone (not in pci.ids as of 2023), and imsvm's devices exist
 * only inside imsvm guests. Device IDs: 0x0001 host bridge; 0x0010..0x001F
 * are kept for the PV-IC and later imsvm devices.
 */
#define IMSVM_PCI_VENDOR_ID		0x494D
#define IMSVM_PCI_DEVICE_HOST_BRIDGE	0x0001

#define PCI_CFG_SIZE		4096	/* PCIe extended config space per function */
#define PCI_CFG_LEGACY_SIZE	256
#define PCI_NR_BARS		6
#define PCI_NR_SLOTS		32
#define PCI_SLOT_ANY		(-1)
#define PCI_BAR_UNMAPPED	(~0ULL)

enum pci_bar_kind {
	PCI_BAR_NONE = 0,
	PCI_BAR_IO,		/* I/O ports, 4..256 bytes */
	PCI_BAR_MEM32,		/* memory below 4 GiB */
	PCI_BAR_MEM64,		/* memory anywhere; takes this BAR and the next */
};

struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetchable;
	u64 size;			/* a power of two */
	/*
	 * When the device has no bar_remap op, the core registers these on
	 * the PIO or MMIO bus wherever the BAR decodes; offsets are relative
	 * to the BAR's start. NULL ops: nothing is mapped (accesses are
	 * unhandled).
	 */
	const struct bus_ops *ops;
	void *opaque;
	/* Kept by the core. */
	bool upper_half;		/* the high dword of the previous MEM64 BAR */
	u64 assigned;			/* address given at registration */
	u64 gpa;			/* where it decodes now, or PCI_BAR_UNMAPPED */
	u64 refused;			/* last address that could not be mapped */
};

struct pci_device_ops {
	/*
	 * After the core filled @data (@len bytes at @offset, never crossing a
	 * dword) from the config image: an emulated register may overwrite it.
	 */
	void (*config_read)(struct pci_device *dev, u32 offset, void *data, u32 len);
	/*
	 * After the core applied a guest write of @data to the image through
	 * the masks (and moved BARs if needed). The raw value written is
	 * passed; dev->cfg holds the result.
	 */
	void (*config_write)(struct pci_device *dev, u32 offset, const void *data, u32 len);
	/*
	 * BAR @bar now decodes at @new_gpa instead of @old_gpa; either may be
	 * PCI_BAR_UNMAPPED (decoding switched off or on, device removed). The
	 * device moves its handlers or memory slot. On error the device must
	 * leave the BAR unmapped; the core counts a conflict and retries at
	 * the next change.
	 */
	int (*bar_remap)(struct pci_device *dev, unsigned int bar, u64 old_gpa, u64 new_gpa);
};

struct pci_device {
	const char *name;
	const struct pci_device_ops *ops;	/* may be NULL */
	void *priv;
	/* PCI_SLOT_ANY, or the slot wanted, before pci__register; the slot after. */
	int slot;

	u8 cfg[PCI_CFG_SIZE];		/* what the guest reads */
	u8 wmask[PCI_CFG_SIZE];		/* bits a guest write may change */
	u8 w1cmask[PCI_CFG_SIZE];	/* bits a guest write of 1 clears */
	struct pci_bar bars[PCI_NR_BARS];

	/* Kept by the core. */
	struct pci_root *root;		/* NULL when not registered */
	u8 cap_next;			/* first free byte for a capability */
	u16 ext_cap_next;		/* first free byte for an extended capability */
	u16 ext_cap_last;		/* offset of the last extended capability, 0: none */
	bool intx_level;		/* as last set by pci__set_irq */
	bool intx_masked;		/* Command.INTx-disable, mirrored for the irq path */
	u8 intx_gsi;
};

/* ---- the root (host bridge and bus 0) ---- */

/* Create the host bridge, CF8/CFC and ECAM decoding; sets vm->pci. */
int __must_check pci__init(struct vm *vm);

/*
 * Give @dev a slot (dev->slot, or the lowest free one when PCI_SLOT_ANY),
 * assign and map its BARs, set its interrupt line. -EBUSY: the slot is
 * taken; -ENOSPC: no free slot or no room in a window; -EINVAL: bad slot.
 */
int __must_check pci__register(struct pci_root *root, struct pci_device *dev);
/* Hot-unplug: unmap BARs, drop INTx, free the slot. -ENOENT if not registered here. */
int pci__unregister(struct pci_root *root, struct pci_device *dev);

struct pci_root_stats {
	u64 bad_accesses;	/* malformed config accesses (size, alignment) */
	u64 bar_conflicts;	/* BAR placements that could not be mapped */
	u64 absent_reads;	/* config reads of functions that do not exist */
};
void pci__get_stats(struct pci_root *root, struct pci_root_stats *st);

/* The registered device in @slot of bus 0, or NULL (for tests and the control socket). */
struct pci_device *pci__device_at(struct pci_root *root, unsigned int slot);

/* ---- building a device (before pci__register) ---- */

/*
 * Header type 0 with the IDs and @class_code (base << 16 | sub << 8 | prog-if);
 * subsystem IDs equal to @vendor/@device; no INTx pin; Command, cache line,
 * latency timer and interrupt line writable; Status error bits W1C.
 */
void pci__device_init(struct pci_device *dev, const char *name, u16 vendor, u16 device,
		      u32 class_code, u8 revision, const struct pci_device_ops *ops, void *priv);
void pci__set_subsystem(struct pci_device *dev, u16 subsys_vendor, u16 subsys_id);
/* @pin: 1 = INTA .. 4 = INTD, 0 = none. */
void pci__set_intx_pin(struct pci_device *dev, u8 pin);

/*
 * Describe BAR @bar. A MEM64 BAR takes @bar and @bar + 1. @size is a power
 * of two: 4..256 for I/O, at least 16 for memory (memory BARs are placed on
 * at least 4 KiB alignment). -EINVAL otherwise.
 */
int __must_check pci__set_bar(struct pci_device *dev, unsigned int bar, enum pci_bar_kind kind,
			      u64 size, bool prefetchable, const struct bus_ops *ops, void *opaque);

/*
 * Append a capability of @len bytes (including the 2-byte ID/next header,
 * whose bytes in @body are ignored) to the list. @wmask: per-byte writable
 * bits for the body (same layout, header bytes ignored), NULL: read-only.
 * Returns the capability's offset (0x40..0xFC) or -ENOSPC / -EINVAL.
 */
int __must_check pci__add_capability(struct pci_device *dev, u8 id, const void *body, u8 len,
				     const void *wmask);
/* Offset of the first capability @id after offset @after (0: from the start); 0 if none. */
u8 pci__find_capability(const struct pci_device *dev, u8 id, u8 after);

/*
 * PCIe extended capability (offset 0x100 up), @len including the 4-byte
 * header. Returns the offset or -ENOSPC / -EINVAL.
 */
int __must_check pci__add_ext_capability(struct pci_device *dev, u16 id, u8 version,
					 const void *body, u16 len, const void *wmask);
u16 pci__find_ext_capability(const struct pci_device *dev, u16 id);

/* ---- running ---- */

/*
 * INTx level of @dev (its pin, routed by the slot swizzle of vmm/layout.h;
 * lines shared by several devices are the OR of their levels). Masked while
 * the guest sets Command.INTx-disable; Status.Interrupt shows the level.
 */
void pci__set_irq(struct pci_device *dev, bool level);

/* Little-endian helpers for the config image (device models, hooks). */
static inline u16 pci__cfg_get16(const struct pci_device *dev, u32 off)
{
	return dev->cfg[off] | dev->cfg[off + 1] << 8;
}

static inline u32 pci__cfg_get32(const struct pci_device *dev, u32 off)
{
	return pci__cfg_get16(dev, off) | (u32)pci__cfg_get16(dev, off + 2) << 16;
}

static inline void pci__cfg_set16(u8 *image, u32 off, u16 v)
{
	image[off] = v;
	image[off + 1] = v >> 8;
}

static inline void pci__cfg_set32(u8 *image, u32 off, u32 v)
{
	pci__cfg_set16(image, off, v);
	pci__cfg_set16(image, off + 2, v >> 16);
}

#endif /* DEVICES_PCI_H */
