/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/control.h"
#include "vmm/control_client.h"
#include "vmm/control_proto.h"

#define CLIENT_MAX_REPLY	(64 * 1024 * 1024)

int control_client__open_path(const char *path, struct control_client *cl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	struct ucred cred;
	socklen_t clen = sizeof(cred);

	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->peer_uid = -1;
	cl->next_id = 1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(cl->path, sizeof(cl->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	/*
	 * Another user may have put a socket where we look (a path given on
	 * the command line, a directory others can write): what it says is
	 * not the VM's word. Only our own processes and root are believed.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	cl->peer_uid = (int)cred.uid;
	if (cred.uid != geteuid() && cred.uid != 0) {
		close(fd);
		return -EPERM;
	}
	cl->fd = fd;
	return 0;
}

int control_client__open(const char *target, struct control_client *cl)
{
	char path[108];
	int ret;

	if (strchr(target, '/'))
		return control_client__open_path(target, cl);
	ret = control__path(target, path, sizeof(path));
	if (ret < 0) {
		memset(cl, 0, sizeof(*cl));
		cl->fd = -1;
		cl->peer_uid = -1;
		return ret == -EINVAL ? -ENOENT : ret;
	}
	return control_client__open_path(path, cl);
}

void control_client__close(struct control_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	free(cl->buf);
	cl->buf = NULL;
	cl->len = cl->cap = 0;
}

int control_client__send(struct control_client *cl, const char *command, json_object *args)
{
	json_object *req = json_object_new_object();
	const char *s;
	size_t len, off = 0;
	int ret = 0;

	if (!req) {
		json_object_put(args);
		return -ENOMEM;
	}
	json_object_object_add(req, "id", json_object_new_int64(cl->next_id++));
	json_object_object_add(req, "protocol", json_object_new_int(CONTROL_PROTOCOL));
	json_object_object_add(req, "command", json_object_new_string(command));
	if (args)
		json_object_object_add(req, "arguments", args);
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	len = strlen(s);
	while (off <= len) {
		/* The newline goes with the last chunk. */
		const char *p = off < len ? s + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		off += (size_t)w;
		if (off == len + 1)
			break;
	}
	json_object_put(req);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int control_client__recv(struct control_client *cl, int timeout_ms, json_object **reply)
{
	long long deadline = now_ms() + timeout_ms;

	*reply = NULL;
	for (;;) {
		char *nl = cl->buf ? memchr(cl->buf, '\n', cl->len) : NULL;
		struct pollfd pfd = { .fd = cl->fd, .events = POLLIN };
		long long left;
		ssize_t n;

		if (nl) {
			size_t llen = (size_t)(nl - cl->buf);
			json_object *obj;

			*nl = '\0';
			obj = json_tokener_parse(cl->buf);
			cl->len -= llen + 1;
			memmove(cl->buf, nl + 1, cl->len);
			if (!obj || !json_object_is_type(obj, json_type_object)) {
				json_object_put(obj);
				return -EPROTO;
			}
			*reply = obj;
			return 0;
		}
		if (cl->len + 4096 > cl->cap) {
			size_t cap = MAX(cl->cap * 2, (size_t)65536);
			char *p;

			if (cap > CLIENT_MAX_REPLY)
				return -EMSGSIZE;
			p = realloc(cl->buf, cap);
			if (!p)
				return -ENOMEM;
			cl->buf = p;
			cl->cap = cap;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)MIN(left, 1000000LL));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		n = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len - 1, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		cl->len += (size_t)n;
	}
}

int control_client__call(struct control_client *cl, const char *command, json_object *args,
			 int timeout_ms, json_object **reply)
{
	int ret = control_client__send(cl, command, args);

	if (ret < 0)
		return ret;
	return control_client__recv(cl, timeout_ms, reply);
}
