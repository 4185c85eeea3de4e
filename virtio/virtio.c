/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The transport-independent virtio device: feature negotiation (3.1.1),
 * the device status state machine, reset, queue enabling and NEEDS_RESET.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <linux/virtio_ring.h>

#include "virtio/virtio.h"
#include "vmm/log.h"

int virtio__init(struct virtio_dev *vdev, const char *name, u16 device_id,
		 const struct virtio_dev_ops *ops, void *priv, const struct guest_mem *mem,
		 u64 features, unsigned int nr_queues, u16 queue_size, u32 config_len)
{
	unsigned int i;

	if (nr_queues == 0 || nr_queues > VIRTIO_MAX_QUEUES || queue_size == 0 ||
	    (queue_size & (queue_size - 1)) || queue_size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	memset(vdev, 0, sizeof(*vdev));
	vdev->name = name;
	vdev->device_id = device_id;
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->mem = mem;
	vdev->features = features | (1ULL << VIRTIO_F_VERSION_1);
	vdev->nr_queues = nr_queues;
	vdev->config_len = config_len;
	vdev->config_vector = VIRTIO_NO_VECTOR;
	pthread_mutex_init(&vdev->lock, NULL);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vdev->queues[i].kick_fd = -1;
	for (i = 0; i < nr_queues; i++) {
		struct virtio_queue_state *qs = &vdev->queues[i];

		qs->max_size = qs->size = queue_size;
		qs->vector = VIRTIO_NO_VECTOR;
		qs->vq.mem = mem;
		qs->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (qs->kick_fd < 0) {
			int ret = -errno;

			virtio__exit(vdev);
			return ret;
		}
	}
	return 0;
}

void virtio__exit(struct virtio_dev *vdev)
{
	/*
	 * The count of malformed-queue refusals, once at exit, so that
	 * tests/security can match what the guest saw (the warning itself is
	 * rate-limited). Only when non-zero: a healthy run prints nothing new.
	 */
	if (vdev->st.needs_reset && vdev->name)
		pr_info("%s: entered NEEDS_RESET %llu times (malformed queues refused)", vdev->name,
			(unsigned long long)vdev->st.needs_reset);
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		if (vdev->queues[i].kick_fd >= 0)
			close(vdev->queues[i].kick_fd);
		vdev->queues[i].kick_fd = -1;
	}
	pthread_mutex_destroy(&vdev->lock);
}

u32 virtio__read_device_features(struct virtio_dev *vdev)
{
	if (vdev->dfselect > 1)
		return 0;
	return (u32)(vdev->features >> (32 * vdev->dfselect));
}

void virtio__write_driver_features(struct virtio_dev *vdev, u32 val)
{
	unsigned int shift;

	/* Features are fixed once FEATURES_OK was accepted (3.1.1 step 5). */
	if (vdev->gfselect > 1 || (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK))
		return;
	shift = 32 * vdev->gfselect;
	vdev->driver_features &= ~(0xffffffffULL << shift);
	vdev->driver_features |= (u64)val << shift;
}

bool virtio__running(const struct virtio_dev *vdev)
{
	return (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(vdev->status & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED));
}

void virtio__reset(struct virtio_dev *vdev)
{
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	for (unsigned int i = 0; i < vdev->nr_queues; i++) {
		struct virtio_queue_state *qs = &vdev->queues[i];
		u64 drain;

		virtq__reset(&qs->vq);
		qs->size = qs->max_size;
		qs->vector = VIRTIO_NO_VECTOR;
		qs->enabled = false;
		qs->desc = qs->avail = qs->used = 0;
		/* A kick that raced the reset is stale. */
		if (read(qs->kick_fd, &drain, sizeof(drain)) < 0)
			drain = 0;
	}
	vdev->status = 0;
	vdev->driver_features = vdev->negotiated = 0;
	vdev->dfselect = vdev->gfselect = 0;
	vdev->config_vector = VIRTIO_NO_VECTOR;
	vdev->reset_reason = NULL;
	vdev->st.resets++;
}

/* The driver may only add bits, in order (3.1.1), except FAILED at any time. */
static bool status_step_ok(u8 old, u8 new)
{
	const u8 order[] = { VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER,
			     VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_DRIVER_OK };
	u8 have = old;

	if ((old & new & ~VIRTIO_CONFIG_S_NEEDS_RESET) != (old & ~VIRTIO_CONFIG_S_NEEDS_RESET))
		return false;	/* a bit other than NEEDS_RESET was cleared */
	for (unsigned int i = 0; i < ARRAY_SIZE(order); i++) {
		if ((new & order[i]) && !(have & order[i])) {
			/* Every earlier step must be set. */
			for (unsigned int j = 0; j < i; j++)
				if (!(new & order[j]))
					return false;
			have |= order[i];
		}
	}
	return true;
}

