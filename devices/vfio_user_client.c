/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user client, transport half: connect, VERSION, one transaction at a
 * time with reply matching and a timeout, serving the server's DMA_READ and
 * DMA_WRITE, and death. The device commands are in vfio_user_cmds.c.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "devices/vfio-user/msg.h"
#include "devices/vfio-user/version.h"
#include "devices/vfio_user_client_priv.h"

/* Replies of the wrong id or command tolerated per transaction before giving up on the peer. */
#define MAX_STRAY_REPLIES	16
/*
 * Once imsvm is stopping on a signal, how long a wait for a server may still
 * last (if the client's timeout is not shorter): a healthy server answers
 * within it and its device is released cleanly; a stalled one holds the stop
 * no longer than this.
 */
#define STOP_GRACE_MS		2000

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

void vfu_client__mark_dead(struct vfu_client *c, const char *why, int err)
{
	bool was = atomic_exchange(&c->dead, true);

	if (was)
		return;
	if (err)
		pr_err("vfio-user %s: %s (%s): device failed", c->name, why, strerror(err));
	else
		pr_err("vfio-user %s: %s: device failed", c->name, why);
	/* Wake the event loop (EPOLLHUP) without freeing the fd number under it. */
	shutdown(c->sock, SHUT_RDWR);
}

void vfu_client__kill(struct vfu_client *c, const char *why)
{
	vfu_client__mark_dead(c, why, 0);
}

/* Readable once imsvm is stopping on a signal; -1 when nobody set one. */
static _Atomic int abort_fd = -1;

void vfu_client__set_abort_fd(int fd)
{
	atomic_store(&abort_fd, fd);
}

/*
 * imsvm is stopping: the client is dead, without the "device failed" line
 * (the stop is the operator's, said once by vm__run()). Caller holds c->lock.
 */
static int cancel(struct vfu_client *c, const char *what)
{
	if (!atomic_exchange(&c->dead, true)) {
		c->cancelled = true;
		pr_debug("vfio-user %s: %s abandoned: imsvm is stopping", c->name, what);
		shutdown(c->sock, SHUT_RDWR);
	}
	return -ECANCELED;
}

/* What a call on a dead client returns. Caller holds c->lock. */
static int dead_errno(const struct vfu_client *c)
{
	return c->cancelled ? -ECANCELED : -ENODEV;
}

bool vfu_client__dead(const struct vfu_client *c)
{
	return atomic_load(&((struct vfu_client *)c)->dead);
}

int vfu_client__fd(const struct vfu_client *c)
{
	return c->sock;
}

const char *vfu_client__name(const struct vfu_client *c)
{
	return c->name;
}

