/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal modern virtio-pci driver for the security test kernels
 * (sec_*.c): find a device, bring one queue up on rings the test places
 * where it likes (inside or outside RAM), offer chains, kick, poll. INTx and
 * ISR only: MSI-X stays off, completions are polled. The BAR 0 layout is
 * imsvm's (docs/virtio.md); tests/guest/x86/virtio_queue.c checks it from
 * the capabilities.
 * A header, not a .c: every .c file in tests/guest/x86 is a kernel of its own.
 */
#ifndef TESTS_GUEST_X86_SEC_VIRTIO_H
#define TESTS_GUEST_X86_SEC_VIRTIO_H

#include "libcflat.h"
#include "pci.h"
#include "x86/processor.h"

#define SV_VENDOR	0x1af4
#define SV_DEV_NET	0x1041
#define SV_DEV_BLK	0x1042
#define SV_DEV_CONSOLE	0x1043
#define SV_DEV_RNG	0x1044

#define SV_COMMON	0x0000
#define SV_ISR		0x1000
#define SV_NOTIFY	0x3000

#define SV_GFSELECT	8
#define SV_GF		12
#define SV_STATUS	20
#define SV_Q_SELECT	22
#define SV_Q_SIZE	24
#define SV_Q_ENABLE	28
#define SV_Q_DESC	32
#define SV_Q_AVAIL	40
#define SV_Q_USED	48

#define SV_S_ACK	1
#define SV_S_DRIVER	2
#define SV_S_DRIVER_OK	4
#define SV_S_FEATURES_OK 8
#define SV_S_NEEDS_RESET 0x40

#define SV_F_NEXT	1
#define SV_F_WRITE	2
#define SV_F_INDIRECT	4

#define SV_QSZ		16
#define SV_FEAT_INDIRECT 28	/* VIRTIO_F_INDIRECT_DESC: needed for indirect tables */

struct sv_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct sv_avail {
	u16 flags, idx, ring[SV_QSZ], used_event;
};

struct sv_used {
	u16 flags, idx;
	struct { u32 id, len; } ring[SV_QSZ];
	u16 avail_event;
};

struct sv_ring {
	struct sv_desc desc[SV_QSZ] __aligned(4096);
	struct sv_avail avail __aligned(4096);
	struct sv_used used __aligned(4096);
};

struct sv_dev {
	const char *name;
	u16 device_id;
	u16 queue;		/* the queue the tests use (a driver-to-device one) */
	u32 slot;
	u64 bar;
	struct sv_ring *r;	/* the rings in RAM */
	u16 next_avail;
};

static inline void sv_w8(u64 a, u8 v) { *(volatile u8 *)(uintptr_t)a = v; }
static inline void sv_w16(u64 a, u16 v) { *(volatile u16 *)(uintptr_t)a = v; }
static inline void sv_w32(u64 a, u32 v) { *(volatile u32 *)(uintptr_t)a = v; }
static inline u8 sv_r8(u64 a) { return *(volatile u8 *)(uintptr_t)a; }
static inline u16 sv_r16(u64 a) { return *(volatile u16 *)(uintptr_t)a; }

static inline bool sv_find(struct sv_dev *v)
{
	for (u32 s = 0; s < 32; s++) {
		u32 id = pci_conf1_read32(0, s, 0, PCI_VENDOR_ID);

		if ((id & 0xffff) == SV_VENDOR && id >> 16 == v->device_id) {
			v->slot = s;
			v->bar = pci_conf1_read32(0, s, 0, PCI_BAR0) & ~0xfULL;
			pci_conf1_write32(0, s, 0, PCI_COMMAND,
					  (pci_conf1_read32(0, s, 0, PCI_COMMAND) & 0xffff) | 0x2);
			return true;
		}
	}
	return false;
}

static inline u8 sv_status(const struct sv_dev *v)
{
	return sv_r8(v->bar + SV_COMMON + SV_STATUS);
}

static inline void sv_set_status(const struct sv_dev *v, u8 s)
{
	sv_w8(v->bar + SV_COMMON + SV_STATUS, s);
}

static inline void sv_w64(const struct sv_dev *v, u32 off, u64 val)
{
	sv_w32(v->bar + SV_COMMON + off, (u32)val);
	sv_w32(v->bar + SV_COMMON + off + 4, (u32)(val >> 32));
}

/*
 * Reset, negotiate VERSION_1 + INDIRECT_DESC, put the test queue's rings at
 * @desc/@avail/@used, enable it and set DRIVER_OK. Returns the status read
 * back (0xf when all went well; NEEDS_RESET set when the rings were refused).
 */
static inline u8 sv_start_at(struct sv_dev *v, u64 desc, u64 avail, u64 used)
{
	sv_set_status(v, 0);
	sv_set_status(v, SV_S_ACK);
	sv_set_status(v, SV_S_ACK | SV_S_DRIVER);
	sv_w32(v->bar + SV_COMMON + SV_GFSELECT, 0);
	sv_w32(v->bar + SV_COMMON + SV_GF, 1u << SV_FEAT_INDIRECT);
	sv_w32(v->bar + SV_COMMON + SV_GFSELECT, 1);
	sv_w32(v->bar + SV_COMMON + SV_GF, 1);		/* VERSION_1 */
	sv_set_status(v, SV_S_ACK | SV_S_DRIVER | SV_S_FEATURES_OK);
	v->next_avail = 0;
	sv_w16(v->bar + SV_COMMON + SV_Q_SELECT, v->queue);
	sv_w16(v->bar + SV_COMMON + SV_Q_SIZE, SV_QSZ);
	sv_w64(v, SV_Q_DESC, desc);
	sv_w64(v, SV_Q_AVAIL, avail);
	sv_w64(v, SV_Q_USED, used);
	sv_w16(v->bar + SV_COMMON + SV_Q_ENABLE, 1);
	sv_set_status(v, SV_S_ACK | SV_S_DRIVER | SV_S_FEATURES_OK | SV_S_DRIVER_OK);
	(void)sv_r8(v->bar + SV_ISR);		/* acknowledge anything left over */
	return sv_status(v);
}

/* Fresh rings in RAM. */
static inline bool sv_start(struct sv_dev *v)
{
	memset(v->r, 0, sizeof(*v->r));
	return sv_start_at(v, (uintptr_t)v->r->desc, (uintptr_t)&v->r->avail,
			   (uintptr_t)&v->r->used) == 0xf;
}

static inline void sv_offer(struct sv_dev *v, u16 head)
{
	v->r->avail.ring[v->next_avail % SV_QSZ] = head;
	v->next_avail++;
	__atomic_store_n(&v->r->avail.idx, v->next_avail, __ATOMIC_RELEASE);
}

static inline void sv_kick(const struct sv_dev *v)
{
	sv_w16(v->bar + SV_NOTIFY + 4 * v->queue, v->queue);
}

static inline u16 sv_used_idx(const struct sv_dev *v)
{
	return __atomic_load_n(&v->r->used.idx, __ATOMIC_ACQUIRE);
}

/* Bounded wait (TSC cycles) for @cond; the device works on imsvm's own threads. */
#define SV_WAIT_CYCLES	20000000000ULL
#define SV_WAIT(cond) ({						\
	u64 __t0 = rdtsc();						\
	while (!(cond) && rdtsc() - __t0 < SV_WAIT_CYCLES)		\
		cpu_relax();						\
	(cond);								\
})

#endif /* TESTS_GUEST_X86_SEC_VIRTIO_H */
