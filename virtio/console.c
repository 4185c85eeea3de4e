/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-console (virtio 5.3) with one port and no multiport: Linux's
 * hvc0. The transmit queue goes to stdout; stdin (when the operator's
 * stdin is a terminal, pipe or socket) goes to the receive queue.
 *
 * Input waits in a 4 KiB buffer when the driver has no receive buffer
 * posted; when that is full, stdin is no longer watched until the driver
 * posts buffers (its kick), so a guest that never reads cannot make imsvm
 * buffer without bound. Everything runs on the VMM event loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "virtio/devices.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define CONS_QUEUE_SIZE		128
#define CONS_RXQ		0
#define CONS_TXQ		1
#define CONS_INBUF		4096

struct virtio_console {
	struct virtio_dev vdev;
	struct virtio_pci *vp;
	struct vm *vm;
	struct device dev;
	int in_fd, out_fd;
	bool watch_rx, watch_tx, watch_in, in_eof;
	u8 inbuf[CONS_INBUF];
	size_t in_len;
	u64 tx_bytes, rx_bytes, out_errors;
	struct virtq_chain chain;
};

static void drain(int fd)
{
	u64 cnt;

	if (read(fd, &cnt, sizeof(cnt)) < 0)
		return;
}

/* All of @len to a possibly non-blocking fd, waiting a bounded time for room. */
static int write_all(int fd, const u8 *p, size_t len)
{
	int waits = 0;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && waits++ < 50) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			(void)poll(&pfd, 1, 20);
			continue;
		}
		return -EIO;
	}
	return 0;
}

/* Move buffered input into posted receive buffers. Lock held. */
static void flush_input(struct virtio_console *c)
{
	struct virtio_dev *vdev = &c->vdev;
	bool pushed = false;

	while (c->in_len && virtio__pop(vdev, CONS_RXQ, &c->chain) > 0) {
		size_t n = virtq__copy_to(&c->chain, 0, c->inbuf, c->in_len);

		memmove(c->inbuf, c->inbuf + n, c->in_len - n);
		c->in_len -= n;
		c->rx_bytes += n;
		virtio__push(vdev, CONS_RXQ, c->chain.head, (u32)n);
		pushed = true;
	}
	if (pushed)
		virtio__notify(vdev, CONS_RXQ);
}

static void stdin_ready(int fd, u32 events, void *opaque);

/* Watch stdin only while there is room for what it brings. Loop thread. */
static void update_stdin_watch(struct virtio_console *c)
{
	bool want = !c->in_eof && c->in_len < CONS_INBUF && c->in_fd >= 0;

	if (want == c->watch_in)
		return;
	if (want) {
		if (event_loop__add(c->vm->loop, c->in_fd, EPOLLIN, stdin_ready, c) < 0)
			return;
	} else {
		(void)event_loop__del(c->vm->loop, c->in_fd);
	}
	c->watch_in = want;
}

static void stdin_ready(int fd, u32 events, void *opaque)
{
	struct virtio_console *c = opaque;
	ssize_t n;

	n = read(fd, c->inbuf + c->in_len, CONS_INBUF - c->in_len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->in_eof = true;
	} else if (n > 0) {
		c->in_len += (size_t)n;
		pthread_mutex_lock(&c->vdev.lock);
		flush_input(c);
		pthread_mutex_unlock(&c->vdev.lock);
	}
	update_stdin_watch(c);
}

static void rx_kick(int fd, u32 events, void *opaque)
{
	struct virtio_console *c = opaque;

	drain(fd);
	pthread_mutex_lock(&c->vdev.lock);
	flush_input(c);
	pthread_mutex_unlock(&c->vdev.lock);
	update_stdin_watch(c);
}

static void tx_kick(int fd, u32 events, void *opaque)
{
	struct virtio_console *c = opaque;
	struct virtio_dev *vdev = &c->vdev;
	bool pushed = false;

	drain(fd);
	pthread_mutex_lock(&vdev->lock);
	while (virtio__pop(vdev, CONS_TXQ, &c->chain) > 0) {
		for (unsigned int i = 0; i < c->chain.nr_out; i++) {
			if (write_all(c->out_fd, c->chain.iov[i].iov_base,
				      c->chain.iov[i].iov_len) < 0)
				c->out_errors++;	/* output lost, the guest goes on */
		}
		c->tx_bytes += c->chain.out_len;
		virtio__push(vdev, CONS_TXQ, c->chain.head, 0);
		pushed = true;
	}
	if (pushed)
		virtio__notify(vdev, CONS_TXQ);
	pthread_mutex_unlock(&vdev->lock);
}

static void cons_config_read(struct virtio_dev *vdev, u32 off, void *data, u32 len)
{
	struct virtio_console_config cfg = { .cols = 80, .rows = 25, .max_nr_ports = 1 };

	memcpy(data, (u8 *)&cfg + off, len);
}

static void cons_destroy(struct device *dev)
{
	struct virtio_console *c = dev->priv;

	pr_debug("%s: %llu bytes out, %llu in", c->vdev.name, (unsigned long long)c->tx_bytes,
		 (unsigned long long)c->rx_bytes);
	if (c->watch_in)
		(void)event_loop__del(c->vm->loop, c->in_fd);
	if (c->watch_rx)
		(void)event_loop__del(c->vm->loop, c->vdev.queues[CONS_RXQ].kick_fd);
	if (c->watch_tx)
		(void)event_loop__del(c->vm->loop, c->vdev.queues[CONS_TXQ].kick_fd);
	virtio_pci__remove(c->vp);
	virtio__exit(&c->vdev);
	free(c);
}

static const struct device_ops cons_device_ops = {
	.destroy = cons_destroy,
};

static const struct virtio_dev_ops cons_ops = {
	.config_read = cons_config_read,
};

int virtio_console__init(struct vm *vm)
{
	struct virtio_console *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->vm = vm;
	c->out_fd = STDOUT_FILENO;
	c->in_fd = vm->cfg->virtio_console_stdin ? STDIN_FILENO : -1;
	ret = virtio__init(&c->vdev, "virtio-console", VIRTIO_ID_CONSOLE, &cons_ops, c, &vm->mem,
			   VIRTIO_RING_FEATURES, 2, CONS_QUEUE_SIZE,
			   sizeof(struct virtio_console_config));
	if (ret < 0)
		goto err_free;
	ret = event_loop__add(vm->loop, c->vdev.queues[CONS_RXQ].kick_fd, EPOLLIN, rx_kick, c);
	if (ret < 0)
		goto err_unwatch;
	c->watch_rx = true;
	ret = event_loop__add(vm->loop, c->vdev.queues[CONS_TXQ].kick_fd, EPOLLIN, tx_kick, c);
	if (ret < 0)
		goto err_unwatch;
	c->watch_tx = true;
	update_stdin_watch(c);
	ret = virtio_pci__add(vm, &c->vdev, 0x078000, &c->vp);
	if (ret < 0)
		goto err_unwatch;
	c->dev = (struct device){ .name = c->vdev.name, .ops = &cons_device_ops, .priv = c };
	device_list__add(&vm->devices, &c->dev);
	return 0;

err_unwatch:
	if (c->watch_in)
		(void)event_loop__del(vm->loop, c->in_fd);
	if (c->watch_rx)
		(void)event_loop__del(vm->loop, c->vdev.queues[CONS_RXQ].kick_fd);
	if (c->watch_tx)
		(void)event_loop__del(vm->loop, c->vdev.queues[CONS_TXQ].kick_fd);
	virtio__exit(&c->vdev);
err_free:
	free(c);
	pr_err("virtio-console: %s", strerror(-ret));
	return ret;
}
