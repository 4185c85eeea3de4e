/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk (virtio 5.2) on a raw image file: the device (configuration,
 * the `--disk` options, set-up and teardown, counters). Requests run on the
 * disk's own I/O thread, with io_uring or synchronously (virtio/blk_io.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "virtio/blk_priv.h"
#include "virtio/pci.h"
#include "vmm/log.h"
#include "vmm/vm.h"

static void blk_reset(struct virtio_dev *vdev)
{
	struct virtio_blk *b = vdev->priv;

	/* Requests in flight complete into nothing. */
	b->gen++;
}

static void blk_config_read(struct virtio_dev *vdev, u32 off, void *data, u32 len)
{
	struct virtio_blk *b = vdev->priv;
	struct virtio_blk_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = b->sectors;
	cfg.seg_max = BLK_SEG_MAX;
	cfg.num_queues = 1;
	cfg.max_discard_sectors = UINT32_MAX / SECTOR;
	cfg.max_discard_seg = 1;
	cfg.discard_sector_alignment = 8;
	memcpy(data, (u8 *)&cfg + off, len);
}

static const struct virtio_dev_ops blk_ops = {
	.reset = blk_reset,
	.config_read = blk_config_read,
};

static void blk_destroy(struct device *dev)
{
	struct virtio_blk *b = dev->priv;
	struct virtio_pci_stats ps = { 0 };
	u64 one = 1;

	if (b->thread_ok) {
		if (write(b->stop_fd, &one, sizeof(one)) < 0)
			pr_warn("%s: cannot stop the I/O thread", b->name);
		pthread_join(b->thread, NULL);
	}
	/*
	 * One line per disk at exit: what the guest did, and how many of its
	 * notifications exited to imsvm instead of being an ioeventfd in KVM
	 * (tests/virtio reads it).
	 */
	if (b->vp)
		virtio_pci__stats(b->vp, &ps);
	pr_info("%s: %llu reads, %llu writes, %llu flushes, %llu discards, %llu errors "
		"(%llu from the image file, %llu of them no space), %llu read-only refusals; "
		"%llu kicks, %llu of them by MMIO exit", b->name,
		(unsigned long long)b->st.reads, (unsigned long long)b->st.writes,
		(unsigned long long)b->st.flushes, (unsigned long long)b->st.discards,
		(unsigned long long)b->st.errors, (unsigned long long)b->st.io_errors,
		(unsigned long long)b->st.no_space, (unsigned long long)b->st.ro_refused,
		(unsigned long long)b->st.kicks, (unsigned long long)ps.mmio_kicks);
	virtio_pci__remove(b->vp);
	if (b->ring_ok)
		io_uring_queue_exit(&b->ring);
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	if (b->fd >= 0)
		close(b->fd);
	virtio__exit(&b->vdev);
	free(b);
}

static const struct device_ops blk_device_ops = {
	.destroy = blk_destroy,
};

int virtio_blk__stats(const struct device *dev, struct virtio_blk_stats *out)
{
	struct virtio_blk *b;

	if (!dev || dev->ops != &blk_device_ops)
		return -ENODEV;
	b = dev->priv;
	pthread_mutex_lock(&b->vdev.lock);
	*out = b->st;
	pthread_mutex_unlock(&b->vdev.lock);
	return 0;
}

/* "FILE[,ro][,serial=ID][,aio=io_uring|sync]" */
static int parse_spec(struct virtio_blk *b, const char *spec)
{
	const char *comma = strchr(spec, ',');
	size_t plen = comma ? (size_t)(comma - spec) : strlen(spec);

	if (plen == 0 || plen >= sizeof(b->path)) {
		pr_err("--disk '%s': bad image path", spec);
		return -EINVAL;
	}
	memcpy(b->path, spec, plen);
	while (comma) {
		const char *opt = comma + 1;
		size_t olen;

		comma = strchr(opt, ',');
		olen = comma ? (size_t)(comma - opt) : strlen(opt);
		if (olen == 2 && !strncmp(opt, "ro", 2)) {
			b->ro = true;
		} else if (olen == 8 && !strncmp(opt, "aio=sync", 8)) {
			b->sync = true;
		} else if (olen == 12 && !strncmp(opt, "aio=io_uring", 12)) {
			b->sync = false;
		} else if (olen > 7 && !strncmp(opt, "serial=", 7)) {
			if (olen - 7 > VIRTIO_BLK_ID_BYTES) {
				pr_err("--disk '%s': serial longer than %u bytes", spec,
				       VIRTIO_BLK_ID_BYTES);
				return -EINVAL;
			}
			memcpy(b->serial, opt + 7, olen - 7);
		} else {
			pr_err("--disk '%s': unknown option '%.*s' (ro, serial=ID, aio=io_uring|sync)",
			       spec, (int)olen, opt);
			return -EINVAL;
		}
	}
	return 0;
}

