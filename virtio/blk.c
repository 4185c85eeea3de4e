/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk (virtio 5.2) on a raw image file, with io_uring (liburing) on
 * an I/O thread of its own: reads and writes go straight between the file
 * and guest RAM (the chain's segments), flush is fdatasync, discard punches
 * a hole. No vCPU thread ever waits for the disk: a kick is a KVM
 * ioeventfd, which the I/O thread polls through the ring itself.
 *
 * One I/O thread per disk owns the ring. It takes vdev->lock to pop and
 * to complete requests; a reset from the driver (under the same lock)
 * bumps the generation, so completions of requests issued before it are
 * dropped instead of reaching the new rings.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "virtio/devices.h"
#include "virtio/pci.h"
#include "virtio/virtio.h"
#include "vmm/log.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"

#define BLK_QUEUE_SIZE	256
/*
 * Segments per request. Small enough that Linux splits a 1 MiB request of
 * scattered pages into a few, which then run in parallel on the ring
 * (QEMU offers queue size - 2 for the same reason).
 */
#define BLK_SEG_MAX	126
#define SECTOR		512ULL
#define TAG_KICK	1ULL			/* user_data of the kick poll */
#define TAG_STOP	2ULL

struct blk_req {
	struct virtio_blk *b;
	u64 gen;
	u16 head;
	u8 type;
	u8 *status;
	u32 in_len;			/* bytes the device writes, status included */
	u64 off;			/* byte offset in the image */
	size_t len;			/* data bytes asked for */
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
	int fd;
	u64 sectors;
	struct io_uring ring;
	bool ring_ok;
	int stop_fd;
	pthread_t thread;
	bool thread_ok;
	u64 gen;			/* under vdev->lock */
	unsigned int inflight;		/* I/O thread only */
	struct virtio_blk_stats st;	/* under vdev->lock */
	struct virtq_chain chain;
};

/* ---- request handling (I/O thread) ---- */

static struct io_uring_sqe *get_sqe(struct virtio_blk *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

	if (!sqe) {
		/* Full submission queue: push what we have and try again. */
		(void)io_uring_submit(&b->ring);
		sqe = io_uring_get_sqe(&b->ring);
	}
	return sqe;
}

/* Drop the first @n bytes of what is left of @r's segments (a short transfer). */
static void iov_advance(struct blk_req *r, size_t n)
{
	r->done += n;
	while (n && r->first < r->nr) {
		struct iovec *v = &r->iov[r->first];
		size_t s = MIN(n, v->iov_len);

		v->iov_base = (u8 *)v->iov_base + s;
		v->iov_len -= s;
		n -= s;
		if (!v->iov_len)
			r->first++;
	}
}

static const char *req_op(const struct blk_req *r)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return "read";
	case VIRTIO_BLK_T_OUT:
		return "write";
	case VIRTIO_BLK_T_FLUSH:
		return "flush";
	default:
		return "discard";
	}
}

/* Queue the rest of @r's read or write (all of it the first time). */
static int submit_rw(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *sqe = get_sqe(b);

	if (!sqe)
		return -EBUSY;
	if (r->type == VIRTIO_BLK_T_OUT)
		io_uring_prep_writev(sqe, b->fd, r->iov + r->first, r->nr - r->first,
				     r->off + r->done);
	else
		io_uring_prep_readv(sqe, b->fd, r->iov + r->first, r->nr - r->first,
				    r->off + r->done);
	io_uring_sqe_set_data(sqe, r);
	b->inflight++;
	return 0;
}

/* Lock held. */
static void finish(struct virtio_blk *b, struct blk_req *r, u8 status, bool *pushed)
{
	if (r->gen == b->gen && virtio__running(&b->vdev)) {
		*r->status = status;
		virtio__push(&b->vdev, 0, r->head, r->in_len);
		*pushed = true;
	}
	if (status != VIRTIO_BLK_S_OK)
		b->st.errors++;
	free(r->iov);
	free(r);
}

