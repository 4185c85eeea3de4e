/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: vfio-user framing (fds, sizes, EOF) and VERSION capabilities. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/vfio-user/msg.h"
#include "devices/vfio-user/version.h"

static void pair(int sv[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

Test(vfu_msg, round_trip_with_fds)
{
	struct vfu_msg m;
	int sv[2], fds[3], i;
	u_int64_t v = 0;

	pair(sv);
	for (i = 0; i < 3; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(vfu_msg__send(sv[0], 42, VFIO_USER_DEVICE_SET_IRQS, 0, 0, "abcd", 4, "ef", 3,
				   fds, 3), 0);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), 0);
	cr_assert_eq(m.err, 0);
	cr_assert_eq(m.hdr.msg_id, 42);
	cr_assert_eq(m.hdr.cmd, VFIO_USER_DEVICE_SET_IRQS);
	cr_assert_eq(m.hdr.msg_size, 16 + 7);
	cr_assert_eq(m.len, 7);
	cr_assert_eq(memcmp(m.payload, "abcdef", 7), 0);
	cr_assert_eq(m.nfds, 3);
	/* The received fd is the same eventfd. */
	v = 5;
	cr_assert_eq(write(fds[1], &v, 8), 8);
	cr_assert_eq(read(m.fds[1], &v, 8), 8);
	cr_assert_eq(v, 5);
	cr_assert_geq(vfu_msg__take_fd(&m, 0), 0);
	cr_assert_eq(m.fds[0], -1);
	cr_assert_eq(vfu_msg__take_fd(&m, 3), -1);
	vfu_msg__release(&m);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	close(sv[0]);
	close(sv[1]);
}

/* fds that arrive when this process has no slot left: EMFILE, not the peer's error. */
Test(vfu_msg, fds_without_a_free_slot_say_emfile)
{
	struct rlimit rl;
	struct vfu_msg m;
	int sv[2], fds[2], fill[64], n = 0;

	pair(sv);
	fds[0] = eventfd(0, EFD_CLOEXEC);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(vfu_msg__send(sv[0], 1, VFIO_USER_DEVICE_SET_IRQS, 0, 0, "abcd", 4, NULL, 0,
				   fds, 2), 0);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 64;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < 64 && (fill[n] = dup(sv[0])) >= 0)
		n++;
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), 0);
	cr_assert_eq(m.err, EMFILE);
	cr_assert_eq(m.nfds, 0);
	vfu_msg__release(&m);
	while (n--)
		close(fill[n]);
	close(fds[0]);
	close(fds[1]);
	close(sv[0]);
	close(sv[1]);
}

Test(vfu_msg, error_reply_and_no_reply)
{
	struct vfio_user_header req = { .msg_id = 7, .cmd = VFIO_USER_DMA_MAP };
	struct vfu_msg m;
	int sv[2];

	pair(sv);
	cr_assert_eq(vfu_msg__reply_error(sv[0], &req, ENOENT), 0);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), 0);
	cr_assert(vfu_msg__is_reply(&m.hdr));
	cr_assert(vfu_msg__is_error(&m.hdr));
	cr_assert_eq(m.hdr.error_no, ENOENT);
	cr_assert_eq(m.hdr.msg_id, 7);
	cr_assert_eq(m.len, 0);
	vfu_msg__release(&m);
	req.flags = VFIO_USER_F_NO_REPLY;
	cr_assert_eq(vfu_msg__reply_error(sv[0], &req, EINVAL), 0);
	cr_assert_eq(vfu_msg__reply(sv[0], &req, "x", 1, NULL, 0, NULL, 0), 0);
	close(sv[0]);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), -ECONNRESET, "No_reply sent something");
	close(sv[1]);
}

Test(vfu_msg, oversized_body_is_drained)
{
	struct vfio_user_header *h;
	size_t big = (2u << 20) + 16;
	struct vfu_msg m;
	char *buf;
	int sv[2];

	pair(sv);
	buf = calloc(1, big);
	h = (void *)buf;
	*h = (struct vfio_user_header){ .msg_id = 1, .cmd = 10, .msg_size = (uint32_t)big };
	/* Writer in a child so the socket buffer cannot deadlock us. */
	if (fork() == 0) {
		close(sv[1]);
		if (send(sv[0], buf, big, 0) != (ssize_t)big ||
		    vfu_msg__send(sv[0], 2, 4, 0, 0, "next", 4, NULL, 0, NULL, 0))
			_exit(1);
		_exit(0);
	}
	close(sv[0]);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), 0);
	cr_assert_eq(m.err, EMSGSIZE);
	cr_assert_null(m.payload);
	vfu_msg__release(&m);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), 0, "stream out of step after the drain");
	cr_assert_eq(m.hdr.msg_id, 2);
	cr_assert_eq(memcmp(m.payload, "next", 4), 0);
	vfu_msg__release(&m);
	free(buf);
	close(sv[1]);
}

