/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal virtio 1.x PCI driver for the guest test kernels (virtio_*.c):
 * find a device on bus 0, negotiate features, set up queue 0 with a
 * 16-entry split ring, offer chains, kick, and wait (bounded) for the
 * used ring. INTx/ISR only: MSI-X stays off, completions are polled.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_VIRTIO_DRV_H
#define TESTS_GUEST_X86_VIRTIO_DRV_H

#include "libcflat.h"
#include "pci.h"
#include "x86/processor.h"

#define VENDOR_VIRTIO	0x1af4
#define DEV_BLK		0x1042
#define DEV_RNG		0x1044

/* BAR 0 layout of imsvm's virtio-pci (docs/virtio.md); checked from the capabilities. */
#define COMMON		0x0000
#define ISR		0x1000
#define DEVCFG		0x2000
#define NOTIFY		0x3000

/* common configuration */
#define DFSELECT	0
#define DF		4
#define GFSELECT	8
#define GF		12
#define STATUS		20
#define Q_SELECT	22
#define Q_SIZE		24
#define Q_ENABLE	28
#define Q_DESC		32
#define Q_AVAIL		40
#define Q_USED		48

#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40

#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4

/* virtio-blk request types and status bytes (virtio 5.2.6) */
#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_T_FLUSH	4
#define BLK_T_GET_ID	8
#define BLK_S_OK	0
#define BLK_S_IOERR	1

#define QSZ		16

struct desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct ring {
	struct desc desc[QSZ] __attribute__((aligned(4096)));
	struct {
		u16 flags, idx, ring[QSZ], used_event;
	} avail __attribute__((aligned(4096)));
	struct {
		u16 flags, idx;
		struct { u32 id, len; } ring[QSZ];
		u16 avail_event;
	} used __attribute__((aligned(4096)));
};

struct vdev {
	const char *name;
	u32 slot;
	u64 bar;
	struct ring *r;
	u16 next_avail;
};

struct blk_outhdr {
	u32 type, ioprio;
	u64 sector;
};

static inline void w8(u64 a, u8 v) { *(volatile u8 *)(uintptr_t)a = v; }
static inline void w16(u64 a, u16 v) { *(volatile u16 *)(uintptr_t)a = v; }
static inline void w32(u64 a, u32 v) { *(volatile u32 *)(uintptr_t)a = v; }
static inline u8 r8(u64 a) { return *(volatile u8 *)(uintptr_t)a; }
static inline u16 r16(u64 a) { return *(volatile u16 *)(uintptr_t)a; }
static inline u32 r32(u64 a) { return *(volatile u32 *)(uintptr_t)a; }

/* The first virtio function with PCI device id @device on bus 0. */
static inline bool find(struct vdev *v, u16 device)
{
	for (u32 s = 0; s < 32; s++) {
		u32 id = pci_conf1_read32(0, s, 0, PCI_VENDOR_ID);

		if ((id & 0xffff) == VENDOR_VIRTIO && id >> 16 == device) {
			v->slot = s;
			v->bar = pci_conf1_read32(0, s, 0, PCI_BAR0) & ~0xfULL;
			return true;
		}
	}
	return false;
}

/* A vendor capability of @type pointing at @off of BAR 0? */
static inline bool has_cap(struct vdev *v, u8 type, u32 off)
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

static inline u8 status(struct vdev *v)
{
	return r8(v->bar + COMMON + STATUS);
}

static inline void set_status(struct vdev *v, u8 s)
{
	w8(v->bar + COMMON + STATUS, s);
}

/* 3.1.1 up to FEATURES_OK with @hi:@lo; returns the status read back. */
static inline u8 negotiate(struct vdev *v, u32 hi, u32 lo)
{
	set_status(v, 0);
	set_status(v, S_ACK);
	set_status(v, S_ACK | S_DRIVER);
	w32(v->bar + COMMON + GFSELECT, 0);
	w32(v->bar + COMMON + GF, lo);
	w32(v->bar + COMMON + GFSELECT, 1);
	w32(v->bar + COMMON + GF, hi);
	set_status(v, S_ACK | S_DRIVER | S_FEATURES_OK);
	return status(v);
}

/* Fresh rings for queue 0 and DRIVER_OK, with VERSION_1 only. */
static inline bool start(struct vdev *v)
{
	if (negotiate(v, 1, 0) != (S_ACK | S_DRIVER | S_FEATURES_OK))
		return false;
	memset(v->r, 0, sizeof(*v->r));
	v->next_avail = 0;
	w16(v->bar + COMMON + Q_SELECT, 0);
	w16(v->bar + COMMON + Q_SIZE, QSZ);
	w32(v->bar + COMMON + Q_DESC, (u32)(uintptr_t)v->r->desc);
	w32(v->bar + COMMON + Q_DESC + 4, 0);
	w32(v->bar + COMMON + Q_AVAIL, (u32)(uintptr_t)&v->r->avail);
	w32(v->bar + COMMON + Q_AVAIL + 4, 0);
	w32(v->bar + COMMON + Q_USED, (u32)(uintptr_t)&v->r->used);
	w32(v->bar + COMMON + Q_USED + 4, 0);
	w16(v->bar + COMMON + Q_ENABLE, 1);
	set_status(v, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	(void)r8(v->bar + ISR);		/* acknowledge anything left over */
	return r16(v->bar + COMMON + Q_ENABLE) == 1 && status(v) == 0xf;
}

static inline void offer(struct vdev *v, u16 head)
{
	v->r->avail.ring[v->next_avail % QSZ] = head;
	v->next_avail++;
	__atomic_store_n(&v->r->avail.idx, v->next_avail, __ATOMIC_RELEASE);
}

static inline void kick(struct vdev *v)
{
	w16(v->bar + NOTIFY, 0);
}

/* Bounded wait (TSC cycles) for @cond; the device works on imsvm's own threads. */
#define WAIT_CYCLES	20000000000ULL
#define WAIT(cond) ({							\
	u64 __t0 = rdtsc();						\
	while (!(cond) && rdtsc() - __t0 < WAIT_CYCLES)		\
		cpu_relax();						\
	(cond);								\
})

static inline u16 used_idx(struct vdev *v)
{
	return __atomic_load_n(&v->r->used.idx, __ATOMIC_ACQUIRE);
}

#endif /* TESTS_GUEST_X86_VIRTIO_DRV_H */
