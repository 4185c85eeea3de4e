/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues (virtio 1.x, 2.7): the descriptor table, the available
 * ring the driver fills and the used ring the device fills, with indirect
 * descriptors and event index (VIRTIO_F_RING_EVENT_IDX).
 *
 * The guest owns the rings and may change them at any time, so every guest
 * address is checked against guest RAM before use, every index is reduced
 * modulo the queue size, and each descriptor is read once into a local copy
 * (a guest rewriting a descriptor while we walk it cannot make us walk
 * something we did not check). A malformed chain is not the device's
 * problem to paper over: virtq__pop() returns -EIO with a reason in
 * q->error, and the device core puts the device into NEEDS_RESET.
 *
 * A queue is used by one thread at a time (the device's I/O thread); the
 * caller serialises.
 */
#ifndef VIRTIO_VIRTQUEUE_H
#define VIRTIO_VIRTQUEUE_H

#include <sys/uio.h>

#include "vmm/guest_mem.h"
#include "vmm/util.h"

#define VIRTQ_MAX_SIZE		32768	/* the spec's limit for split queues */
/* Most segments one chain may have, indirect tables included. */
#define VIRTQ_MAX_SEGS		1024

struct vring_desc;
struct vring_avail;
struct vring_used;

struct virtq {
	const struct guest_mem *mem;
	u16 num;			/* queue size, a power of two */
	bool event_idx;			/* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool ready;			/* virtq__setup() succeeded */
	u64 desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;	/* host views of the three areas */
	struct vring_avail *avail;
	struct vring_used *used;
	u16 last_avail;			/* next available entry to take */
	u16 used_idx;			/* our copy of used->idx */
	u16 signalled_used;		/* used_idx when we last notified */
	bool signalled_valid;
	const char *error;		/* why the last pop failed */
};

/* One descriptor chain taken from the available ring: readable segments first. */
struct virtq_chain {
	u16 head;
	unsigned int nr_out;		/* device-readable segments: iov[0 .. nr_out) */
	unsigned int nr_in;		/* device-writable: iov[nr_out .. nr_out + nr_in) */
	u32 out_len, in_len;		/* bytes in each direction */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/*
 * Make @q usable: @num a power of two up to VIRTQ_MAX_SIZE, each area
 * aligned as the spec requires and wholly in guest RAM. -EINVAL with
 * q->error set otherwise. Indices start at 0.
 */
int __must_check virtq__setup(struct virtq *q, const struct guest_mem *mem, u16 num,
			      u64 desc, u64 avail, u64 used, bool event_idx);
void virtq__reset(struct virtq *q);

/* True when the driver made a chain available that we have not taken. */
bool virtq__has_avail(struct virtq *q);

/*
 * Take the next available chain into @c. 1: got one; 0: ring empty;
 * -EIO: malformed (q->error says why; the chain is not consumed).
 */
int __must_check virtq__pop(struct virtq *q, struct virtq_chain *c);

/* Undo the last successful pop (the device could not use the chain yet). */
void virtq__unpop(struct virtq *q);

/* Give chain @head back with @len bytes written into it. */
void virtq__push(struct virtq *q, u16 head, u32 len);

/*
 * After pushes: true when the driver wants an interrupt now (no
 * VRING_AVAIL_F_NO_INTERRUPT, or with event index: used_event crossed).
 */
bool virtq__should_notify(struct virtq *q);

/*
 * With event index: ask the driver to notify us from the next entry on
 * (avail_event). Call before going idle, then check virtq__has_avail()
 * again to close the race with a driver that just added one.
 */
void virtq__enable_notify(struct virtq *q);

/* Copy helpers over a chain's segments; return bytes copied. */
size_t virtq__copy_from(const struct virtq_chain *c, size_t off, void *dst, size_t len);
size_t virtq__copy_to(const struct virtq_chain *c, size_t off, const void *src, size_t len);

#endif /* VIRTIO_VIRTQUEUE_H */
