/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/adisim/regs.h"
#include "tests/adisim/tclient.h"

/* Sockets of every open client, so a failed case cannot leak its session into the next. */
static int open_fds[64];
static unsigned int nopen;

static void track(int fd)
{
	if (fd >= 0 && nopen < 64)
		open_fds[nopen++] = fd;
}

static void untrack(int fd)
{
	unsigned int i;

	for (i = 0; i < nopen; i++)
		if (open_fds[i] == fd) {
			open_fds[i] = open_fds[--nopen];
			return;
		}
}

void tc_close_all(void)
{
	while (nopen)
		close(open_fds[--nopen]);
}

int tc_connect(struct tclient *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };

	memset(c, 0, sizeof(*c));
	c->fd = c->dma_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(c->fd);
		c->fd = -1;
		return e;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->dma_fd = c->fd;
	track(c->fd);
	vfu_caps__defaults(&c->srv);
	return 0;
}

void tc_close(struct tclient *c)
{
	if (c->dma_fd >= 0 && c->dma_fd != c->fd) {
		untrack(c->dma_fd);
		close(c->dma_fd);
	}
	if (c->fd >= 0) {
		untrack(c->fd);
		close(c->fd);
	}
	c->fd = c->dma_fd = -1;
}

static struct tc_mem *find_mem(struct tclient *c, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < c->nmem; i++)
		if (iova >= c->mem[i].iova && iova - c->mem[i].iova <= c->mem[i].size &&
		    len <= c->mem[i].size - (iova - c->mem[i].iova))
			return &c->mem[i];
	return NULL;
}

/* Answer one DMA_READ/DMA_WRITE request from the server. */
static int serve_one(struct tclient *c, int sock, struct vfu_msg *m)
{
	const struct vfio_user_dma_access *a = (const void *)m->payload;
	struct vfio_user_dma_access out;
	struct tc_mem *mem;

	if (m->len < sizeof(*a) || (m->hdr.cmd != VFIO_USER_DMA_READ &&
				    m->hdr.cmd != VFIO_USER_DMA_WRITE))
		return vfu_msg__reply_error(sock, &m->hdr, EINVAL);
	mem = find_mem(c, a->address, a->count);
	if (!mem || (m->hdr.cmd == VFIO_USER_DMA_WRITE && m->len - sizeof(*a) != a->count))
		return vfu_msg__reply_error(sock, &m->hdr, EFAULT);
	out.address = a->address;
	out.count = a->count;
	c->dma_requests++;
	c->dma_bytes += a->count;
	if (m->hdr.cmd == VFIO_USER_DMA_WRITE) {
		memcpy(mem->p + (a->address - mem->iova), a->data, a->count);
		return vfu_msg__reply(sock, &m->hdr, &out, sizeof(out), NULL, 0, NULL, 0);
	}
	return vfu_msg__reply(sock, &m->hdr, &out, sizeof(out), mem->p + (a->address - mem->iova),
			      a->count, NULL, 0);
}

/*
 * Wait for the reply to id on the main socket, serving requests on either
 * socket. want_id < 0: only serve, until timeout_ms passes with nothing.
 */
static int pump(struct tclient *c, int want_id, uint16_t cmd, int timeout_ms,
		struct vfu_msg *reply)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
				       { .fd = c->dma_fd, .events = POLLIN } };
		unsigned int n = c->dma_fd != c->fd ? 2 : 1, i;
		int r = poll(p, n, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return want_id < 0 ? 0 : -ETIMEDOUT;
		for (i = 0; i < n; i++) {
			struct vfu_msg m;
			int ret;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ret = vfu_msg__recv(p[i].fd, &m);
			if (ret)
				return ret;
			if (vfu_msg__is_reply(&m.hdr)) {
				if (want_id >= 0 && m.hdr.msg_id == want_id && m.hdr.cmd == cmd) {
					*reply = m;
					return 0;
				}
				vfu_msg__release(&m);
				return -EPROTO;
			}
			ret = serve_one(c, p[i].fd, &m);
			vfu_msg__release(&m);
			if (ret)
				return ret;
		}
		if (want_id < 0)
			timeout_ms = 0;		/* drain what is there, then return */
	}
}

int tc_serve(struct tclient *c, int timeout_ms)
{
	return pump(c, -1, 0, timeout_ms, NULL);
}

static int finish(struct vfu_msg *r, struct vfu_msg *out)
{
	int ret = vfu_msg__is_error(&r->hdr) ? -(int)(r->hdr.error_no ? r->hdr.error_no : EINVAL) : 0;

	if (out)
		*out = *r;
	else
		vfu_msg__release(r);
	return ret;
}

int tc_request(struct tclient *c, uint16_t cmd, const void *p1, size_t l1, const void *p2,
	       size_t l2, const int *fds, unsigned int nfds, struct vfu_msg *reply)
{
	uint16_t id = ++c->id;
	struct vfu_msg r;
	int ret;

	ret = vfu_msg__send(c->fd, id, cmd, VFIO_USER_F_TYPE_COMMAND, 0, p1, l1, p2, l2, fds, nfds);
	if (ret)
		return ret;
	ret = pump(c, id, cmd, 10000, &r);
	if (ret)
		return ret == -EINVAL ? -EPROTO : ret;
	return finish(&r, reply);
}

