/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol (docs/control-api.md): one JSON object per line.
 *
 *   request  {"id": ID, "command": "NAME", "arguments": {...}, "protocol": 1}
 *   reply    {"id": ID, "protocol": 1, "result": {...}}
 *   error    {"id": ID, "protocol": 1, "error": {"code": "CODE", "message": "..."}}
 *
 * ID is whatever scalar the client sent (number, string or null) and is
 * echoed back; "arguments" and "protocol" are optional. This file parses
 * requests and builds replies and is free of sockets and of the VM, so the
 * unit tests drive every error path with plain strings.
 */
#ifndef VMM_CONTROL_PROTO_H
#define VMM_CONTROL_PROTO_H

#include <json-c/json.h>

#include "vmm/util.h"

#define CONTROL_PROTOCOL	1		/* bumped on incompatible changes */
#define CONTROL_MAX_LINE	(64 * 1024)	/* a longer request is refused */
#define CONTROL_MAX_DEPTH	16		/* JSON nesting a request may have */

/* Error codes, as the "code" string of an error reply. */
enum control_errc {
	CTL_E_PARSE,		/* "parse-error": not JSON */
	CTL_E_REQUEST,		/* "invalid-request": JSON, but not a request */
	CTL_E_UNKNOWN,		/* "unknown-command" */
	CTL_E_ARGUMENT,		/* "invalid-argument": missing, unknown, wrong type or value */
	CTL_E_TOO_LONG,		/* "line-too-long": over CONTROL_MAX_LINE bytes */
	CTL_E_VERSION,		/* "unsupported-protocol" */
	CTL_E_STOPPING,		/* "vm-stopping": the VM is shutting down */
	CTL_E_NOT_FOUND,	/* "not-found": no such device */
	CTL_E_BUSY,		/* "busy": too many clients or an operation in progress */
	CTL_E_STATE,		/* "invalid-state": e.g. resume of a running VM */
	CTL_E_TIMEOUT,		/* "timeout" */
	CTL_E_UNSUPPORTED,	/* "unsupported": not available on this VM or host */
	CTL_E_FAILED,		/* "failed": the operation was tried and failed */
	CTL_E_PERMISSION,	/* "permission-denied": peer of another user */
	CTL_NR_ERRC
};

const char *control_errc__name(enum control_errc code);

struct control_error {
	enum control_errc code;
	char message[256];
};

void __printf(3, 4) control_error__set(struct control_error *err, enum control_errc code,
				       const char *fmt, ...);

struct control_req {
	json_object *root;	/* owns everything below */
	json_object *id;	/* NULL when absent (replies then carry "id": null) */
	const char *command;
	json_object *args;	/* an object; empty when absent */
};

/*
 * Parse one request line (without its newline). On error fills @err and
 * returns -EINVAL; req->id is still set when the line was an object with a
 * usable id, so the error reply carries it.
 */
int __must_check control_req__parse(const char *line, size_t len, struct control_req *req,
				    struct control_error *err);
void control_req__free(struct control_req *req);

/*
 * Reply lines, newline included, malloc'd (NULL when out of memory). @id is
 * borrowed; @result is consumed (NULL: an empty object).
 */
char *control_reply__ok(json_object *id, json_object *result, size_t *len);
char *control_reply__err(json_object *id, const struct control_error *err, size_t *len);

/*
 * Arguments. Each refuses a wrong type with CTL_E_ARGUMENT naming the
 * argument; an absent optional argument leaves *out at its default.
 */
int __must_check control_arg__u64(json_object *args, const char *name, bool required,
				  u64 max, u64 *out, struct control_error *err);
int __must_check control_arg__bool(json_object *args, const char *name, bool *out,
				   struct control_error *err);
int __must_check control_arg__string(json_object *args, const char *name, bool required,
				     const char **out, struct control_error *err);
/* Refuse an argument not in the NULL-terminated @allowed list. */
int __must_check control_arg__only(json_object *args, const char *const *allowed,
				   struct control_error *err);

#endif /* VMM_CONTROL_PROTO_H */