Test(vfu_msg, broken_framing)
{
	struct vfio_user_header h = { .msg_id = 1, .cmd = 4, .msg_size = 8 };
	struct vfu_msg m;
	int sv[2];

	pair(sv);
	cr_assert_eq(send(sv[0], &h, sizeof(h), 0), (ssize_t)sizeof(h));
	cr_assert_eq(vfu_msg__recv(sv[1], &m), -EPROTO, "msg_size below the header");
	close(sv[0]);
	close(sv[1]);

	pair(sv);
	h.msg_size = 100;			/* body cut short by EOF */
	cr_assert_eq(send(sv[0], &h, sizeof(h), 0), (ssize_t)sizeof(h));
	cr_assert_eq(send(sv[0], "abc", 3, 0), 3);
	close(sv[0]);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), -EPROTO);
	close(sv[1]);

	pair(sv);
	cr_assert_eq(send(sv[0], &h, 5, 0), 5);	/* torn header */
	close(sv[0]);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), -EPROTO);
	close(sv[1]);

	pair(sv);
	close(sv[0]);
	cr_assert_eq(vfu_msg__recv(sv[1], &m), -ECONNRESET, "clean EOF");
	close(sv[1]);
}

Test(vfu_msg, command_names)
{
	cr_assert_str_eq(vfu_msg__cmd_name(VFIO_USER_DMA_MAP), "DMA_MAP");
	cr_assert_str_eq(vfu_msg__cmd_name(14), "unknown");
	cr_assert_str_eq(vfu_msg__cmd_name(999), "unknown");
}

Test(vfu_caps, defaults_and_round_trip)
{
	struct vfu_caps a, b;
	char *json;

	vfu_caps__defaults(&a);
	cr_assert_eq(a.max_msg_fds, 1);
	cr_assert_eq(a.max_data_xfer_size, 1u << 20);
	cr_assert_eq(vfu_caps__parse("", 0, &b), 0);
	cr_assert_eq(b.max_msg_fds, 1);
	a.max_msg_fds = 8;
	a.max_data_xfer_size = 4096;
	a.twin_socket = true;
	a.twin_fd_index = 0;
	json = vfu_caps__to_json(&a, true);
	cr_assert_not_null(json);
	cr_assert_eq(vfu_caps__parse(json, strlen(json) + 1, &b), 0, "%s", json);
	cr_assert_eq(b.max_msg_fds, 8);
	cr_assert_eq(b.max_data_xfer_size, 4096);
	cr_assert(b.twin_socket);
	cr_assert_eq(b.twin_fd_index, 0);
	free(json);
}

Test(vfu_caps, what_servers_send)
{
	/* libvfio-user's reply, with its "migration" object we do not use. */
	static const char lib[] = "{ \"capabilities\": { \"max_msg_fds\": 8, "
		"\"max_data_xfer_size\": 1048576, \"migration\": { \"pgsize\": 4096 } } }";
	struct vfu_caps c;

	cr_assert_eq(vfu_caps__parse(lib, sizeof(lib), &c), 0);
	cr_assert_eq(c.max_msg_fds, 8);
	cr_assert_eq(c.max_data_xfer_size, 1048576);
	cr_assert_eq(vfu_caps__parse("{}", 3, &c), 0);
}

Test(vfu_caps, malformed_rejected)
{
	static const char *const bad[] = {
		"{\"capabilities\":",
		"[1,2]",
		"{\"capabilities\": {\"max_msg_fds\": -1}}",
		"{\"capabilities\": {\"max_msg_fds\": 5000}}",
		"{\"capabilities\": {\"max_msg_fds\": \"8\"}}",
		"{\"capabilities\": {\"max_data_xfer_size\": 0}}",
		"{\"capabilities\": {\"twin_socket\": true}}",
		"{\"capabilities\": 3}",
		"{} trailing",
	};
	struct vfu_caps c;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vfu_caps__parse(bad[i], strlen(bad[i]) + 1, &c), -EINVAL, "%s", bad[i]);
	/* Not NUL-terminated inside the payload. */
	cr_assert_eq(vfu_caps__parse("{}", 2, &c), -EINVAL);
}