void vfu_client__stats(struct vfu_client *c, struct vfu_client_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

void vfu_client__server_caps(const struct vfu_client *c, struct vfu_server_caps *out)
{
	*out = c->server;
}

/* A server errno is trusted only in the range errno values live in (lib does the same). */
static int server_errno(u32 e)
{
	return (e == 0 || e > 4095) ? EIO : (int)e;
}

/* A DMA range the server may reach: inside a DMA_MAP'd range and inside guest RAM. */
static void *dma_ptr(struct vfu_client *c, u64 addr, u64 len, u32 need)
{
	for (unsigned int i = 0; i < c->nr_dma; i++) {
		const struct vfu_dma_range *d = &c->dma[i];

		if (addr >= d->iova && range_within(addr - d->iova, len, d->size) &&
		    (d->flags & need) == need)
			return c->mem ? guest_mem__ptr(c->mem, addr, len) : NULL;
	}
	return NULL;
}

static int reply_err(struct vfu_client *c, const struct vfio_user_header *h, int err)
{
	return vfu_msg__reply_error(c->sock, h, err);
}

/* A server->client command: DMA_READ or DMA_WRITE. Returns -errno only when the socket failed. */
static int serve_command(struct vfu_client *c, struct vfu_msg *m)
{
	const struct vfio_user_dma_access *a = (const void *)m->payload;
	struct vfio_user_dma_access echo;
	void *p;

	if (m->nfds) {
		/* No server command carries fds: drop them, keep the message. */
		vfu_msg__close_fds(m);
		c->stats.proto_errors++;
	}
	if (m->err) {
		c->stats.proto_errors++;
		return reply_err(c, &m->hdr, m->err == EMSGSIZE ? EMSGSIZE : EINVAL);
	}
	if (m->hdr.cmd != VFIO_USER_DMA_READ && m->hdr.cmd != VFIO_USER_DMA_WRITE) {
		c->stats.proto_errors++;
		pr_warn_ratelimited("vfio-user %s: server sent command %u (%s): refused", c->name,
				    m->hdr.cmd, vfu_msg__cmd_name(m->hdr.cmd));
		return reply_err(c, &m->hdr, EINVAL);
	}
	if (m->len < sizeof(*a) || a->count == 0 || a->count > c->our_max_xfer ||
	    (m->hdr.cmd == VFIO_USER_DMA_READ && m->len != sizeof(*a)) ||
	    (m->hdr.cmd == VFIO_USER_DMA_WRITE && m->len - sizeof(*a) != a->count)) {
		c->stats.proto_errors++;
		return reply_err(c, &m->hdr, EINVAL);
	}
	echo.address = a->address;
	echo.count = a->count;
	if (m->hdr.cmd == VFIO_USER_DMA_READ) {
		p = dma_ptr(c, a->address, a->count, VFIO_USER_F_DMA_REGION_READ);
		if (!p)
			goto fault;
		c->stats.dma_reads++;
		c->stats.dma_bytes += a->count;
		return vfu_msg__reply(c->sock, &m->hdr, &echo, sizeof(echo), p, a->count, NULL, 0);
	}
	p = dma_ptr(c, a->address, a->count, VFIO_USER_F_DMA_REGION_WRITE);
	if (!p)
		goto fault;
	memcpy(p, a->data, a->count);
	c->stats.dma_writes++;
	c->stats.dma_bytes += a->count;
	/* libvfio-user expects the 16-byte {address, count} echo for both directions. */
	return vfu_msg__reply(c->sock, &m->hdr, &echo, sizeof(echo), NULL, 0, NULL, 0);

fault:
	c->stats.dma_faults++;
	pr_warn_ratelimited("vfio-user %s: server %s of %llu bytes at 0x%llx outside mapped RAM",
			    c->name, vfu_msg__cmd_name(m->hdr.cmd), (unsigned long long)a->count,
			    (unsigned long long)a->address);
	return reply_err(c, &m->hdr, EFAULT);
}

/*
 * Wait up to @deadline for one message; 0 with *m filled, -ETIMEDOUT,
 * -ECANCELED when imsvm is stopping and the server has not answered within
 * STOP_GRACE_MS of that, or another -errno when the connection is lost (the
 * client is then dead in both cases). @deadline 0: no wait (-EAGAIN).
 */
static int recv_one(struct vfu_client *c, u64 deadline, struct vfu_msg *m)
{
	u64 grace_end = 0;	/* set once the abort fd says imsvm is stopping */

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->sock, .events = POLLIN },
			{ .fd = atomic_load(&abort_fd), .events = POLLIN },
		};
		nfds_t n = pfd[1].fd >= 0 && !grace_end ? 2 : 1;
		u64 t = now_ms(), end = deadline;
		int r;

		if (grace_end && t >= grace_end)
			return cancel(c, "the wait for the server");
		if (deadline && t >= deadline)
			return -ETIMEDOUT;
		if (grace_end && grace_end < end)
			end = grace_end;
		r = poll(pfd, n, deadline ? (int)(end - t) : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (n == 2 && (pfd[1].revents & POLLIN)) {
			/*
			 * imsvm is stopping: a server that answers still gets
			 * its teardown, one that does not is given up soon.
			 */
			grace_end = now_ms() + MIN((u64)STOP_GRACE_MS, (u64)c->timeout_ms);
			if (!pfd[0].revents && deadline)
				continue;
		}
		if (!pfd[0].revents) {
			if (deadline)
				continue;	/* the checks above say which end came */
			return -EAGAIN;
		}
		r = vfu_msg__recv(c->sock, m);
		if (r < 0) {
			vfu_client__mark_dead(c, r == -ECONNRESET ? "server closed the connection" :
					      "connection lost", r == -ECONNRESET ? 0 : -r);
			return -ENODEV;
		}
		return 0;
	}
}

