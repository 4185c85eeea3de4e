/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One control client's buffering over a socketpair: lines split and joined
 * across reads, oversized lines refused and skipped, requests held while a
 * reply is pending, EOF, a peer that never reads.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/control_conn.h"

static int peer;
static struct control_conn *conn;
static char seen[16][64];
static int nseen;
static bool go_busy;

static void on_line(struct control_conn *c, const char *line, size_t len, void *opaque)
{
	if (nseen < 16)
		snprintf(seen[nseen], sizeof(seen[0]), "%.*s", (int)MIN(len, (size_t)63), line);
	nseen++;
	if (go_busy)
		c->busy = true;
	else
		control_conn__send(c, "ok\n", 3);
}

static void setup(void)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	peer = sv[1];
	cr_assert_eq(control_conn__new(sv[0], on_line, NULL, &conn), 0);
	nseen = 0;
	go_busy = false;
}

static void teardown(void)
{
	control_conn__free(conn);
	close(peer);
}

TestSuite(control_conn, .init = setup, .fini = teardown);

static void put(const char *s)
{
	cr_assert_eq(write(peer, s, strlen(s)), (ssize_t)strlen(s));
}

/* What the connection sent back so far. */
static size_t got(char *buf, size_t len)
{
	ssize_t n = read(peer, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

Test(control_conn, lines_split_and_joined)
{
	char buf[64];

	put("{\"a\":1}\n{\"b\"");
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 1);
	put(":2}\n\n\r\n{\"c\":3}\r\n");
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 3, "empty lines are not requests");
	cr_expect_str_eq(seen[0], "{\"a\":1}");
	cr_expect_str_eq(seen[1], "{\"b\":2}");
	cr_expect_str_eq(seen[2], "{\"c\":3}\r");
	got(buf, sizeof(buf));
	cr_expect_str_eq(buf, "ok\nok\nok\n");
}

Test(control_conn, oversized_line_is_refused_then_skipped)
{
	size_t n = CONTROL_MAX_LINE + 5000;
	char *big = malloc(n), buf[512];

	memset(big, 'x', n);
	/* In pieces: the socket buffer is smaller than the line. */
	for (size_t off = 0; off < n;) {
		ssize_t w = write(peer, big + off, MIN(n - off, (size_t)16384));

		if (w > 0)
			off += (size_t)w;
		cr_expect(!control_conn__io(conn));
	}
	put("tail of it\n{\"next\":1}\n");
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 1, "the oversized line never reached the handler");
	cr_expect_str_eq(seen[0], "{\"next\":1}");
	got(buf, sizeof(buf));
	cr_expect(strstr(buf, "\"line-too-long\""), "%s", buf);
	cr_expect(strstr(buf, "ok\n"), "the next request is answered: %s", buf);
	free(big);
}

Test(control_conn, held_while_busy)
{
	go_busy = true;
	put("one\ntwo\nthree\n");
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 1, "nothing else is handled while a reply is pending");
	go_busy = false;
	conn->busy = false;
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 3);
	cr_expect_str_eq(seen[2], "three");
}

Test(control_conn, eof_answers_the_last_line)
{
	char buf[64];

	put("first\nlast-without-newline");
	shutdown(peer, SHUT_WR);
	cr_expect(control_conn__io(conn), "finished once everything is answered");
	cr_expect_eq(nseen, 2);
	cr_expect_str_eq(seen[1], "last-without-newline");
	got(buf, sizeof(buf));
	cr_expect_str_eq(buf, "ok\nok\n");
}

Test(control_conn, eof_while_busy_waits)
{
	go_busy = true;
	put("x\n");
	shutdown(peer, SHUT_WR);
	cr_expect(!control_conn__io(conn), "a pending reply keeps it");
	conn->busy = false;
	control_conn__send(conn, "late\n", 5);
	cr_expect(control_conn__io(conn));
}

Test(control_conn, peer_gone)
{
	close(peer);
	peer = -1;
	control_conn__send(conn, "x\n", 2);
	cr_expect(control_conn__io(conn));
	cr_expect(conn->dead);
}

Test(control_conn, peer_that_never_reads_is_dropped)
{
	static char chunk[64 * 1024];
	int i;

	memset(chunk, 'r', sizeof(chunk));
	for (i = 0; i < 1000 && !conn->dead; i++)
		control_conn__send(conn, chunk, sizeof(chunk));
	cr_expect(conn->dead, "dropped after %d chunks", i);
	cr_expect_leq((size_t)i * sizeof(chunk), (size_t)CONTROL_OUT_MAX + 2 * 1024 * 1024,
		      "the backlog stayed bounded");
}

Test(control_conn, backlog_holds_requests)
{
	static char chunk[CONTROL_OUT_HIGH + 1];
	char buf[4096];

	memset(chunk, 'r', sizeof(chunk));
	/* Fill the socket and our backlog past the high mark. */
	for (int i = 0; i < 8; i++)
		control_conn__send(conn, chunk, sizeof(chunk));
	cr_assert(!conn->dead);
	put("held\n");
	cr_expect(!control_conn__io(conn));
	cr_expect_eq(nseen, 0, "a client that does not read gets no more work done");
	while (got(buf, sizeof(buf)) > 0 || conn->out_len > conn->out_off)
		control_conn__io(conn);
	cr_expect_eq(nseen, 1);
}

Test(control_conn, errorf_reply)
{
	char buf[512];

	control_conn__errorf(conn, NULL, CTL_E_BUSY, "n=%d", 3);
	got(buf, sizeof(buf));
	cr_expect(strstr(buf, "\"code\":\"busy\""), "%s", buf);
	cr_expect(strstr(buf, "\"message\":\"n=3\""), "%s", buf);
}
