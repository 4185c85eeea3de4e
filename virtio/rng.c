/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-rng (virtio 5.4): one request queue; each chain's writable
 * segments are filled from getrandom(2). Runs on the VMM event loop.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/virtio_ids.h>

#include "virtio/devices.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define RNG_QUEUE_SIZE	64

struct virtio_rng {
	struct virtio_dev vdev;
	struct virtio_pci *vp;
	struct vm *vm;
	struct device dev;
	bool watching;
	u64 bytes;			/* handed to the guest */
	struct virtq_chain chain;	/* big: not on the loop's stack */
};

static void rng_kick(int fd, u32 events, void *opaque)
{
	struct virtio_rng *r = opaque;
	struct virtio_dev *vdev = &r->vdev;
	u64 cnt;
	bool pushed = false;

	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno == EAGAIN)
		return;
	pthread_mutex_lock(&vdev->lock);
	while (virtio__pop(vdev, 0, &r->chain) > 0) {
		struct virtq_chain *c = &r->chain;
		u32 len = 0;

		for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
			ssize_t n = getrandom(c->iov[i].iov_base, c->iov[i].iov_len, GRND_NONBLOCK);

			if (n <= 0)
				break;	/* pool not ready: give what we have */
			len += (u32)n;
			if ((size_t)n < c->iov[i].iov_len)
				break;
		}
		r->bytes += len;
		virtio__push(vdev, 0, c->head, len);
		pushed = true;
	}
	if (pushed)
		virtio__notify(vdev, 0);
	pthread_mutex_unlock(&vdev->lock);
}

static void rng_destroy(struct device *dev)
{
	struct virtio_rng *r = dev->priv;

	pr_debug("%s: %llu bytes given", r->vdev.name, (unsigned long long)r->bytes);
	if (r->watching)
		(void)event_loop__del(r->vm->loop, r->vdev.queues[0].kick_fd);
	virtio_pci__remove(r->vp);
	virtio__exit(&r->vdev);
	free(r);
}

static const struct device_ops rng_device_ops = {
	.destroy = rng_destroy,
};

static const struct virtio_dev_ops rng_ops = { 0 };

int virtio_rng__init(struct vm *vm)
{
	struct virtio_rng *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->vm = vm;
	ret = virtio__init(&r->vdev, "virtio-rng", VIRTIO_ID_RNG, &rng_ops, r, &vm->mem,
			   VIRTIO_RING_FEATURES, 1, RNG_QUEUE_SIZE, 0);
	if (ret < 0)
		goto err_free;
	ret = event_loop__add(vm->loop, r->vdev.queues[0].kick_fd, EPOLLIN, rng_kick, r);
	if (ret < 0)
		goto err_exit;
	r->watching = true;
	ret = virtio_pci__add(vm, &r->vdev, 0x00ff00, &r->vp);
	if (ret < 0)
		goto err_watch;
	r->dev = (struct device){ .name = r->vdev.name, .ops = &rng_device_ops, .priv = r };
	device_list__add(&vm->devices, &r->dev);
	return 0;

err_watch:
	(void)event_loop__del(vm->loop, r->vdev.queues[0].kick_fd);
err_exit:
	virtio__exit(&r->vdev);
err_free:
	free(r);
	pr_err("virtio-rng: %s", strerror(-ret));
	return ret;
}