int vfu_client__transact(struct vfu_client *c, u16 cmd, const void *p1, size_t l1,
			 const void *p2, size_t l2, const int *fds, unsigned int nfds,
			 struct vfu_msg *rep)
{
	unsigned int stray = 0;
	u64 deadline;
	u16 id;
	int ret;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_lock(&c->lock);
	if (vfu_client__dead(c)) {
		ret = dead_errno(c);
		goto out;
	}
	id = c->next_id++;
	c->stats.transactions++;
	ret = vfu_msg__send(c->sock, id, cmd, VFIO_USER_F_TYPE_COMMAND, 0, p1, l1, p2, l2,
			    fds, nfds);
	if (ret < 0) {
		if (ret == -EINVAL) {
			/* Ours: too many fds or too big; the stream is untouched. */
			goto out;
		}
		vfu_client__mark_dead(c, "send failed", -ret);
		ret = -ENODEV;
		goto out;
	}
	deadline = now_ms() + (u64)c->timeout_ms;
	for (;;) {
		struct vfu_msg m;

		ret = recv_one(c, deadline, &m);
		if (ret == -ETIMEDOUT) {
			char why[96];

			snprintf(why, sizeof(why), "no reply to %s within %d ms",
				 vfu_msg__cmd_name(cmd), c->timeout_ms);
			vfu_client__mark_dead(c, why, 0);
			ret = -ENODEV;
			goto out;
		}
		if (ret < 0) {
			ret = dead_errno(c);
			goto out;
		}
		if (!vfu_msg__is_reply(&m.hdr)) {
			ret = serve_command(c, &m);
			vfu_msg__release(&m);
			if (ret < 0) {
				vfu_client__mark_dead(c, "reply to server command failed", -ret);
				ret = -ENODEV;
				goto out;
			}
			continue;
		}
		if (m.hdr.msg_id != id || m.hdr.cmd != cmd) {
			c->stats.proto_errors++;
			pr_warn_ratelimited("vfio-user %s: stray reply (id %u cmd %u) while waiting "
					    "for id %u %s", c->name, m.hdr.msg_id, m.hdr.cmd, id,
					    vfu_msg__cmd_name(cmd));
			vfu_msg__release(&m);
			if (++stray > MAX_STRAY_REPLIES) {
				vfu_client__mark_dead(c, "too many stray replies", EPROTO);
				ret = -ENODEV;
				goto out;
			}
			continue;
		}
		if (m.err) {
			/* Consumed, but unusable: oversized or too many fds. */
			c->stats.proto_errors++;
			pr_warn_ratelimited("vfio-user %s: bad reply to %s: %s", c->name,
					    vfu_msg__cmd_name(cmd), strerror(m.err));
			ret = m.err == EMSGSIZE ? -EMSGSIZE : -EPROTO;
			vfu_msg__release(&m);
			goto out;
		}
		if (vfu_msg__is_error(&m.hdr)) {
			/* Error replies may carry a payload (libvfio-user): ignore it. */
			c->stats.server_errors++;
			ret = -server_errno(m.hdr.error_no);
			pr_debug("vfio-user %s: %s: server error %d", c->name,
				 vfu_msg__cmd_name(cmd), -ret);
			vfu_msg__release(&m);
			goto out;
		}
		*rep = m;
		ret = 0;
		goto out;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int vfu_client__serve(struct vfu_client *c)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	while (!vfu_client__dead(c)) {
		struct vfu_msg m;

		ret = recv_one(c, 0, &m);
		if (ret == -EAGAIN || ret == -ETIMEDOUT) {
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
		if (vfu_msg__is_reply(&m.hdr)) {
			/* Nobody is waiting: a reply now is a protocol error. */
			c->stats.proto_errors++;
			pr_warn_ratelimited("vfio-user %s: unsolicited reply (id %u cmd %u)",
					    c->name, m.hdr.msg_id, m.hdr.cmd);
		} else {
			ret = serve_command(c, &m);
			if (ret < 0)
				vfu_client__mark_dead(c, "reply to server command failed", -ret);
		}
		vfu_msg__release(&m);
	}
	if (vfu_client__dead(c))
		ret = dead_errno(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* VERSION: propose 0.VFIO_USER_MINOR with what we can receive; no twin socket. */
static int negotiate(struct vfu_client *c)
{
	struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR };
	const struct vfio_user_version *r;
	struct vfu_caps ours, theirs;
	struct vfu_msg m;
	char *json;
	int ret;

	vfu_caps__defaults(&ours);
	ours.max_msg_fds = VFU_MAX_FDS;
	ours.max_data_xfer_size = c->our_max_xfer;
	json = vfu_caps__to_json(&ours, false);
	if (!json)
		return -ENOMEM;
	ret = vfu_client__transact(c, VFIO_USER_VERSION, &v, sizeof(v), json, strlen(json) + 1,
				   NULL, 0, &m);
	free(json);
	if (ret == -ECANCELED)
		return ret;	/* imsvm is stopping: nothing to say */
	if (ret < 0) {
		pr_err("vfio-user %s: VERSION refused: %s", c->name, strerror(-ret));
		return ret == -ENODEV ? -ECONNREFUSED : ret;
	}
	r = (const void *)m.payload;
	ret = -EPROTO;
	if (m.len < sizeof(*r)) {
		pr_err("vfio-user %s: VERSION reply of %u bytes is too short", c->name, m.len);
		goto out;
	}
	if (r->major != VFIO_USER_MAJOR || r->minor > VFIO_USER_MINOR) {
		pr_err("vfio-user %s: server answered version %u.%u to our %u.%u", c->name,
		       r->major, r->minor, VFIO_USER_MAJOR, VFIO_USER_MINOR);
		goto out;
	}
	if (vfu_caps__parse(r->data, m.len - sizeof(*r), &theirs) < 0) {
		pr_err("vfio-user %s: VERSION reply carries malformed capabilities", c->name);
		goto out;
	}
	if (theirs.twin_socket || m.nfds) {
		/* We did not offer a twin socket: a reply that grants one breaks the rules. */
		pr_err("vfio-user %s: server granted a twin socket we did not offer", c->name);
		goto out;
	}
	c->server.major = r->major;
	c->server.minor = r->minor;
	c->server.max_msg_fds = theirs.max_msg_fds;
	c->server.max_data_xfer_size = theirs.max_data_xfer_size;
	c->server.max_dma_maps = theirs.max_dma_maps;
	c->server.pgsizes = theirs.pgsizes;
	ret = 0;
out:
	vfu_msg__release(&m);
	return ret;
}

int vfu_client__open_fd(int sock, const char *name, int timeout_ms,
			const struct guest_mem *mem, struct vfu_client **out)
{
	struct vfu_client *c;
	struct timeval tv;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock);
		return -ENOMEM;
	}
	c->sock = sock;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "?");
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : VFU_CLIENT_DEFAULT_TIMEOUT_MS;
	c->mem = mem;
	c->our_max_xfer = VFIO_USER_DEFAULT_MAX_DATA_XFER;
	c->next_id = 1;
	atomic_init(&c->dead, false);
	pthread_mutex_init(&c->lock, NULL);
	/* A server that stops inside a message must not hold a vCPU forever. */
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		ret = -errno;
		goto err;
	}
	ret = negotiate(c);
	if (ret < 0)
		goto err;
	*out = c;
	return 0;
err:
	vfu_client__destroy(c);
	return ret;
}

int vfu_client__connect(const char *path, const char *name, int timeout_ms,
			const struct guest_mem *mem, struct vfu_client **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("vfio-user: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		pr_err("vfio-user: connect %s: %s", path, strerror(-ret));
		close(sock);
		return ret;
	}
	return vfu_client__open_fd(sock, name ? name : path, timeout_ms, mem, out);
}

void vfu_client__destroy(struct vfu_client *c)
{
	if (!c)
		return;
	if (c->sock >= 0)
		close(c->sock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
