/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One ADI's socket and its client session.
 *
 * Each ADI listens on its own socket and serves one client at a time; a
 * second client is accepted and closed at once (it sees EOF rather than a
 * silent wait). A session ends on EOF, a framing error or a dead DMA
 * channel; ending it drops DMA maps, eventfds and device state, and the
 * ADI waits for the next client.
 *
 * Sockets have send/receive timeouts: the loop is single-threaded, so a
 * client that stalls mid-message must not freeze the other ADIs.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/log.h"
#include "devices/adisim/adisim.h"

#define IO_TIMEOUT_S	5

static int ep_add(struct adisim *sim, int fd, struct adisim_src *src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };

	if (sim->epfd < 0)
		return 0;
	return epoll_ctl(sim->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void ep_del(struct adisim *sim, int fd)
{
	if (sim->epfd >= 0 && fd >= 0)
		epoll_ctl(sim->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* A stale socket from a killed run is replaced; anything else is kept. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int adisim_adi__init(struct adisim *sim, struct adisim_adi *adi, unsigned int id)
{
	const struct adisim_opts *o = &sim->opts;
	int ret;

	memset(adi, 0, sizeof(*adi));
	adi->id = id;
	adi->sim = sim;
	adi->listen_fd = adi->conn_fd = adi->dma_fd = -1;
	adi->err_eventfd = adi->req_eventfd = adi->msi_eventfd = -1;
	adi->ims_fd = -1;
	adi->kick_fd = -1;
	adi->delay_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	adi->storm_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	adi->recheck_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	adi->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (adi->delay_tfd < 0 || adi->storm_tfd < 0 || adi->recheck_tfd < 0 ||
	    adi->kick_fd < 0) {
		ret = -errno;
		goto err;
	}
	ret = adisim_ims__init(adi);
	if (ret)
		goto err;
	adisim_config__init(adi);
	adisim_bar0__reset(adi);
	vfu_caps__defaults(&adi->peer);

	adi->src_listen = (struct adisim_src){ SRC_LISTEN, adi };
	adi->src_conn = (struct adisim_src){ SRC_CONN, adi };
	adi->src_delay = (struct adisim_src){ SRC_DELAY_TIMER, adi };
	adi->src_storm = (struct adisim_src){ SRC_STORM_TIMER, adi };
	adi->src_recheck = (struct adisim_src){ SRC_RECHECK_TIMER, adi };
	adi->src_kick = (struct adisim_src){ SRC_KICK, adi };
	if ((ret = ep_add(sim, adi->delay_tfd, &adi->src_delay)) ||
	    (ret = ep_add(sim, adi->storm_tfd, &adi->src_storm)) ||
	    (ret = ep_add(sim, adi->recheck_tfd, &adi->src_recheck)) ||
	    (ret = ep_add(sim, adi->kick_fd, &adi->src_kick)))
		goto err;

	if (o->fd >= 0) {
		int listening = 0;
		socklen_t len = sizeof(listening);

		if (getsockopt(o->fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) {
			ret = -errno;
			goto err;
		}
		if (listening) {
			adi->listen_fd = o->fd;
		} else {
			sim->exit_after_session = true;
			adisim_session__start(adi, o->fd);
			return 0;
		}
	} else {
		if (o->socket_path) {
			adi->sock_path = strdup(o->socket_path);
		} else if (asprintf(&adi->sock_path, "%s/adi%u.sock", o->socket_dir, id) < 0) {
			adi->sock_path = NULL;
		}
		if (!adi->sock_path) {
			ret = -ENOMEM;
			goto err;
		}
		ret = listen_on(adi->sock_path);
		if (ret < 0) {
			pr_err("adi%u: cannot listen on %s: %s", id, adi->sock_path, strerror(-ret));
			goto err;
		}
		adi->listen_fd = ret;
	}
	ret = ep_add(sim, adi->listen_fd, &adi->src_listen);
	if (ret)
		goto err;
	return 0;

err:
	adisim_adi__destroy(adi);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void adisim_adi__destroy(struct adisim_adi *adi)
{
	if (adi->conn_fd >= 0)
		adisim_session__end(adi, "shutting down");
	ep_del(adi->sim, adi->listen_fd);
	close_fd(&adi->listen_fd);
	if (adi->sock_path) {
		unlink(adi->sock_path);
		free(adi->sock_path);
		adi->sock_path = NULL;
	}
	close_fd(&adi->delay_tfd);
	close_fd(&adi->storm_tfd);
	close_fd(&adi->recheck_tfd);
	close_fd(&adi->kick_fd);
	adisim_ims__destroy(adi);
}

void adisim_session__start(struct adisim_adi *adi, int conn_fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	struct adisim *sim = adi->sim;
	int ret;

	setsockopt(conn_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Fresh storage per session: an old client may still map the old one. */
	ret = adisim_ims__reset(adi);
	if (!ret)
		ret = ep_add(sim, conn_fd, &adi->src_conn);
	if (ret) {
		pr_err("adi%u: cannot start a session: %s", adi->id, strerror(-ret));
		close(conn_fd);
		return;
	}
	adi->conn_fd = conn_fd;
	adi->dma_fd = conn_fd;
	adi->versioned = false;
	adi->conn_broken = false;
	vfu_caps__defaults(&adi->peer);
	adisim_config__init(adi);
	adisim_engine__reset(adi);
	if (sim->opts.storm && adisim_engine__set_storm(adi, sim->opts.storm_ims,
							sim->opts.storm_hz))
		pr_warn("adi%u: --storm index out of range, storm off", adi->id);
	pr_info("adi%u: client connected", adi->id);
}

void adisim_session__end(struct adisim_adi *adi, const char *why)
{
	unsigned int i;

	if (adi->conn_fd < 0)
		return;
	pr_info("adi%u: session ended: %s", adi->id, why);
	ep_del(adi->sim, adi->conn_fd);
	if (adi->dma_fd != adi->conn_fd)
		close_fd(&adi->dma_fd);
	close_fd(&adi->conn_fd);
	adi->dma_fd = -1;
	for (i = 0; i < adi->ndeferred; i++)
		vfu_msg__release(&adi->deferred[i]);
	adi->ndeferred = 0;
	adisim_dma__unmap_all(adi);
	adisim_irt__release_owner(adi->sim->irt, (int)adi->id);
	close_fd(&adi->err_eventfd);
	close_fd(&adi->req_eventfd);
	close_fd(&adi->msi_eventfd);
	adisim_engine__reset(adi);
	adisim_ims__clear(adi);
	adi->versioned = false;
	if (adi->sim->exit_after_session)
		adi->sim->quit = true;
}

/* --fail-after: the switch tests use to see a device die or misbehave. */
static bool injected_failure(struct adisim_adi *adi, struct vfu_msg *m)
{
	struct adisim *sim = adi->sim;

	if (!sim->opts.fail_after_set || ++sim->msgs <= sim->opts.fail_after)
		return false;
	switch (sim->opts.fail_mode) {
	case ADISIM_FAIL_DIE:
		pr_err("dying after %llu messages as asked (--fail-after)",
		       (unsigned long long)sim->opts.fail_after);
		_exit(1);
	case ADISIM_FAIL_CLOSE:
		adisim_session__end(adi, "closing as asked (--fail-after)");
		return true;
	case ADISIM_FAIL_ERROR:
		adi->cnt[ADISIM_CNT_PROTO_ERRORS]++;
		if (vfu_msg__reply_error(adi->conn_fd, &m->hdr, EIO))
			adisim_session__end(adi, "reply failed");
		return true;
	}
	return false;
}

static void process(struct adisim_adi *adi, struct vfu_msg *m)
{
	int ret;

	if (injected_failure(adi, m))
		return;
	ret = adisim_handle__msg(adi, m);
	if (ret)
		adisim_session__end(adi, ret == -EPROTO ? "protocol violation" : strerror(-ret));
}

void adisim_session__readable(struct adisim_adi *adi)
{
	struct pollfd p = { .fd = adi->conn_fd, .events = POLLIN };
	struct vfu_msg m;
	int ret;

	/*
	 * The event may be stale: a DMA wait earlier in this epoll batch can
	 * have read (and queued) what woke us. Do not block on an empty socket.
	 */
	if (poll(&p, 1, 0) != 1)
		return;
	ret = vfu_msg__recv(adi->conn_fd, &m);
	if (ret) {
		adi->cnt[ADISIM_CNT_PROTO_ERRORS] += ret != -ECONNRESET;
		adisim_session__end(adi, ret == -ECONNRESET ? "client disconnected" :
				    ret == -EPROTO ? "malformed message framing" : strerror(-ret));
		return;
	}
	process(adi, &m);
	vfu_msg__release(&m);
	adisim_session__drain(adi);
}

void adisim_session__drain(struct adisim_adi *adi)
{
	struct vfu_msg m;

	/* Work a message or timer started: the engine, then commands that arrived meanwhile. */
	while (adi->conn_fd >= 0) {
		if (adi->conn_broken) {
			adisim_session__end(adi, "DMA channel failed");
			break;
		}
		if (adi->doorbell_pending) {
			adisim_engine__run(adi);
			continue;
		}
		if (!adi->ndeferred)
			break;
		m = adi->deferred[0];
		memmove(&adi->deferred[0], &adi->deferred[1],
			--adi->ndeferred * sizeof(adi->deferred[0]));
		process(adi, &m);
		vfu_msg__release(&m);
	}
}

/* Wait for the reply to our DMA request msg_id, deferring client commands. */
static int await_reply(struct adisim_adi *adi, u16 id, u16 cmd, struct vfu_msg *out)
{
	for (;;) {
		struct pollfd p = { .fd = adi->dma_fd, .events = POLLIN };
		struct vfu_msg m;
		int ret;

		ret = poll(&p, 1, ADISIM_DMA_TIMEOUT_MS);
		if (ret == 0)
			return -ETIMEDOUT;
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = vfu_msg__recv(adi->dma_fd, &m);
		if (ret)
			return ret;
		if (vfu_msg__is_reply(&m.hdr) && m.hdr.msg_id == id && m.hdr.cmd == cmd) {
			*out = m;
			return 0;
		}
		if (vfu_msg__is_reply(&m.hdr) || adi->dma_fd != adi->conn_fd ||
		    adi->ndeferred == ADISIM_MAX_DEFERRED) {
			vfu_msg__release(&m);
			return -EPROTO;
		}
		/* A pipelined command: run it after the DMA completes. */
		adi->deferred[adi->ndeferred++] = m;
	}
}

int adisim_session__dma_request(struct adisim_adi *adi, u16 cmd, u64 iova, void *buf, u64 count)
{
	u64 max = adi->peer.max_data_xfer_size, done = 0;

	if (adi->dma_fd < 0 || adi->conn_broken)
		return -ENOTCONN;
	while (done < count) {
		struct vfio_user_dma_access req = { .address = iova + done };
		const struct vfio_user_dma_access *rep;
		struct vfu_msg m;
		u16 id = ++adi->dma_msg_id;
		int ret;

		req.count = MIN(count - done, max);
		ret = vfu_msg__send(adi->dma_fd, id, cmd, VFIO_USER_F_TYPE_COMMAND, 0, &req,
				    sizeof(req), cmd == VFIO_USER_DMA_WRITE ? (u8 *)buf + done : NULL,
				    cmd == VFIO_USER_DMA_WRITE ? req.count : 0, NULL, 0);
		if (!ret)
			ret = await_reply(adi, id, cmd, &m);
		if (ret) {
			pr_warn("adi%u: DMA %s channel failed: %s", adi->id,
				vfu_msg__cmd_name(cmd), strerror(-ret));
			adi->conn_broken = true;
			return ret;
		}
		rep = (const void *)m.payload;
		if (vfu_msg__is_error(&m.hdr)) {
			ret = -EFAULT;		/* the client refused: a DMA fault */
		} else if (cmd == VFIO_USER_DMA_READ) {
			if (m.len < sizeof(*rep) + req.count || rep->address != req.address ||
			    rep->count != req.count)
				ret = -EPROTO;
			else
				memcpy((u8 *)buf + done, rep->data, req.count);
		}
		vfu_msg__release(&m);
		if (ret)
			return ret;
		done += req.count;
	}
	return 0;
}