static int open_image(struct virtio_blk *b)
{
	struct stat st;

	b->fd = open(b->path, (b->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		int ret = -errno;

		pr_err("--disk %s: %s", b->path, strerror(-ret));
		return ret;
	}
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("--disk %s: not a regular file (raw images only)", b->path);
		return -EINVAL;
	}
	if (st.st_size < (off_t)SECTOR) {
		pr_err("--disk %s: smaller than one 512-byte sector", b->path);
		return -EINVAL;
	}
	/* As other VMMs do: a partial last sector is not part of the disk. */
	if (st.st_size % SECTOR)
		pr_warn("--disk %s: the last %lld bytes (a partial sector) are not visible",
			b->path, (long long)(st.st_size % SECTOR));
	b->sectors = (u64)st.st_size / SECTOR;
	return 0;
}

int virtio_blk__init(struct vm *vm, const char *spec)
{
	static unsigned int nr_disks;
	struct virtio_blk *b;
	u64 features = VIRTIO_RING_FEATURES | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		       1ULL << VIRTIO_BLK_F_FLUSH;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = b->stop_fd = -1;
	b->vm = vm;
	snprintf(b->name, sizeof(b->name), "virtio-blk%u", nr_disks++);
	ret = parse_spec(b, spec);
	if (ret < 0)
		goto err_free;
	ret = open_image(b);
	if (ret < 0)
		goto err_close;
	if (!b->serial[0])
		snprintf(b->serial, sizeof(b->serial), "imsvm-%s", b->name + 7);
	features |= b->ro ? 1ULL << VIRTIO_BLK_F_RO : 1ULL << VIRTIO_BLK_F_DISCARD;
	ret = virtio__init(&b->vdev, b->name, VIRTIO_ID_BLOCK, &blk_ops, b, &vm->mem, features, 1,
			   BLK_QUEUE_SIZE, sizeof(struct virtio_blk_config));
	if (ret < 0)
		goto err_close;
	if (!b->sync) {
		ret = io_uring_queue_init(BLK_QUEUE_SIZE * 2, &b->ring, 0);
		/*
		 * No io_uring (kernel.io_uring_disabled, a container's seccomp
		 * profile, an old kernel, a small RLIMIT_MEMLOCK): the disk still
		 * works, one request at a time.
		 */
		if (ret < 0) {
			pr_warn("--disk %s: io_uring: %s; synchronous I/O instead", b->path,
				strerror(-ret));
			b->sync = true;
		} else {
			b->ring_ok = true;
		}
	}
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0) {
		ret = -errno;
		goto err_vdev;
	}
	ret = -pthread_create(&b->thread, NULL, blk__thread, b);
	if (ret < 0)
		goto err_vdev;
	b->thread_ok = true;
	/* From here blk_destroy() undoes everything. */
	b->dev = (struct device){ .name = b->name, .ops = &blk_device_ops, .priv = b };
	ret = virtio_pci__add(vm, &b->vdev, 0x010000, &b->vp);
	if (ret < 0) {
		pr_err("--disk %s: PCI: %s", b->path, strerror(-ret));
		blk_destroy(&b->dev);
		return ret;
	}
	device_list__add(&vm->devices, &b->dev);
	pr_debug("%s: %s, %llu sectors%s, serial %s, %s", b->name, b->path,
		 (unsigned long long)b->sectors, b->ro ? ", read-only" : "", b->serial,
		 b->sync ? "synchronous I/O" : "io_uring");
	return 0;

err_vdev:
	if (b->ring_ok)
		io_uring_queue_exit(&b->ring);
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	virtio__exit(&b->vdev);
err_close:
	if (b->fd >= 0)
		close(b->fd);
err_free:
	free(b);
	return ret;
}
