/* SPDX-License-Identifier: GPL-2.0-only */
/* The client side of the control socket (the CLI subcommands and tests). */
#ifndef VMM_CONTROL_CLIENT_H
#define VMM_CONTROL_CLIENT_H

#include <json-c/json.h>

#include "vmm/util.h"

#define CONTROL_CLIENT_TIMEOUT_MS	10000

struct control_client {
	int fd;
	char *buf;
	size_t len, cap;
	int64_t next_id;
	char path[108];
	int peer_uid;		/* who serves the socket (-1: unknown) */
};

/*
 * Connect to the VM @target: a name (DIR/NAME.sock) or a socket path (it
 * holds a '/'). -ENOENT: no such VM; -ECONNREFUSED: its socket is stale;
 * -EPERM: the socket is served by a process of another user than ours or
 * root (cl->peer_uid says whom), which could answer anything: refused, as
 * the VM refuses clients of other users.
 */
int __must_check control_client__open(const char *target, struct control_client *cl);
int __must_check control_client__open_path(const char *path, struct control_client *cl);
void control_client__close(struct control_client *cl);

/* Send a request (@args consumed, may be NULL). */
int __must_check control_client__send(struct control_client *cl, const char *command,
				      json_object *args);
/* Read one reply line: the whole reply object. -ETIMEDOUT, -ECONNRESET (EOF), -EPROTO. */
int __must_check control_client__recv(struct control_client *cl, int timeout_ms,
				      json_object **reply);
/* Both; then *@result is the reply's "result", or *@error its "error" (one is set). */
int __must_check control_client__call(struct control_client *cl, const char *command,
				      json_object *args, int timeout_ms, json_object **reply);

#endif /* VMM_CONTROL_CLIENT_H */