int tc_raw(struct tclient *c, const void *buf, size_t len, struct vfu_msg *reply)
{
	const struct vfio_user_header *h = buf;
	struct vfu_msg r;
	ssize_t n;
	int ret;

	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n != (ssize_t)len)
		return -EIO;
	ret = pump(c, h->msg_id, h->cmd, 10000, &r);
	if (ret)
		return ret == -EINVAL ? -EPROTO : ret;
	return finish(&r, reply);
}

int tc_version(struct tclient *c, bool twin, uint32_t max_xfer)
{
	struct vfu_caps ours;
	struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR };
	const struct vfio_user_version *rv;
	struct vfu_msg r;
	char *json;
	int ret;

	vfu_caps__defaults(&ours);
	ours.max_msg_fds = 8;
	ours.max_data_xfer_size = max_xfer;
	ours.twin_socket = twin;
	json = vfu_caps__to_json(&ours, false);
	if (!json)
		return -ENOMEM;
	ret = tc_request(c, VFIO_USER_VERSION, &v, sizeof(v), json, strlen(json) + 1, NULL, 0, &r);
	free(json);
	if (ret)
		return ret;
	rv = (const void *)r.payload;
	if (r.len < sizeof(*rv) || rv->major != VFIO_USER_MAJOR || rv->minor > VFIO_USER_MINOR ||
	    vfu_caps__parse(rv->data, r.len - sizeof(*rv), &c->srv)) {
		ret = -EPROTO;
		goto out;
	}
	c->minor = rv->minor;
	if (twin) {
		if (!c->srv.twin_socket || c->srv.twin_fd_index != 0 || r.nfds != 1) {
			ret = -EPROTO;
			goto out;
		}
		c->dma_fd = vfu_msg__take_fd(&r, 0);
		track(c->dma_fd);
	}
out:
	vfu_msg__release(&r);
	return ret;
}

int tc_region_read(struct tclient *c, uint32_t region, uint64_t off, void *buf, uint32_t count)
{
	struct vfio_user_region_access a = { .offset = off, .region = region, .count = count };
	struct vfu_msg r;
	int ret;

	ret = tc_request(c, VFIO_USER_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0, &r);
	if (ret)
		return ret;
	if (r.len != sizeof(a) + count)
		ret = -EPROTO;
	else
		memcpy(buf, r.payload + sizeof(a), count);
	vfu_msg__release(&r);
	return ret;
}

int tc_region_write(struct tclient *c, uint32_t region, uint64_t off, const void *buf,
		    uint32_t count)
{
	struct vfio_user_region_access a = { .offset = off, .region = region, .count = count };

	return tc_request(c, VFIO_USER_REGION_WRITE, &a, sizeof(a), buf, count, NULL, 0, NULL);
}

uint32_t tc_rd32(struct tclient *c, uint32_t region, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	if (tc_region_read(c, region, off, &v, 4))
		return 0xdeadbeef;
	return v;
}

int tc_wr32(struct tclient *c, uint32_t region, uint64_t off, uint32_t v)
{
	return tc_region_write(c, region, off, &v, 4);
}

uint64_t tc_counter(struct tclient *c, unsigned int n)
{
	uint64_t v = UINT64_MAX;

	if (tc_region_read(c, ADISIM_BAR_REGS, ADISIM_REG_CNT(n), &v, 8))
		return UINT64_MAX;
	return v;
}

int tc_set_irqs(struct tclient *c, uint32_t index, uint32_t flags, uint32_t start,
		uint32_t count, const int *fds, unsigned int nfds, const void *data, size_t dlen)
{
	struct vfio_irq_set s = { .argsz = (uint32_t)(sizeof(s) + dlen), .flags = flags,
				  .index = index, .start = start, .count = count };

	return tc_request(c, VFIO_USER_DEVICE_SET_IRQS, &s, sizeof(s), data, dlen, fds, nfds, NULL);
}

int tc_dma_map(struct tclient *c, uint64_t iova, uint64_t size, int fd, uint64_t off, void *p)
{
	struct vfio_user_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE,
		.offset = off, .address = iova, .size = size,
	};
	int ret;

	ret = tc_request(c, VFIO_USER_DMA_MAP, &m, sizeof(m), NULL, 0, fd >= 0 ? &fd : NULL,
			 fd >= 0 ? 1 : 0, NULL);
	if (!ret && p && c->nmem < TC_MAX_MEM)
		c->mem[c->nmem++] = (struct tc_mem){ .iova = iova, .size = size, .p = p };
	return ret;
}

uint64_t tc_poll_eventfd(int efd)
{
	uint64_t v = 0;
	struct pollfd p = { .fd = efd, .events = POLLIN };

	if (poll(&p, 1, 0) == 1 && read(efd, &v, sizeof(v)) == sizeof(v))
		return v;
	return 0;
}

uint64_t tc_wait_eventfd(struct tclient *c, int efd, int timeout_ms)
{
	int waited = 0;

	while (waited <= timeout_ms) {
		struct pollfd p = { .fd = efd, .events = POLLIN };
		uint64_t v;

		if (poll(&p, 1, 0) == 1 && read(efd, &v, sizeof(v)) == sizeof(v))
			return v;
		/* Serve DMA requests for up to 1 ms, then look again. */
		if (c && c->fd >= 0) {
			if (tc_serve(c, 1) < 0)
				return 0;
		} else {
			poll(&p, 1, 1);
		}
		waited++;
	}
	return 0;
}
