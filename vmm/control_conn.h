/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One client of the control socket: bounded input and output buffers on a
 * non-blocking socket, split into lines. Runs on the event loop thread only.
 *
 * A client can never make imsvm block or grow without bound: a line longer
 * than CONTROL_MAX_LINE is answered with "line-too-long" and skipped; input
 * is not parsed while a reply is pending (requests are answered in order) or
 * while more than CONTROL_OUT_HIGH bytes of replies wait for the client to
 * read them; a client whose backlog passes CONTROL_OUT_MAX is dropped.
 */
#ifndef VMM_CONTROL_CONN_H
#define VMM_CONTROL_CONN_H

#include <sys/types.h>

#include "vmm/control_proto.h"

#define CONTROL_OUT_HIGH	(256 * 1024)
#define CONTROL_OUT_MAX		(8 * 1024 * 1024)

struct control_conn;

/* Called for each complete request line (newline stripped). */
typedef void (*control_line_fn)(struct control_conn *c, const char *line, size_t len,
				void *opaque);

struct control_conn {
	int fd;
	uid_t uid;		/* the peer's (SO_PEERCRED) */
	pid_t pid;
	control_line_fn on_line;
	void *opaque;
	char *in;		/* CONTROL_MAX_LINE + 1 bytes */
	size_t in_len;
	char *out;
	size_t out_len, out_cap, out_off;
	bool discarding;	/* skipping the rest of an oversized line */
	bool busy;		/* a reply is pending (asynchronous command) */
	bool eof;		/* the peer will send nothing more */
	bool closing;		/* close once the output is flushed */
	bool dead;		/* the socket is unusable: free it */
	u64 requests;		/* lines handled */
	struct control_conn *next;
};

int __must_check control_conn__new(int fd, control_line_fn on_line, void *opaque,
				   struct control_conn **out);
/* Closes the fd. */
void control_conn__free(struct control_conn *c);

/*
 * The socket is readable or writable (or the owner wants buffered lines
 * handled after a pending reply went out): read, handle lines, write.
 * Returns true when the connection is finished and should be freed.
 */
bool control_conn__io(struct control_conn *c);

/* Queue bytes for the client and try to write them. */
void control_conn__send(struct control_conn *c, const char *buf, size_t len);
/* Reply lines (control_reply__*); @result is consumed. */
void control_conn__reply(struct control_conn *c, json_object *id, json_object *result);
void control_conn__error(struct control_conn *c, json_object *id, const struct control_error *e);
void __printf(4, 5) control_conn__errorf(struct control_conn *c, json_object *id,
					 enum control_errc code, const char *fmt, ...);

/* True when the connection has nothing left to do. */
bool control_conn__finished(const struct control_conn *c);

#endif /* VMM_CONTROL_CONN_H */
