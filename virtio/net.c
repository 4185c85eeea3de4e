/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net (virtio 5.1) on a tap device (/dev/net/tun, IFF_VNET_HDR):
 * one receive and one transmit queue, no control queue, no offloads (the
 * tap is told so with TUNSETOFFLOAD 0, and the device offers none), MAC
 * from the command line. The tap's vnet header is set to the 12 bytes of
 * the modern virtio_net_hdr, so frames move between tap and guest buffers
 * with readv/writev and no copying. Everything runs on the VMM event loop.
 *
 * Receive back-pressure: when the guest has no receive buffer posted the
 * tap is no longer watched (the kernel queues or drops, as a NIC would)
 * until the driver posts buffers and kicks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "virtio/devices.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define NET_QUEUE_SIZE	256
#define NET_RXQ		0
#define NET_TXQ		1
#define NET_HDR_LEN	((int)sizeof(struct virtio_net_hdr_v1))

struct virtio_net {
	struct virtio_dev vdev;
	struct virtio_pci *vp;
	struct vm *vm;
	struct device dev;
	char name[24];
	char ifname[IFNAMSIZ];
	u8 mac[6];
	int tap;
	bool watch_rx, watch_tx, watch_tap;
	u64 rx_frames, tx_frames, rx_dropped, tx_errors;
	struct virtq_chain chain;
};

static void drain(int fd)
{
	u64 cnt;

	if (read(fd, &cnt, sizeof(cnt)) < 0)
		return;
}

static void tap_ready(int fd, u32 events, void *opaque);

static void set_tap_watch(struct virtio_net *n, bool want)
{
	if (want == n->watch_tap)
		return;
	if (want) {
		if (event_loop__add(n->vm->loop, n->tap, EPOLLIN, tap_ready, n) < 0)
			return;
	} else {
		(void)event_loop__del(n->vm->loop, n->tap);
	}
	n->watch_tap = want;
}

/* Frames from the tap into posted receive buffers, while both last. Loop thread. */
static void receive(struct virtio_net *n)
{
	struct virtio_dev *vdev = &n->vdev;
	bool pushed = false, starved = false;

	pthread_mutex_lock(&vdev->lock);
	for (;;) {
		struct virtq_chain *c = &n->chain;
		ssize_t len;
		u16 one = 1;

		if (!virtio__running(vdev) || !vdev->queues[NET_RXQ].enabled) {
			starved = true;
			break;
		}
		if (!virtq__has_avail(&vdev->queues[NET_RXQ].vq)) {
			starved = true;
			break;
		}
		if (virtio__pop(vdev, NET_RXQ, c) <= 0) {
			starved = true;
			break;
		}
		if (c->in_len < (u32)NET_HDR_LEN || c->nr_out) {
			virtio__fail(vdev, NET_RXQ, "receive buffer smaller than the header");
			starved = true;
			break;
		}
		len = readv(n->tap, &c->iov[c->nr_out], (int)c->nr_in);
		if (len < 0) {
			/* No frame waiting: the buffer goes back for the next one. */
			virtq__unpop(&vdev->queues[NET_RXQ].vq);
			break;
		}
		(void)virtq__copy_to(c, offsetof(struct virtio_net_hdr_v1, num_buffers), &one,
				     sizeof(one));
		n->rx_frames++;
		virtio__push(vdev, NET_RXQ, c->head, (u32)len);
		pushed = true;
	}
	if (pushed)
		virtio__notify(vdev, NET_RXQ);
	pthread_mutex_unlock(&vdev->lock);
	set_tap_watch(n, !starved);
}

static void tap_ready(int fd, u32 events, void *opaque)
{
	receive(opaque);
}

static void rx_kick(int fd, u32 events, void *opaque)
{
	struct virtio_net *n = opaque;

	drain(fd);
	/* Buffers posted: frames may flow again. */
	set_tap_watch(n, true);
	receive(n);
}

static void tx_kick(int fd, u32 events, void *opaque)
{
	struct virtio_net *n = opaque;
	struct virtio_dev *vdev = &n->vdev;
	bool pushed = false;

	drain(fd);
	pthread_mutex_lock(&vdev->lock);
	while (virtio__pop(vdev, NET_TXQ, &n->chain) > 0) {
		struct virtq_chain *c = &n->chain;

		if (c->out_len < (u32)NET_HDR_LEN) {
			virtio__fail(vdev, NET_TXQ, "transmit chain smaller than the header");
			break;
		}
		/* The tap takes the same 12-byte header: the frame goes as it is. */
		if (writev(n->tap, c->iov, (int)c->nr_out) < 0)
			n->tx_errors++;	/* dropped, as a NIC whose link is busy would */
		else
			n->tx_frames++;
		virtio__push(vdev, NET_TXQ, c->head, 0);
		pushed = true;
	}
	if (pushed)
		virtio__notify(vdev, NET_TXQ);
	pthread_mutex_unlock(&vdev->lock);
}

static void net_config_read(struct virtio_dev *vdev, u32 off, void *data, u32 len)
{
	struct virtio_net *n = vdev->priv;
	struct virtio_net_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.mac, n->mac, 6);
	cfg.status = VIRTIO_NET_S_LINK_UP;
	cfg.max_virtqueue_pairs = 1;
	memcpy(data, (u8 *)&cfg + off, len);
}

static const struct virtio_dev_ops net_ops = {
	.config_read = net_config_read,
};

static void unwatch_all(struct virtio_net *n)
{
	set_tap_watch(n, false);
	if (n->watch_rx)
		(void)event_loop__del(n->vm->loop, n->vdev.queues[NET_RXQ].kick_fd);
	if (n->watch_tx)
		(void)event_loop__del(n->vm->loop, n->vdev.queues[NET_TXQ].kick_fd);
	n->watch_rx = n->watch_tx = false;
}

