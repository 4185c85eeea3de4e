/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk's insides, shared by the device (virtio/blk.c: configuration,
 * set-up, teardown) and its request handling (virtio/blk_io.c: the disk's
 * I/O thread, io_uring or synchronous).
 */
#ifndef VIRTIO_BLK_PRIV_H
#define VIRTIO_BLK_PRIV_H

#include <liburing.h>
#include <pthread.h>
#include <sys/uio.h>
#include <linux/virtio_blk.h>

#include "virtio/devices.h"
#include "virtio/virtio.h"
#include "vmm/device.h"

#define BLK_QUEUE_SIZE	256
/*
 * Segments per request. Small enough that Linux splits a 1 MiB request of
 * scattered pages into a few, which then run in parallel on the ring
 * (QEMU offers queue size - 2 for the same reason).
 */
#define BLK_SEG_MAX	126
#define SECTOR		512ULL

struct blk_req {
	struct virtio_blk *b;
	struct blk_req *next;		/* the synchronous engine's queue */
	u64 gen;
	u16 head;
	u8 type;
	u8 *status;
	u32 in_len;			/* bytes the device writes, status included */
	u64 off;			/* byte offset in the image (read, write, discard) */
	size_t len;			/* data bytes asked for (discard: bytes to punch) */
	size_t done;			/* of them, transferred so far (short transfers) */
	unsigned int first, nr;		/* iov[first..nr): what is left to transfer */
	struct iovec *iov;		/* the data segments */
};

struct virtio_blk {
	struct virtio_dev vdev;
	struct virtio_pci *vp;
	struct vm *vm;
	struct device dev;
	char name[24];
	char path[256];
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	bool ro;
	bool sync;			/* no io_uring: the thread does each request itself */
	int fd;
	u64 sectors;
	struct io_uring ring;
	bool ring_ok;
	int stop_fd;
	pthread_t thread;
	bool thread_ok;
	u64 gen;			/* under vdev->lock */
	unsigned int inflight;		/* I/O thread only */
	struct blk_req *queue, **queue_tail;	/* synchronous engine: I/O thread only */
	struct virtio_blk_stats st;	/* under vdev->lock */
	struct virtq_chain chain;
};

/* The disk's I/O thread (pthread_create() argument @opaque: the disk). */
void *blk__thread(void *opaque);

#endif /* VIRTIO_BLK_PRIV_H */
