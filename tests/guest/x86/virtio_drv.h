/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal virtio 1.x PCI driver for the guest test kernels (virtio_*.c,
 * sec_ram_bounds.c): find a device on bus 0, negotiate features, set up one
 * queue with a 16-entry split ring (in RAM, or wherever the test places it),
 * offer chains, kick, and wait (bounded) for the used ring. INTx/ISR only:
 * MSI-X stays off, completions are polled. Everything is vd_/VD_: the
 * kernels that include this also include pvic.h and assign.h.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_VIRTIO_DRV_H
#define TESTS_GUEST_X86_VIRTIO_DRV_H

#include "libcflat.h"
#include "pci.h"
#include "x86/processor.h"

#define VD_VENDOR	0x1af4
#define VD_DEV_NET	0x1041
#define VD_DEV_BLK	0x1042
#define VD_DEV_CONSOLE	0x1043
#define VD_DEV_RNG	0x1044

/* BAR 0 layout of imsvm's virtio-pci (docs/virtio.md); checked from the capabilities. */
#define VD_COMMON	0x0000
#define VD_ISR		0x1000
#define VD_DEVCFG	0x2000
#define VD_NOTIFY	0x3000

/* common configuration */
#define VD_DFSELECT	0
#define VD_DF		4
#define VD_GFSELECT	8
#define VD_GF		12
#define VD_STATUS	20
#define VD_Q_SELECT	22
#define VD_Q_SIZE	24
#define VD_Q_ENABLE	28
#define VD_Q_DESC	32
#define VD_Q_AVAIL	40
#define VD_Q_USED	48

#define VD_S_ACK	1
#define VD_S_DRIVER	2
#define VD_S_DRIVER_OK	4
#define VD_S_FEATURES_OK 8
#define VD_S_NEEDS_RESET 0x40

#define VD_F_NEXT	1
#define VD_F_WRITE	2
#define VD_F_INDIRECT	4

#define VD_FEAT_INDIRECT 28	/* VIRTIO_F_INDIRECT_DESC, a bit of the low word */

/* virtio-blk request types and status bytes (virtio 5.2.6) */
#define VD_BLK_T_IN	0
#define VD_BLK_T_OUT	1
#define VD_BLK_T_FLUSH	4
#define VD_BLK_T_GET_ID	8
#define VD_BLK_S_OK	0
#define VD_BLK_S_IOERR	1

#define VD_QSZ		16

struct vd_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vd_ring {
	struct vd_desc desc[VD_QSZ] __attribute__((aligned(4096)));
	struct {
		u16 flags, idx, ring[VD_QSZ], used_event;
	} avail __attribute__((aligned(4096)));
	struct {
		u16 flags, idx;
		struct { u32 id, len; } ring[VD_QSZ];
		u16 avail_event;
	} used __attribute__((aligned(4096)));
};

struct vd_dev {
	const char *name;
	u16 device_id;		/* set by vd_find() */
	u16 queue;		/* the queue the test drives (0 unless set) */
	u32 features;		/* low feature word offered besides VERSION_1 */
	u32 slot;
	u64 bar;
	struct vd_ring *r;	/* the rings in RAM */
	u16 next_avail;
};

struct vd_blk_outhdr {
	u32 type, ioprio;
	u64 sector;
};

static inline void vd_w8(u64 a, u8 v) { *(volatile u8 *)(uintptr_t)a = v; }
static inline void vd_w16(u64 a, u16 v) { *(volatile u16 *)(uintptr_t)a = v; }
static inline void vd_w32(u64 a, u32 v) { *(volatile u32 *)(uintptr_t)a = v; }
static inline u8 vd_r8(u64 a) { return *(volatile u8 *)(uintptr_t)a; }
static inline u16 vd_r16(u64 a) { return *(volatile u16 *)(uintptr_t)a; }
static inline u32 vd_r32(u64 a) { return *(volatile u32 *)(uintptr_t)a; }

/* The first virtio function with PCI device id @device on bus 0, memory decoding on. */
static inline bool vd_find(struct vd_dev *v, u16 device)
{
	for (u32 s = 0; s < 32; s++) {
		u32 id = pci_conf1_read32(0, s, 0, PCI_VENDOR_ID);

		if ((id & 0xffff) == VD_VENDOR && id >> 16 == device) {
			v->device_id = device;
			v->slot = s;
			v->bar = pci_conf1_read32(0, s, 0, PCI_BAR0) & ~0xfULL;
			pci_conf1_write32(0, s, 0, PCI_COMMAND,
					  (pci_conf1_read32(0, s, 0, PCI_COMMAND) & 0xffff) | 0x2);
			return true;
		}
	}
	return false;
}