static void net_destroy(struct device *dev)
{
	struct virtio_net *n = dev->priv;

	pr_debug("%s (%s): %llu frames in, %llu out, %llu send errors", n->name, n->ifname,
		 (unsigned long long)n->rx_frames, (unsigned long long)n->tx_frames,
		 (unsigned long long)n->tx_errors);
	unwatch_all(n);
	virtio_pci__remove(n->vp);
	if (n->tap >= 0)
		close(n->tap);
	virtio__exit(&n->vdev);
	free(n);
}

static const struct device_ops net_device_ops = {
	.destroy = net_destroy,
};

static int parse_mac(const char *s, size_t len, u8 mac[6])
{
	char buf[18];
	unsigned int v[6];
	char end;

	if (len != 17)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (u8)v[i];
	/* A station address: unicast and not all zeros. */
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

/* "tap[,ifname=NAME][,mac=MAC]" */
static int parse_spec(struct virtio_net *n, const char *spec)
{
	const char *comma = strchr(spec, ',');

	if (strncmp(spec, "tap", 3) || (spec[3] && spec[3] != ',')) {
		pr_err("--net '%s': only 'tap[,ifname=NAME][,mac=MAC]'", spec);
		return -EINVAL;
	}
	while (comma) {
		const char *opt = comma + 1;
		size_t olen;

		comma = strchr(opt, ',');
		olen = comma ? (size_t)(comma - opt) : strlen(opt);
		if (olen > 7 && !strncmp(opt, "ifname=", 7)) {
			if (olen - 7 >= IFNAMSIZ) {
				pr_err("--net '%s': interface name longer than %d bytes", spec,
				       IFNAMSIZ - 1);
				return -EINVAL;
			}
			memcpy(n->ifname, opt + 7, olen - 7);
		} else if (olen > 4 && !strncmp(opt, "mac=", 4)) {
			if (parse_mac(opt + 4, olen - 4, n->mac) < 0) {
				pr_err("--net '%s': bad MAC '%.*s' (want a unicast xx:xx:xx:xx:xx:xx)",
				       spec, (int)(olen - 4), opt + 4);
				return -EINVAL;
			}
		} else {
			pr_err("--net '%s': unknown option '%.*s' (ifname=NAME, mac=MAC)", spec,
			       (int)olen, opt);
			return -EINVAL;
		}
	}
	return 0;
}

static int open_tap(struct virtio_net *n)
{
	struct ifreq ifr;
	int hdr = NET_HDR_LEN, ret;

	n->tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap < 0) {
		ret = -errno;
		pr_err("--net: /dev/net/tun: %s", strerror(-ret));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, n->ifname, sizeof(ifr.ifr_name));
	if (ioctl(n->tap, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		pr_err("--net: tap '%s': %s", n->ifname[0] ? n->ifname : "(any)", strerror(-ret));
		return ret;
	}
	memcpy(n->ifname, ifr.ifr_name, sizeof(n->ifname));
	n->ifname[IFNAMSIZ - 1] = 0;
	if (ioctl(n->tap, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(n->tap, TUNSETOFFLOAD, 0) < 0) {
		ret = -errno;
		pr_err("--net: tap %s: vnet header / offloads: %s", n->ifname, strerror(-ret));
		return ret;
	}
	return 0;
}

int virtio_net__init(struct vm *vm, const char *spec)
{
	static unsigned int nr_nets;
	struct virtio_net *n;
	unsigned int idx = nr_nets++;
	u64 features = VIRTIO_RING_FEATURES | 1ULL << VIRTIO_NET_F_MAC |
		       1ULL << VIRTIO_NET_F_STATUS;
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->tap = -1;
	n->vm = vm;
	snprintf(n->name, sizeof(n->name), "virtio-net%u", idx);
	/* Default MAC: locally administered 52:54:00:12:34:5x. */
	memcpy(n->mac, (u8[]){ 0x52, 0x54, 0x00, 0x12, 0x34, (u8)(0x56 + idx) }, 6);
	ret = parse_spec(n, spec);
	if (ret < 0)
		goto err_free;
	ret = open_tap(n);
	if (ret < 0)
		goto err_free;
	ret = virtio__init(&n->vdev, n->name, VIRTIO_ID_NET, &net_ops, n, &vm->mem, features, 2,
			   NET_QUEUE_SIZE, sizeof(struct virtio_net_config));
	if (ret < 0)
		goto err_free;
	ret = event_loop__add(vm->loop, n->vdev.queues[NET_RXQ].kick_fd, EPOLLIN, rx_kick, n);
	if (ret < 0)
		goto err_vdev;
	n->watch_rx = true;
	ret = event_loop__add(vm->loop, n->vdev.queues[NET_TXQ].kick_fd, EPOLLIN, tx_kick, n);
	if (ret < 0)
		goto err_vdev;
	n->watch_tx = true;
	ret = virtio_pci__add(vm, &n->vdev, 0x020000, &n->vp);
	if (ret < 0)
		goto err_vdev;
	n->dev = (struct device){ .name = n->name, .ops = &net_device_ops, .priv = n };
	device_list__add(&vm->devices, &n->dev);
	pr_debug("%s: tap %s, MAC %02x:%02x:%02x:%02x:%02x:%02x", n->name, n->ifname, n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	return 0;

err_vdev:
	unwatch_all(n);
	virtio__exit(&n->vdev);
err_free:
	if (n->tap >= 0)
		close(n->tap);
	free(n);
	return ret;
}
