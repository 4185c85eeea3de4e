/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/control_conn.h"

int control_conn__new(int fd, control_line_fn on_line, void *opaque, struct control_conn **out)
{
	struct control_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->in = malloc(CONTROL_MAX_LINE + 1);
	if (!c->in) {
		free(c);
		return -ENOMEM;
	}
	c->fd = fd;
	c->on_line = on_line;
	c->opaque = opaque;
	*out = c;
	return 0;
}

void control_conn__free(struct control_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void flush_out(struct control_conn *c)
{
	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;	/* EPIPE, ECONNRESET: the client left */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

void control_conn__send(struct control_conn *c, const char *buf, size_t len)
{
	size_t pending;

	if (c->dead)
		return;
	/* Compact before growing: what was written is gone. */
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	pending = c->out_len;
	if (pending + len > CONTROL_OUT_MAX) {
		/* The client does not read its replies: drop it rather than grow. */
		c->dead = true;
		return;
	}
	if (pending + len > c->out_cap) {
		size_t cap = MAX(c->out_cap * 2, pending + len);
		char *p = realloc(c->out, cap);

		if (!p) {
			c->dead = true;
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	flush_out(c);
}

static void send_line(struct control_conn *c, char *line, size_t len)
{
	if (!line) {
		c->dead = true;	/* out of memory: nothing sensible to say */
		return;
	}
	control_conn__send(c, line, len);
	free(line);
}

void control_conn__reply(struct control_conn *c, json_object *id, json_object *result)
{
	size_t len = 0;
	char *line = control_reply__ok(id, result, &len);

	send_line(c, line, len);
}

void control_conn__error(struct control_conn *c, json_object *id, const struct control_error *e)
{
	size_t len = 0;
	char *line = control_reply__err(id, e, &len);

	send_line(c, line, len);
}

void control_conn__errorf(struct control_conn *c, json_object *id, enum control_errc code,
			  const char *fmt, ...)
{
	struct control_error e = { .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	control_conn__error(c, id, &e);
}

/* Handle complete lines in the input buffer while nothing holds them back. */
static void handle_lines(struct control_conn *c)
{
	size_t start = 0;

	while (!c->dead && !c->busy && !c->closing && c->out_len - c->out_off < CONTROL_OUT_HIGH) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		size_t len;

		if (!nl) {
			/* At EOF a last line without its newline still counts. */
			if (!c->eof || start == c->in_len || c->discarding)
				break;
			nl = c->in + c->in_len;
		}
		len = (size_t)(nl - (c->in + start));
		if (c->discarding) {
			c->discarding = false;	/* the end of the oversized line */
		} else if (len && !(len == 1 && c->in[start] == '\r')) {
			c->requests++;
			c->on_line(c, c->in + start, len, c->opaque);
		}
		start += len + (nl < c->in + c->in_len ? 1 : 0);
	}
	if (start) {
		memmove(c->in, c->in + start, c->in_len - start);
		c->in_len -= start;
	}
	/* A full buffer without a newline: the line is too long. */
	if (!c->dead && c->in_len > CONTROL_MAX_LINE && !memchr(c->in, '\n', c->in_len)) {
		control_conn__errorf(c, NULL, CTL_E_TOO_LONG, "request line longer than %u bytes: "
				     "skipped", CONTROL_MAX_LINE);
		c->in_len = 0;
		c->discarding = true;
	}
}

/* While discarding, drop everything up to and including the next newline. */
static void discard(struct control_conn *c)
{
	char *nl;

	if (!c->discarding)
		return;
	nl = memchr(c->in, '\n', c->in_len);
	if (!nl) {
		c->in_len = 0;
		return;
	}
	c->discarding = false;
	c->in_len -= (size_t)(nl + 1 - c->in);
	memmove(c->in, nl + 1, c->in_len);
}

static void read_in(struct control_conn *c)
{
	while (!c->dead && !c->eof && c->in_len <= CONTROL_MAX_LINE) {
		ssize_t n = recv(c->fd, c->in + c->in_len, CONTROL_MAX_LINE + 1 - c->in_len,
				 MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;
			return;
		}
		if (n == 0) {
			c->eof = true;
			return;
		}
		c->in_len += (size_t)n;
		discard(c);
		handle_lines(c);
		if (c->busy || c->closing || c->out_len - c->out_off >= CONTROL_OUT_HIGH)
			return;	/* the rest waits in the kernel's buffer */
	}
}

bool control_conn__finished(const struct control_conn *c)
{
	if (c->dead)
		return true;
	if (c->out_len > c->out_off || c->busy)
		return false;
	if (c->closing)
		return true;
	/* EOF: finished once every buffered request is answered. */
	return c->eof && (c->in_len == 0 || c->discarding);
}

bool control_conn__io(struct control_conn *c)
{
	flush_out(c);
	handle_lines(c);
	read_in(c);
	handle_lines(c);
	flush_out(c);
	return control_conn__finished(c);
}