/* A vendor capability of @type pointing at @off of BAR 0? */
static inline bool vd_has_cap(const struct vd_dev *v, u8 type, u32 off)
{
	u8 p = pci_conf1_read8(0, v->slot, 0, 0x34);

	for (int n = 0; p && n < 48; n++) {
		u32 h = pci_conf1_read32(0, v->slot, 0, p);

		if ((h & 0xff) == 0x09 && (h >> 24) == type)
			return pci_conf1_read32(0, v->slot, 0, p + 8) == off &&
			       (pci_conf1_read32(0, v->slot, 0, p + 4) & 0xff) == 0;
		p = (h >> 8) & 0xfc;
	}
	return false;
}

static inline u8 vd_status(const struct vd_dev *v)
{
	return vd_r8(v->bar + VD_COMMON + VD_STATUS);
}

static inline void vd_set_status(const struct vd_dev *v, u8 s)
{
	vd_w8(v->bar + VD_COMMON + VD_STATUS, s);
}

/* 3.1.1 up to FEATURES_OK with @hi:@lo; returns the status read back. */
static inline u8 vd_negotiate(const struct vd_dev *v, u32 hi, u32 lo)
{
	vd_set_status(v, 0);
	vd_set_status(v, VD_S_ACK);
	vd_set_status(v, VD_S_ACK | VD_S_DRIVER);
	vd_w32(v->bar + VD_COMMON + VD_GFSELECT, 0);
	vd_w32(v->bar + VD_COMMON + VD_GF, lo);
	vd_w32(v->bar + VD_COMMON + VD_GFSELECT, 1);
	vd_w32(v->bar + VD_COMMON + VD_GF, hi);
	vd_set_status(v, VD_S_ACK | VD_S_DRIVER | VD_S_FEATURES_OK);
	return vd_status(v);
}

static inline void vd_w64(const struct vd_dev *v, u32 off, u64 val)
{
	vd_w32(v->bar + VD_COMMON + off, (u32)val);
	vd_w32(v->bar + VD_COMMON + off + 4, (u32)(val >> 32));
}

/*
 * Reset, negotiate VERSION_1 and v->features, put the test queue's rings at
 * @desc/@avail/@used, enable it and set DRIVER_OK. Returns the status read
 * back: 0xf when all went well, NEEDS_RESET set when the rings were refused,
 * FEATURES_OK clear (and the queue untouched) when the features were.
 */
static inline u8 vd_start_at(struct vd_dev *v, u64 desc, u64 avail, u64 used)
{
	u8 s = vd_negotiate(v, 1, v->features);

	if (s != (VD_S_ACK | VD_S_DRIVER | VD_S_FEATURES_OK))
		return s;
	v->next_avail = 0;
	vd_w16(v->bar + VD_COMMON + VD_Q_SELECT, v->queue);
	vd_w16(v->bar + VD_COMMON + VD_Q_SIZE, VD_QSZ);
	vd_w64(v, VD_Q_DESC, desc);
	vd_w64(v, VD_Q_AVAIL, avail);
	vd_w64(v, VD_Q_USED, used);
	vd_w16(v->bar + VD_COMMON + VD_Q_ENABLE, 1);
	vd_set_status(v, VD_S_ACK | VD_S_DRIVER | VD_S_FEATURES_OK | VD_S_DRIVER_OK);
	(void)vd_r8(v->bar + VD_ISR);		/* acknowledge anything left over */
	return vd_status(v);
}

/* Fresh rings in RAM (v->r) and DRIVER_OK; true when the queue is enabled. */
static inline bool vd_start(struct vd_dev *v)
{
	memset(v->r, 0, sizeof(*v->r));
	return vd_start_at(v, (uintptr_t)v->r->desc, (uintptr_t)&v->r->avail,
			   (uintptr_t)&v->r->used) == 0xf &&
	       vd_r16(v->bar + VD_COMMON + VD_Q_ENABLE) == 1;
}

static inline void vd_offer(struct vd_dev *v, u16 head)
{
	v->r->avail.ring[v->next_avail % VD_QSZ] = head;
	v->next_avail++;
	__atomic_store_n(&v->r->avail.idx, v->next_avail, __ATOMIC_RELEASE);
}

/* imsvm's notify_off_multiplier is 4. */
static inline void vd_kick(const struct vd_dev *v)
{
	vd_w16(v->bar + VD_NOTIFY + 4 * v->queue, v->queue);
}

/* Bounded wait (TSC cycles) for @cond; the device works on imsvm's own threads. */
#define VD_WAIT_CYCLES	20000000000ULL
#define VD_WAIT(cond) ({						\
	u64 __t0 = rdtsc();						\
	while (!(cond) && rdtsc() - __t0 < VD_WAIT_CYCLES)		\
		cpu_relax();						\
	(cond);								\
})

static inline u16 vd_used_idx(const struct vd_dev *v)
{
	return __atomic_load_n(&v->r->used.idx, __ATOMIC_ACQUIRE);
}

#endif /* TESTS_GUEST_X86_VIRTIO_DRV_H */