/* Turn the popped chain into a request: submitted to the ring, or finished at once. Lock held. */
static void start_request(struct virtio_blk *b, const struct virtq_chain *c, bool *pushed)
{
	struct virtio_blk_outhdr hdr;
	struct blk_req *r;
	struct io_uring_sqe *sqe;
	const struct iovec *last;
	u64 off, len = 0;
	u8 status = VIRTIO_BLK_S_OK;

	r = calloc(1, sizeof(*r));
	if (!r) {
		/* No memory: fail this request rather than lose it. */
		if (c->nr_in) {
			last = &c->iov[c->nr_out + c->nr_in - 1];
			*((u8 *)last->iov_base + last->iov_len - 1) = VIRTIO_BLK_S_IOERR;
		}
		virtio__push(&b->vdev, 0, c->head, c->nr_in ? 1 : 0);
		*pushed = true;
		b->st.errors++;
		return;
	}
	r->b = b;
	r->gen = b->gen;
	r->head = c->head;
	r->in_len = c->in_len;
	/* The header is the first 16 readable bytes, the status the last writable byte. */
	if (virtq__copy_from(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr) || c->nr_in == 0) {
		b->st.bad_requests++;
		pr_warn_ratelimited("%s: request without header or status byte", b->name);
		virtio__fail(&b->vdev, 0, "request without header or status byte");
		free(r);
		return;
	}
	last = &c->iov[c->nr_out + c->nr_in - 1];
	r->status = (u8 *)last->iov_base + last->iov_len - 1;
	r->type = (u8)hdr.type;
	off = hdr.sector * SECTOR;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool out = hdr.type == VIRTIO_BLK_T_OUT;
		unsigned int first = out ? 0 : c->nr_out, n = out ? c->nr_out : c->nr_in;
		size_t skip = out ? sizeof(hdr) : 0;

		r->iov = calloc(n ? n : 1, sizeof(*r->iov));
		if (!r->iov) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		/* Data segments: out past the header, in before the status byte. */
		for (unsigned int i = 0; i < n; i++) {
			struct iovec v = c->iov[first + i];

			if (skip) {
				size_t s = MIN(skip, v.iov_len);

				v.iov_base = (u8 *)v.iov_base + s;
				v.iov_len -= s;
				skip -= s;
			}
			if (!out && i == n - 1)
				v.iov_len--;
			if (v.iov_len)
				r->iov[r->nr++] = v;
			len += v.iov_len;
		}
		if (out && b->ro) {
			b->st.ro_refused++;
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (len % SECTOR || hdr.sector > b->sectors || len / SECTOR > b->sectors - hdr.sector) {
			b->st.bad_requests++;
			pr_warn_ratelimited("%s: request at sector %llu of %llu bytes: beyond the disk",
					    b->name, (unsigned long long)hdr.sector,
					    (unsigned long long)len);
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (len == 0)
			break;
		r->off = off;
		r->len = len;
		if (submit_rw(b, r) < 0) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (out)
			b->st.writes++;
		else
			b->st.reads++;
		return;
	}
	case VIRTIO_BLK_T_FLUSH:
		sqe = get_sqe(b);
		if (!sqe) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_data(sqe, r);
		b->st.flushes++;
		b->inflight++;
		return;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_ID_BYTES] = { 0 };

		memcpy(id, b->serial, strnlen(b->serial, sizeof(id)));
		(void)virtq__copy_to(c, 0, id, MIN(sizeof(id), c->in_len - 1));
		b->st.get_id++;
		break;
	}
	case VIRTIO_BLK_T_DISCARD: {
		struct virtio_blk_discard_write_zeroes d;

		if (b->ro) {
			b->st.ro_refused++;
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (virtq__copy_from(c, sizeof(hdr), &d, sizeof(d)) != sizeof(d) ||
		    d.sector > b->sectors || d.num_sectors > b->sectors - d.sector) {
			b->st.bad_requests++;
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		sqe = get_sqe(b);
		if (!sqe) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		io_uring_prep_fallocate(sqe, b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					d.sector * SECTOR, (u64)d.num_sectors * SECTOR);
		io_uring_sqe_set_data(sqe, r);
		b->st.discards++;
		b->inflight++;
		return;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	finish(b, r, status, pushed);
}

/*
 * What the image file answered for @r: its status byte, or -EINPROGRESS when
 * the rest of a short read or write went back on the ring. An error from the
 * file (ENOSPC on a full file system, EIO, ...) is logged, rate-limited,
 * naming the request, and counted; the guest gets VIRTIO_BLK_S_IOERR and the
 * device carries on. Lock held.
 */
static int completed(struct virtio_blk *b, struct blk_req *r, int res)
{
	bool rw = r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT;

	if (rw && res > 0) {
		iov_advance(r, (size_t)res);
		/*
		 * A short transfer (a write that filled the file system, a
		 * signal): ask for the rest, whose answer says why it was short.
		 * Not for a request a reset made stale.
		 */
		if (r->done < r->len && r->gen == b->gen && virtio__running(&b->vdev)) {
			b->st.short_transfers++;
			if (submit_rw(b, r) == 0)
				return -EINPROGRESS;
			res = -EBUSY;
		}
	}
	if (rw && res >= 0 && r->done < r->len)
		res = r->type == VIRTIO_BLK_T_IN ? -ENODATA : -ENOSPC;	/* no progress */
	if (res >= 0)
		return VIRTIO_BLK_S_OK;
	b->st.io_errors++;
	if (res == -ENOSPC || res == -EDQUOT)
		b->st.no_space++;
	if (rw)
		pr_warn_ratelimited("%s: %s of %zu bytes at sector %llu: %s%s", b->name,
				    req_op(r), r->len, (unsigned long long)(r->off / SECTOR),
				    strerror(-res), res == -ENOSPC || res == -EDQUOT ?
				    " (the image's file system is full; the guest gets I/O errors)" :
				    "");
	else
		pr_warn_ratelimited("%s: %s: %s", b->name, req_op(r), strerror(-res));
	return VIRTIO_BLK_S_IOERR;
}

static void arm_poll(struct virtio_blk *b, int fd, u64 tag)
{
	struct io_uring_sqe *sqe = get_sqe(b);

	if (!sqe)
		return;
	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data64(sqe, tag);
}

static void drain(int fd)
{
	u64 cnt;

	if (read(fd, &cnt, sizeof(cnt)) < 0)
		return;
}

static void *blk_thread(void *opaque)
{
	struct virtio_blk *b = opaque;
	struct virtio_dev *vdev = &b->vdev;
	int kick = vdev->queues[0].kick_fd;
	bool stop = false;
	sigset_t xfsz;

	/*
	 * A write past the file size limit (RLIMIT_FSIZE, `ulimit -f`) raises
	 * SIGXFSZ in the writing thread, and its default action ends the whole
	 * process: a guest writing to its disk would kill imsvm. io_uring's
	 * workers block every signal, but a write io_uring tries inline (without
	 * blocking, where the file system allows) runs in this thread: blocked
	 * here, it fails with EFBIG instead and the guest gets an I/O error.
	 */
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, NULL);
	/* The guest's requests reach us from here: this thread's allow-list only. */
	if (seccomp__install(SECCOMP_BLK) < 0)
		_exit(1);	/* the disk cannot run unfiltered: status 1, VMM error */
	arm_poll(b, kick, TAG_KICK);
	arm_poll(b, b->stop_fd, TAG_STOP);
	(void)io_uring_submit(&b->ring);
	while (!stop || b->inflight) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		bool pushed = false, kicked = false;
		int ret;

		ret = io_uring_wait_cqe(&b->ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			pr_err("%s: io_uring: %s (disk stopped)", b->name, strerror(-ret));
			break;
		}
		pthread_mutex_lock(&vdev->lock);
		io_uring_for_each_cqe(&b->ring, head, cqe) {
			u64 tag = io_uring_cqe_get_data64(cqe);

			seen++;
			if (tag == TAG_KICK) {
				kicked = true;
				b->st.kicks++;
			} else if (tag == TAG_STOP) {
				stop = true;
			} else {
				struct blk_req *r = io_uring_cqe_get_data(cqe);

				int st;

				b->inflight--;
				st = completed(b, r, cqe->res);
				if (st >= 0)
					finish(b, r, (u8)st, &pushed);
			}
		}
		io_uring_cq_advance(&b->ring, seen);
		if (kicked && !stop) {
			drain(kick);
			while (virtio__pop(vdev, 0, &b->chain) > 0)
				start_request(b, &b->chain, &pushed);
			arm_poll(b, kick, TAG_KICK);
		}
		if (pushed)
			virtio__notify(vdev, 0);
		pthread_mutex_unlock(&vdev->lock);
		(void)io_uring_submit(&b->ring);
	}
	return NULL;
}

/* ---- the device ---- */

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

/* "FILE[,ro][,serial=ID]" */
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
		} else if (olen > 7 && !strncmp(opt, "serial=", 7)) {
			if (olen - 7 > VIRTIO_BLK_ID_BYTES) {
				pr_err("--disk '%s': serial longer than %u bytes", spec,
				       VIRTIO_BLK_ID_BYTES);
				return -EINVAL;
			}
			memcpy(b->serial, opt + 7, olen - 7);
		} else {
			pr_err("--disk '%s': unknown option '%.*s' (ro, serial=ID)", spec, (int)olen,
			       opt);
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
	ret = io_uring_queue_init(BLK_QUEUE_SIZE * 2, &b->ring, 0);
	if (ret < 0) {
		pr_err("--disk %s: io_uring: %s", b->path, strerror(-ret));
		goto err_vdev;
	}
	b->ring_ok = true;
	b->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->stop_fd < 0) {
		ret = -errno;
		goto err_vdev;
	}
	ret = -pthread_create(&b->thread, NULL, blk_thread, b);
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
	pr_debug("%s: %s, %llu sectors%s, serial %s", b->name, b->path,
		 (unsigned long long)b->sectors, b->ro ? ", read-only" : "", b->serial);
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
