/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/vfio-user/msg.h"

#define MIN_SZ(a, b)	((a) < (b) ? (a) : (b))

static const char *const cmd_names[VFIO_USER_MAX_COMMAND] = {
	[VFIO_USER_VERSION] = "VERSION",
	[VFIO_USER_DMA_MAP] = "DMA_MAP",
	[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
	[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
	[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
	[VFIO_USER_REGION_READ] = "REGION_READ",
	[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
	[VFIO_USER_DMA_READ] = "DMA_READ",
	[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
	[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
	[VFIO_USER_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
	[VFIO_USER_DEVICE_FEATURE] = "DEVICE_FEATURE",
	[VFIO_USER_MIG_DATA_READ] = "MIG_DATA_READ",
	[VFIO_USER_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
};

const char *vfu_msg__cmd_name(unsigned int cmd)
{
	if (cmd < VFIO_USER_MAX_COMMAND && cmd_names[cmd])
		return cmd_names[cmd];
	return "unknown";
}

/* Append the SCM_RIGHTS fds of a received control buffer; count overflow. */
static void collect_fds(struct vfu_msg *m, struct msghdr *mh)
{
	struct cmsghdr *c;
	size_t got = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n, i;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		got += n;
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (m->nfds < VFU_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				m->err = ETOOMANYREFS;
			}
		}
	}
	/*
	 * Truncated: either the peer sent more fds than the buffer holds (it
	 * is full: the peer's error), or this process had no fd slot left for
	 * them (RLIMIT_NOFILE: the kernel installed fewer, ours; the peer is
	 * better told EMFILE than that its request was invalid).
	 */
	if (mh->msg_flags & MSG_CTRUNC)
		m->err = got < VFU_MAX_FDS ? EMFILE : ETOOMANYREFS;
}

/*
 * Read exactly len bytes (into buf, or dropped if buf is NULL), collecting
 * fds. Returns bytes read before EOF (short count) or -errno.
 */
static ssize_t read_full(int sock, struct vfu_msg *m, void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(VFU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	char scratch[4096];
	size_t done = 0;

	while (done < len) {
		struct iovec iov;
		struct msghdr mh = { 0 };
		ssize_t r;

		if (buf) {
			iov.iov_base = (char *)buf + done;
			iov.iov_len = len - done;
		} else {
			iov.iov_base = scratch;
			iov.iov_len = MIN_SZ(len - done, sizeof(scratch));
		}
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		collect_fds(m, &mh);
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int vfu_msg__recv(int sock, struct vfu_msg *m)
{
	ssize_t r;
	uint32_t body;

	memset(m, 0, sizeof(*m));
	r = read_full(sock, m, &m->hdr, sizeof(m->hdr));
	if (r < 0)
		goto err;
	if (r == 0) {
		r = -ECONNRESET;
		goto err;
	}
	if ((size_t)r < sizeof(m->hdr) || m->hdr.msg_size < VFIO_USER_HDR_SIZE) {
		/* A torn header or a size smaller than itself: framing is lost. */
		r = -EPROTO;
		goto err;
	}
	body = m->hdr.msg_size - VFIO_USER_HDR_SIZE;
	if (body > VFU_MAX_MSG_SIZE - VFIO_USER_HDR_SIZE) {
		if (body > VFU_MAX_DRAIN) {
			r = -EMSGSIZE;
			goto err;
		}
		r = read_full(sock, m, NULL, body);
		if (r < 0)
			goto err;
		if ((uint32_t)r != body) {
			r = -EPROTO;
			goto err;
		}
		m->err = EMSGSIZE;
		return 0;
	}
	if (body) {
		m->payload = malloc(body);
		if (!m->payload) {
			r = -ENOMEM;
			goto err;
		}
		r = read_full(sock, m, m->payload, body);
		if (r < 0)
			goto err;
		if ((uint32_t)r != body) {
			r = -EPROTO;
			goto err;
		}
		m->len = body;
	}
	return 0;

err:
	vfu_msg__release(m);
	return (int)r;
}

void vfu_msg__close_fds(struct vfu_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->nfds; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

void vfu_msg__release(struct vfu_msg *m)
{
	vfu_msg__close_fds(m);
	free(m->payload);
	m->payload = NULL;
	m->len = 0;
}

int vfu_msg__take_fd(struct vfu_msg *m, unsigned int i)
{
	int fd;

	if (i >= m->nfds)
		return -1;
	fd = m->fds[i];
	m->fds[i] = -1;
	return fd;
}

int vfu_msg__send(int sock, uint16_t msg_id, uint16_t cmd, uint32_t flags,
		  uint32_t error_no, const void *p1, size_t l1, const void *p2,
		  size_t l2, const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(VFU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct vfio_user_header hdr;
	struct iovec iov[3];
	struct msghdr mh = { 0 };
	size_t total = sizeof(hdr) + l1 + l2;
	size_t sent = 0;

	if (nfds > VFU_MAX_FDS || total > UINT32_MAX)
		return -EINVAL;
	hdr.msg_id = msg_id;
	hdr.cmd = cmd;
	hdr.msg_size = (uint32_t)total;
	hdr.flags = flags;
	hdr.error_no = error_no;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)p1;
	iov[1].iov_len = p1 ? l1 : 0;
	iov[2].iov_base = (void *)p2;
	iov[2].iov_len = p2 ? l2 : 0;
	if (!p1)
		total -= l1;
	if (!p2)
		total -= l2;
	hdr.msg_size = (uint32_t)total;
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	if (nfds) {
		struct cmsghdr *c;

		memset(ctrl.buf, 0, sizeof(ctrl.buf));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (sent < total) {
		ssize_t r = sendmsg(sock, &mh, MSG_NOSIGNAL);
		size_t adv;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		sent += (size_t)r;
		/* fds went with the first byte; advance the iovecs past r bytes. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		adv = (size_t)r;
		while (adv && mh.msg_iovlen) {
			if (adv >= mh.msg_iov->iov_len) {
				adv -= mh.msg_iov->iov_len;
				mh.msg_iov++;
				mh.msg_iovlen--;
			} else {
				mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + adv;
				mh.msg_iov->iov_len -= adv;
				adv = 0;
			}
		}
	}
	return 0;
}

int vfu_msg__reply(int sock, const struct vfio_user_header *req,
		   const void *p1, size_t l1, const void *p2, size_t l2,
		   const int *fds, unsigned int nfds)
{
	if (req->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfu_msg__send(sock, req->msg_id, req->cmd, VFIO_USER_F_TYPE_REPLY,
			     0, p1, l1, p2, l2, fds, nfds);
}

int vfu_msg__reply_error(int sock, const struct vfio_user_header *req, int err)
{
	if (req->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfu_msg__send(sock, req->msg_id, req->cmd,
			     VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
			     (uint32_t)err, NULL, 0, NULL, 0, NULL, 0);
}