void virtio__write_status(struct virtio_dev *vdev, u8 status)
{
	u8 old = vdev->status;

	if (status == 0) {
		virtio__reset(vdev);
		return;
	}
	/* NEEDS_RESET is the device's bit: the driver cannot set or clear it. */
	status = (u8)((status & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
		      (old & VIRTIO_CONFIG_S_NEEDS_RESET));
	if (status & VIRTIO_CONFIG_S_FAILED) {
		vdev->status = status;
		return;
	}
	if (!status_step_ok(old, status)) {
		vdev->st.bad_status++;
		pr_warn_ratelimited("%s: driver wrote status %#x after %#x: out of order, ignored",
				    vdev->name, status, old);
		return;
	}
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
		u64 f = vdev->driver_features;

		/* Only offered features, and a modern driver (no legacy interface here). */
		if ((f & ~vdev->features) || !(f & (1ULL << VIRTIO_F_VERSION_1))) {
			vdev->st.feature_refused++;
			pr_warn_ratelimited("%s: driver features %#llx refused (offered %#llx)",
					    vdev->name, (unsigned long long)f,
					    (unsigned long long)vdev->features);
			/* FEATURES_OK stays clear: the driver reads it back and gives up. */
			status &= (u8)~VIRTIO_CONFIG_S_FEATURES_OK;
			if (status & VIRTIO_CONFIG_S_DRIVER_OK)
				return;
			vdev->status = status;
			return;
		}
		vdev->negotiated = f;
	}
	vdev->status = status;
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    virtio__running(vdev)) {
		/* Buffers made available before DRIVER_OK: let the device look now. */
		for (unsigned int i = 0; i < vdev->nr_queues; i++) {
			u64 one = 1;

			if (write(vdev->queues[i].kick_fd, &one, sizeof(one)) < 0)
				break;
		}
		if (vdev->ops->start)
			vdev->ops->start(vdev);
	}
}

void virtio__enable_queue(struct virtio_dev *vdev, unsigned int q)
{
	struct virtio_queue_state *qs = &vdev->queues[q];
	int ret;

	if (q >= vdev->nr_queues || qs->enabled)
		return;
	ret = virtq__setup(&qs->vq, vdev->mem, qs->size, qs->desc, qs->avail, qs->used,
			   virtio__has_feature(vdev, VIRTIO_RING_F_EVENT_IDX));
	if (ret < 0) {
		virtio__fail(vdev, (int)q, qs->vq.error);
		return;
	}
	qs->enabled = true;
}

void virtio__fail(struct virtio_dev *vdev, int q, const char *why)
{
	if (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	vdev->reset_reason = why;
	vdev->st.needs_reset++;
	pr_warn_ratelimited("%s: queue %d: %s: device needs reset", vdev->name, q, why);
	if (vdev->transport && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		vdev->transport->signal_config(vdev);
}

int virtio__pop(struct virtio_dev *vdev, unsigned int q, struct virtq_chain *c)
{
	struct virtio_queue_state *qs = &vdev->queues[q];
	int ret;

	if (!virtio__running(vdev) || !qs->enabled)
		return 0;
	ret = virtq__pop(&qs->vq, c);
	if (ret < 0) {
		virtio__fail(vdev, (int)q, qs->vq.error);
		return 0;
	}
	if (ret > 0)
		virtq__enable_notify(&qs->vq);
	return ret;
}

void virtio__push(struct virtio_dev *vdev, unsigned int q, u16 head, u32 len)
{
	struct virtio_queue_state *qs = &vdev->queues[q];

	if (!qs->enabled)
		return;
	virtq__push(&qs->vq, head, len);
}

void virtio__notify(struct virtio_dev *vdev, unsigned int q)
{
	struct virtio_queue_state *qs = &vdev->queues[q];

	if (!qs->enabled || !virtq__should_notify(&qs->vq))
		return;
	if (vdev->transport)
		vdev->transport->signal_queue(vdev, q);
}

void virtio__push_notify(struct virtio_dev *vdev, unsigned int q, u16 head, u32 len)
{
	virtio__push(vdev, q, head, len);
	virtio__notify(vdev, q);
}

void virtio__config_changed(struct virtio_dev *vdev)
{
	vdev->config_generation++;
	if (vdev->transport && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		vdev->transport->signal_config(vdev);
}
