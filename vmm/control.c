/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket's server: where the socket lives, the stale socket of
 * a dead VM, peer credentials, accepting clients and driving their I/O on
 * the event loop. Commands are in control_cmds.c.
 *
 * Stale sockets: a socket file whose VM died (SIGKILL, crash) stays behind.
 * connect() to it fails with ECONNREFUSED, which is how a new VM of the same
 * name (and `imsvm list`) tells it from a live one and removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/control_priv.h"
#include "vmm/event_loop.h"
#include "vmm/log.h"
#include "vmm/vm.h"

bool control__valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONTROL_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

int control__dir(char *buf, size_t len)
{
	const char *env = getenv("IMSVM_CONTROL_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/imsvm", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/imsvm");
	else
		n = snprintf(buf, len, "/tmp/imsvm-%u", (unsigned int)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int control__make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* Someone else's directory (a shared /tmp): our sockets do not go there. */
	if (st.st_uid != geteuid())
		return -EPERM;
	/*
	 * Ours, but others may write it and it is not sticky: another user
	 * could unlink the socket and plant their own for our CLI to talk to
	 * (found by tests/security/control-access.sh). A sticky one, as /tmp,
	 * is fine: only we can remove what we put there.
	 */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		pr_warn("control directory %s: mode %04o lets other users replace the socket",
			dir, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int control__path(const char *name, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ret, n;

	if (!control__valid_name(name))
		return -EINVAL;
	ret = control__dir(dir, sizeof(dir));
	if (ret < 0)
		return ret;
	n = snprintf(buf, len, "%s/%s.sock", dir, name);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	return 0;
}

/* 1: a live server answers at @path; 0: stale or absent; -errno otherwise. */
static int probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (ret == 0)
		ret = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		ret = 0;
	else
		ret = -errno;
	close(fd);
	return ret;
}

static int make_socket(struct control *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	if (lstat(ctl->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			pr_err("control socket %s: exists and is not a socket", ctl->path);
			return -EEXIST;
		}
		ret = probe(ctl->path);
		if (ret == 1) {
			pr_err("control socket %s: a running VM already uses it (choose another "
			       "--name or --control-socket)", ctl->path);
			return -EADDRINUSE;
		}
		if (ret < 0) {
			pr_err("control socket %s: %s", ctl->path, strerror(-ret));
			return ret;
		}
		pr_info("control socket %s: removing the stale socket of a VM that is gone",
			ctl->path);
		if (unlink(ctl->path) < 0 && errno != ENOENT) {
			ret = -errno;
			pr_err("control socket %s: %s", ctl->path, strerror(-ret));
			return ret;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl->path);
	/* Born 0600: no window in which another user could connect. */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0) {
		ret = -errno;
		pr_err("control socket %s: bind: %s", ctl->path, strerror(-ret));
		goto err_close;
	}
	if (chmod(ctl->path, 0600) < 0 || lstat(ctl->path, &st) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	ctl->ino = st.st_ino;
	if (listen(fd, 64) < 0) {
		ret = -errno;
		goto err_unlink;
	}
	ctl->listen_fd = fd;
	return 0;

err_unlink:
	unlink(ctl->path);
err_close:
	close(fd);
	return ret;
}

const char *control__state_name(struct control *ctl)
{
	if (atomic_load(&ctl->vm->exit_reason) != VM_RUNNING)
		return "stopping";
	switch (ctl->state) {
	case CTL_PAUSING:
		return "pausing";
	case CTL_PAUSED:
		return "paused";
	case CTL_RUNNING:
		break;
	}
	return "running";
}

u64 control__uptime_ms(struct control *ctl)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (u64)(now.tv_sec - ctl->started.tv_sec) * 1000 +
	       (u64)((now.tv_nsec - ctl->started.tv_nsec) / 1000000);
}

static void conn_unlink(struct control *ctl, struct control_conn *c)
{
	for (struct control_conn **pp = &ctl->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			ctl->nr_conns--;
			return;
		}
	}
}

/* A connection is finished: stop watching it; free it unless a reply is pending. */
static void conn_end(struct control *ctl, struct control_conn *c)
{
	if (c->fd >= 0) {
		(void)event_loop__del(ctl->vm->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	c->dead = true;
	if (c->busy)
		return;		/* freed by control__complete() */
	control_pause__forget(ctl, c);
	conn_unlink(ctl, c);
	control_conn__free(c);
}

static void on_client(int fd, u32 events, void *opaque)
{
	struct control_conn *c = opaque;
	struct control *ctl = c->opaque;

	if (control_conn__io(c))
		conn_end(ctl, c);
}

void control__complete(struct control *ctl, struct control_conn *c)
{
	c->busy = false;
	if (c->dead) {
		conn_end(ctl, c);
		return;
	}
	/* Requests that arrived meanwhile are still in the buffer. */
	if (control_conn__io(c))
		conn_end(ctl, c);
}

/* Refuse a client with one error line (best effort: the socket is new and empty). */
static void refuse(int fd, enum control_errc code, const char *msg)
{
	struct control_error e = { .code = code };
	size_t len = 0;
	char *line;

	snprintf(e.message, sizeof(e.message), "%s", msg);
	line = control_reply__err(NULL, &e, &len);
	if (line && send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("control: refused client: %s", strerror(errno));
	free(line);
	close(fd);
}

static void on_accept(int fd, u32 events, void *opaque)
{
	struct control *ctl = opaque;

	for (;;) {
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t clen = sizeof(cred);
		struct control_conn *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pr_warn_ratelimited("control: accept: %s", strerror(errno));
			return;
		}
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			ctl->refused++;
			pr_warn_ratelimited("control: client of uid %d refused (only uid %d and "
					    "root may control this VM)", (int)cred.uid,
					    (int)geteuid());
			refuse(cfd, CTL_E_PERMISSION, "only the VM's owner and root may control it");
			continue;
		}
		if (ctl->nr_conns >= CONTROL_MAX_CLIENTS) {
			ctl->refused++;
			pr_warn_ratelimited("control: more than %u clients: refused",
					    CONTROL_MAX_CLIENTS);
			refuse(cfd, CTL_E_BUSY, "too many clients");
			continue;
		}
		if (control_conn__new(cfd, control__handle_line, ctl, &c) < 0) {
			refuse(cfd, CTL_E_FAILED, "out of memory");
			continue;
		}
		c->uid = cred.uid;
		c->pid = cred.pid;
		/* Edge-triggered: control_conn__io() reads and writes until EAGAIN. */
		if (event_loop__add(ctl->vm->loop, cfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				    on_client, c) < 0) {
			control_conn__free(c);
			continue;
		}
		c->next = ctl->conns;
		ctl->conns = c;
		ctl->nr_conns++;
	}
}

static void control_destroy(struct device *dev)
{
	struct control *ctl = dev->priv;
	struct stat st;

	/* The event loop is stopped by now (vm__destroy): no callback runs. */
	while (ctl->conns) {
		struct control_conn *c = ctl->conns;

		ctl->conns = c->next;
		if (c->fd >= 0)
			(void)event_loop__del(ctl->vm->loop, c->fd);
		for (unsigned int i = 0; i < ctl->nr_waiters; i++)
			json_object_put(ctl->waiters[i].id);
		ctl->nr_waiters = 0;
		control_conn__free(c);
	}
	if (ctl->listen_fd >= 0) {
		(void)event_loop__del(ctl->vm->loop, ctl->listen_fd);
		close(ctl->listen_fd);
		/* Only our own socket: a new VM of the same name may have replaced it. */
		if (lstat(ctl->path, &st) == 0 && st.st_ino == ctl->ino)
			unlink(ctl->path);
	}
	control_pause__destroy(ctl);
	control_stat__close(ctl);
	ctl->vm->control = NULL;
	free(ctl);
}

static const struct device_ops control_device_ops = { .destroy = control_destroy };

int control__start(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct control *ctl;
	char dir[sizeof(ctl->path)];
	int ret;

	if (cfg->no_control)
		return 0;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->vm = vm;
	ctl->listen_fd = ctl->done_fd = ctl->timer_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &ctl->started);

	if (cfg->control_path) {
		if (strlen(cfg->control_path) >= sizeof(ctl->path)) {
			pr_err("--control-socket %s: longer than a socket path may be (%zu)",
			       cfg->control_path, sizeof(ctl->path) - 1);
			ret = -ENAMETOOLONG;
			goto err_free;
		}
		snprintf(ctl->path, sizeof(ctl->path), "%s", cfg->control_path);
	} else {
		ret = control__path(cfg->name, ctl->path, sizeof(ctl->path));
		if (ret == -EINVAL) {
			pr_err("--name '%s': a VM name is letters, digits, '.', '_' and '-' (at most "
			       "%u, not starting with '.'), as it names the control socket (or use "
			       "--no-control)", cfg->name, CONTROL_NAME_MAX);
			goto err_free;
		}
		if (ret == 0)
			ret = control__dir(dir, sizeof(dir));
		if (ret == 0)
			ret = control__make_dir(dir);
		if (ret < 0) {
			/* The VM is more important than its socket: run on, say so. */
			pr_warn("no control socket for '%s': directory %s: %s (--control-socket "
				"PATH chooses another place)", cfg->name, ret == -ENAMETOOLONG ?
				"(name too long)" : dir, strerror(-ret));
			free(ctl);
			return 0;
		}
	}
	ret = control_pause__init(ctl);
	if (ret < 0)
		goto err_free;
	ret = control_stat__open(ctl);
	if (ret < 0)
		goto err_pause;
	ret = make_socket(ctl);
	if (ret < 0)
		goto err_stat;
	ret = event_loop__add(vm->loop, ctl->listen_fd, EPOLLIN, on_accept, ctl);
	if (ret < 0)
		goto err_sock;

	vm->control = ctl;
	ctl->dev = (struct device){ .name = "control", .ops = &control_device_ops, .priv = ctl };
	device_list__add(&vm->devices, &ctl->dev);
	pr_debug("control socket %s", ctl->path);
	return 0;

err_sock:
	close(ctl->listen_fd);
	unlink(ctl->path);
err_stat:
	control_stat__close(ctl);
err_pause:
	control_pause__destroy(ctl);
err_free:
	free(ctl);
	return ret;
}
