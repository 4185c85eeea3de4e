/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk's requests, on the disk's own I/O thread: reads and writes go
 * straight between the image file and guest RAM (the chain's segments),
 * flush is fdatasync, discard punches a hole. Two engines: io_uring
 * (liburing; the queue's kick eventfd is polled through the ring itself,
 * many requests in flight) and, where io_uring is not available or
 * `aio=sync` asks for it, a synchronous one (poll the kick, then
 * preadv/pwritev/fdatasync/fallocate one request at a time). No vCPU
 * thread ever waits for the disk either way: a kick is a KVM ioeventfd.
 *
 * The thread takes vdev->lock to pop and to complete requests, never
 * across I/O; a reset from the driver (under the same lock) bumps the
 * generation, so completions of requests issued before it are dropped
 * instead of reaching the new rings.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>

#include "virtio/blk_priv.h"
#include "vmm/log.h"
#include "vmm/seccomp.h"

#define TAG_KICK	1ULL			/* user_data of the kick poll */
#define TAG_STOP	2ULL

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

/*
 * Hand @r to the file: what is left of a read or write (all of it the first
 * time), a flush, a discard. On the ring, or on the synchronous engine's
 * queue, which the I/O thread works through without the lock.
 */
static int submit(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *sqe;

	if (b->sync) {
		r->next = NULL;
		*b->queue_tail = r;
		b->queue_tail = &r->next;
		b->inflight++;
		return 0;
	}
	sqe = get_sqe(b);
	if (!sqe)
		return -EBUSY;
	switch (r->type) {
	case VIRTIO_BLK_T_OUT:
		io_uring_prep_writev(sqe, b->fd, r->iov + r->first, r->nr - r->first,
				     r->off + r->done);
		break;
	case VIRTIO_BLK_T_IN:
		io_uring_prep_readv(sqe, b->fd, r->iov + r->first, r->nr - r->first,
				    r->off + r->done);
		break;
	case VIRTIO_BLK_T_FLUSH:
		io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
		break;
	default:
		io_uring_prep_fallocate(sqe, b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					r->off, r->len);
		break;
	}
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
		if (submit(b, r) < 0) {
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
		if (submit(b, r) < 0) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		b->st.flushes++;
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
		r->off = d.sector * SECTOR;
		r->len = (size_t)d.num_sectors * SECTOR;
		if (submit(b, r) < 0) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		b->st.discards++;
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
			if (submit(b, r) == 0)
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

/* The I/O thread with io_uring: kicks, requests and completions all on the ring. */
static void uring_thread(struct virtio_blk *b)
{
	struct virtio_dev *vdev = &b->vdev;
	int kick = vdev->queues[0].kick_fd;
	bool stop = false;

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
}

/* One request of the synchronous engine, as io_uring would answer it: bytes or -errno. */
static int sync_io(struct virtio_blk *b, struct blk_req *r)
{
	ssize_t n;

	do {
		switch (r->type) {
		case VIRTIO_BLK_T_IN:
			n = preadv(b->fd, r->iov + r->first, (int)(r->nr - r->first),
				   (off_t)(r->off + r->done));
			break;
		case VIRTIO_BLK_T_OUT:
			n = pwritev(b->fd, r->iov + r->first, (int)(r->nr - r->first),
				    (off_t)(r->off + r->done));
			break;
		case VIRTIO_BLK_T_FLUSH:
			n = fdatasync(b->fd);
			break;
		default:
			n = fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)r->off, (off_t)r->len);
			break;
		}
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)MIN(n, (ssize_t)INT32_MAX);
}

/*
 * The I/O thread without io_uring: waits for a kick, pops the requests under
 * the lock, then does each itself without it (the vCPUs never wait for the
 * disk), taking the lock again to complete it. One request at a time.
 */
static void sync_thread(struct virtio_blk *b)
{
	struct virtio_dev *vdev = &b->vdev;
	struct pollfd p[2] = {
		{ .fd = vdev->queues[0].kick_fd, .events = POLLIN },
		{ .fd = b->stop_fd, .events = POLLIN },
	};

	b->queue = NULL;
	b->queue_tail = &b->queue;
	for (;;) {
		bool pushed = false;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("%s: poll: %s (disk stopped)", b->name, strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		drain(p[0].fd);
		pthread_mutex_lock(&vdev->lock);
		b->st.kicks++;
		while (virtio__pop(vdev, 0, &b->chain) > 0)
			start_request(b, &b->chain, &pushed);
		if (pushed)
			virtio__notify(vdev, 0);
		pthread_mutex_unlock(&vdev->lock);
		while (b->queue) {
			struct blk_req *r = b->queue;
			int res, st;

			b->queue = r->next;
			if (!b->queue)
				b->queue_tail = &b->queue;
			res = sync_io(b, r);
			pushed = false;
			pthread_mutex_lock(&vdev->lock);
			b->inflight--;
			st = completed(b, r, res);	/* may queue the rest of a short one */
			if (st >= 0)
				finish(b, r, (u8)st, &pushed);
			if (pushed)
				virtio__notify(vdev, 0);
			pthread_mutex_unlock(&vdev->lock);
		}
	}
}

void *blk__thread(void *opaque)
{
	struct virtio_blk *b = opaque;
	sigset_t xfsz;

	/*
	 * A write past the file size limit (RLIMIT_FSIZE, `ulimit -f`) raises
	 * SIGXFSZ in the writing thread, and its default action ends the whole
	 * process: a guest writing to its disk would kill imsvm. io_uring's
	 * workers block every signal, but the synchronous engine writes here,
	 * and so does io_uring when it tries a write inline (without blocking,
	 * where the file system allows): blocked, the write fails with EFBIG
	 * instead and the guest gets an I/O error.
	 */
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, NULL);
	/* The guest's requests reach us from here: this thread's allow-list only. */
	if (seccomp__install(SECCOMP_BLK) < 0)
		_exit(1);	/* the disk cannot run unfiltered: status 1, VMM error */
	if (b->sync)
		sync_thread(b);
	else
		uring_thread(b);
	return NULL;
}
