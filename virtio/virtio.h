/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio device, independent of its transport: feature negotiation,
 * device status and reset, its queues, its configuration space, and
 * NEEDS_RESET when the driver hands over a malformed queue.
 *
 * Who calls what. The transport (virtio/pci.c) calls virtio__*() from vCPU
 * threads when the driver writes its registers; the device model processes
 * its queues on its own thread (the VMM event loop, or the block device's
 * I/O thread) after a kick. vdev->lock serialises the two: the transport
 * holds it around every register access, the device around each batch of
 * queue work. It is never held while waiting for I/O.
 *
 * The device model fills struct virtio_dev_ops; the transport fills
 * struct virtio_transport_ops (how to interrupt the driver).
 */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include <pthread.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "virtio/virtqueue.h"
#include "vmm/util.h"

#define VIRTIO_MAX_QUEUES	8
#define VIRTIO_NO_VECTOR	0xffff
/* Ring features every imsvm device offers. */
#define VIRTIO_RING_FEATURES	(1ULL << VIRTIO_RING_F_INDIRECT_DESC | 1ULL << VIRTIO_RING_F_EVENT_IDX)

struct virtio_dev;

struct virtio_dev_ops {
	/* Driver set DRIVER_OK: start using the enabled queues. Lock held. */
	void (*start)(struct virtio_dev *vdev);
	/*
	 * Device reset (status 0 or NEEDS_RESET cleared by reset): forget every
	 * request; completions still in flight must not touch the rings. Lock held.
	 */
	void (*reset)(struct virtio_dev *vdev);
	/* Config space access at @off (bounds checked). Lock held. */
	void (*config_read)(struct virtio_dev *vdev, u32 off, void *data, u32 len);
	void (*config_write)(struct virtio_dev *vdev, u32 off, const void *data, u32 len);
};

struct virtio_transport_ops {
	/* Interrupt for queue @q (its vector, or INTx + ISR bit 0). */
	void (*signal_queue)(struct virtio_dev *vdev, unsigned int q);
	/* Configuration change interrupt (ISR bit 1). */
	void (*signal_config)(struct virtio_dev *vdev);
};

struct virtio_queue_state {
	struct virtq vq;
	u16 size;			/* driver-chosen size (<= max_size) */
	u16 max_size;
	u16 vector;			/* MSI-X vector or VIRTIO_NO_VECTOR */
	bool enabled;			/* queue_enable written 1 */
	u64 desc, avail, used;		/* as written by the driver */
	int kick_fd;			/* eventfd: ioeventfd of the notify address */
};

struct virtio_stats {
	u64 needs_reset;		/* times the device entered NEEDS_RESET */
	u64 bad_status;			/* refused status writes */
	u64 feature_refused;		/* FEATURES_OK refused */
	u64 resets;
};

struct virtio_dev {
	const char *name;		/* "virtio-blk0" */
	u16 device_id;			/* VIRTIO_ID_* */
	const struct virtio_dev_ops *ops;
	void *priv;
	const struct guest_mem *mem;

	pthread_mutex_t lock;
	u64 features;			/* offered (VIRTIO_F_VERSION_1 always) */
	u64 driver_features;		/* what the driver wrote */
	u64 negotiated;			/* valid after FEATURES_OK */
	u32 dfselect, gfselect;
	u8 status;
	u8 config_generation;
	unsigned int nr_queues;
	struct virtio_queue_state queues[VIRTIO_MAX_QUEUES];
	u16 config_vector;
	u32 config_len;			/* device-specific config bytes */
	const char *reset_reason;	/* why NEEDS_RESET, NULL if not */
	struct virtio_stats st;

	const struct virtio_transport_ops *transport;
	void *transport_priv;
};

/*
 * Fill @vdev: @features beyond VIRTIO_F_VERSION_1 (always offered),
 * @nr_queues queues of @queue_size each, @config_len bytes of config.
 * Creates one eventfd per queue (kick_fd). -errno on failure.
 */
int __must_check virtio__init(struct virtio_dev *vdev, const char *name, u16 device_id,
			      const struct virtio_dev_ops *ops, void *priv,
			      const struct guest_mem *mem, u64 features,
			      unsigned int nr_queues, u16 queue_size, u32 config_len);
void virtio__exit(struct virtio_dev *vdev);

/* ---- called by the transport, lock held ---- */

u32 virtio__read_device_features(struct virtio_dev *vdev);	/* at dfselect */
void virtio__write_driver_features(struct virtio_dev *vdev, u32 val);	/* at gfselect */
/* A status write: the state machine, FEATURES_OK check, reset on 0. */
void virtio__write_status(struct virtio_dev *vdev, u8 status);
/* queue_enable = 1 for @q: checks and maps its rings (NEEDS_RESET if bad). */
void virtio__enable_queue(struct virtio_dev *vdev, unsigned int q);
void virtio__reset(struct virtio_dev *vdev);

/* ---- called by devices ---- */

static inline bool virtio__has_feature(const struct virtio_dev *vdev, unsigned int bit)
{
	return vdev->negotiated & (1ULL << bit);
}

/* DRIVER_OK set and not NEEDS_RESET: queues may be used. */
bool virtio__running(const struct virtio_dev *vdev);

/*
 * The driver broke the rules on queue @q (@why; a malformed descriptor):
 * set NEEDS_RESET, stop the device, count, log (rate limited) and send a
 * config interrupt. The VMM and other devices carry on. Lock held.
 */
void virtio__fail(struct virtio_dev *vdev, int q, const char *why);

/*
 * Pop the next chain of queue @q. 1 got one, 0 empty or device not running;
 * on a malformed chain the device is failed and 0 returned. Lock held.
 */
int virtio__pop(struct virtio_dev *vdev, unsigned int q, struct virtq_chain *c);
/* Push and interrupt the driver if it wants one. Lock held. */
void virtio__push_notify(struct virtio_dev *vdev, unsigned int q, u16 head, u32 len);
/* Batched forms: push without interrupt, then one notify. */
void virtio__push(struct virtio_dev *vdev, unsigned int q, u16 head, u32 len);
void virtio__notify(struct virtio_dev *vdev, unsigned int q);

/* Config changed (e.g. console size): bump generation, interrupt. Lock held. */
void virtio__config_changed(struct virtio_dev *vdev);

#endif /* VIRTIO_VIRTIO_H */
