/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/control_proto.h"

static const char *const errc_names[CTL_NR_ERRC] = {
	[CTL_E_PARSE] = "parse-error",
	[CTL_E_REQUEST] = "invalid-request",
	[CTL_E_UNKNOWN] = "unknown-command",
	[CTL_E_ARGUMENT] = "invalid-argument",
	[CTL_E_TOO_LONG] = "line-too-long",
	[CTL_E_VERSION] = "unsupported-protocol",
	[CTL_E_STOPPING] = "vm-stopping",
	[CTL_E_NOT_FOUND] = "not-found",
	[CTL_E_BUSY] = "busy",
	[CTL_E_STATE] = "invalid-state",
	[CTL_E_TIMEOUT] = "timeout",
	[CTL_E_UNSUPPORTED] = "unsupported",
	[CTL_E_FAILED] = "failed",
	[CTL_E_PERMISSION] = "permission-denied",
};

const char *control_errc__name(enum control_errc code)
{
	if ((unsigned int)code >= CTL_NR_ERRC)
		return "failed";
	return errc_names[code];
}

void control_error__set(struct control_error *err, enum control_errc code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Command names: short, lower case letters and dashes (so messages can quote them). */
static bool valid_command(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static json_object *parse_json(const char *line, size_t len, struct control_error *err)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len > CONTROL_MAX_LINE) {
		control_error__set(err, CTL_E_TOO_LONG, "request longer than %u bytes",
				   CONTROL_MAX_LINE);
		return NULL;
	}
	if (memchr(line, '\0', len)) {
		control_error__set(err, CTL_E_PARSE, "NUL byte in the request");
		return NULL;
	}
	tok = json_tokener_new_ex(CONTROL_MAX_DEPTH);
	if (!tok) {
		control_error__set(err, CTL_E_FAILED, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!obj && jerr == json_tokener_continue) {
		/* A bare number is only complete once something follows it. */
		obj = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (!obj && jerr == json_tokener_continue) {
		control_error__set(err, CTL_E_PARSE, "incomplete JSON");
		return NULL;
	}
	if (!obj && jerr == json_tokener_success) {
		/* The literal null: valid JSON, not a request. */
		control_error__set(err, CTL_E_REQUEST, "a request is a JSON object");
		return NULL;
	}
	if (!obj) {
		control_error__set(err, CTL_E_PARSE, "malformed JSON at byte %zu: %s", end,
				   json_tokener_error_desc(jerr));
		return NULL;
	}
	while (end < len && is_space(line[end]))
		end++;
	if (end != len) {
		json_object_put(obj);
		control_error__set(err, CTL_E_PARSE, "more than one JSON value on the line "
				   "(byte %zu)", end);
		return NULL;
	}
	return obj;
}

int control_req__parse(const char *line, size_t len, struct control_req *req,
		       struct control_error *err)
{
	json_object *root, *v;
	int ret = -EINVAL;

	memset(req, 0, sizeof(*req));
	root = parse_json(line, len, err);
	if (!root)
		return -EINVAL;
	req->root = root;
	if (!json_object_is_type(root, json_type_object)) {
		control_error__set(err, CTL_E_REQUEST, "a request is a JSON object, not %s",
				   json_type_to_name(json_object_get_type(root)));
		return ret;
	}
	if (json_object_object_get_ex(root, "id", &v)) {
		if (v && (json_object_is_type(v, json_type_object) ||
			  json_object_is_type(v, json_type_array))) {
			control_error__set(err, CTL_E_REQUEST, "\"id\" must be a number, a "
					   "string or null");
			return ret;
		}
		req->id = v;
	}
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "id") && strcmp(key, "command") && strcmp(key, "arguments") &&
		    strcmp(key, "protocol")) {
			control_error__set(err, CTL_E_REQUEST, "unknown member \"%.64s\"", key);
			return ret;
		}
	}
	if (json_object_object_get_ex(root, "protocol", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1) {
			control_error__set(err, CTL_E_REQUEST, "\"protocol\" must be a positive "
					   "integer");
			return ret;
		}
		if (json_object_get_int64(v) > CONTROL_PROTOCOL) {
			control_error__set(err, CTL_E_VERSION, "protocol %lld requested; this "
					   "imsvm speaks protocol %d",
					   (long long)json_object_get_int64(v), CONTROL_PROTOCOL);
			return ret;
		}
	}
	if (!json_object_object_get_ex(root, "command", &v) || !v) {
		control_error__set(err, CTL_E_REQUEST, "no \"command\"");
		return ret;
	}
	if (!json_object_is_type(v, json_type_string)) {
		control_error__set(err, CTL_E_REQUEST, "\"command\" must be a string");
		return ret;
	}
	req->command = json_object_get_string(v);
	if (!valid_command(req->command)) {
		control_error__set(err, CTL_E_UNKNOWN, "unknown command \"%.40s\"", req->command);
		return ret;
	}
	if (json_object_object_get_ex(root, "arguments", &v) && v) {
		if (!json_object_is_type(v, json_type_object)) {
			control_error__set(err, CTL_E_REQUEST, "\"arguments\" must be an object");
			return ret;
		}
		req->args = v;
	} else {
		req->args = json_object_new_object();
		if (!req->args) {
			control_error__set(err, CTL_E_FAILED, "out of memory");
			return -ENOMEM;
		}
		/* Owned by root from here on. */
		json_object_object_add(root, "arguments", req->args);
	}
	return 0;
}

void control_req__free(struct control_req *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

static char *finish(json_object *reply, size_t *len)
{
	const char *s;
	char *line = NULL;
	size_t n;

	s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		n = strlen(s);
		line = malloc(n + 2);
		if (line) {
			memcpy(line, s, n);
			line[n] = '\n';
			line[n + 1] = '\0';
			*len = n + 1;
		}
	}
	json_object_put(reply);
	return line;
}

static json_object *reply_head(json_object *id)
{
	json_object *r = json_object_new_object();

	if (!r)
		return NULL;
	json_object_object_add(r, "id", json_object_get(id));
	json_object_object_add(r, "protocol", json_object_new_int(CONTROL_PROTOCOL));
	return r;
}

char *control_reply__ok(json_object *id, json_object *result, size_t *len)
{
	json_object *r = reply_head(id);

	if (!result)
		result = json_object_new_object();
	if (!r || !result) {
		json_object_put(r);
		json_object_put(result);
		return NULL;
	}
	json_object_object_add(r, "result", result);
	return finish(r, len);
}

char *control_reply__err(json_object *id, const struct control_error *err, size_t *len)
{
	json_object *r = reply_head(id), *e = json_object_new_object();

	if (!r || !e) {
		json_object_put(r);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_string(control_errc__name(err->code)));
	json_object_object_add(e, "message", json_object_new_string(err->message));
	json_object_object_add(r, "error", e);
	return finish(r, len);
}

/* ---- arguments ---- */

static json_object *arg_get(json_object *args, const char *name)
{
	json_object *v = NULL;

	if (!args || !json_object_object_get_ex(args, name, &v))
		return NULL;
	return v;	/* NULL also for an explicit null: "absent" */
}

int control_arg__u64(json_object *args, const char *name, bool required, u64 max, u64 *out,
		     struct control_error *err)
{
	json_object *v = arg_get(args, name);
	int64_t n;

	if (!v) {
		if (!required)
			return 0;
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\" is required", name);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\" must be an integer",
				   name);
		return -EINVAL;
	}
	n = json_object_get_int64(v);
	if (n < 0 || (u64)n > max) {
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\": %lld is out of range "
				   "0..%llu", name, (long long)n, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (u64)n;
	return 0;
}

int control_arg__bool(json_object *args, const char *name, bool *out, struct control_error *err)
{
	json_object *v = arg_get(args, name);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\" must be true or false",
				   name);
		return -EINVAL;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

int control_arg__string(json_object *args, const char *name, bool required, const char **out,
			struct control_error *err)
{
	json_object *v = arg_get(args, name);

	if (!v) {
		if (!required)
			return 0;
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\" is required", name);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
		control_error__set(err, CTL_E_ARGUMENT, "argument \"%s\" must be a non-empty "
				   "string", name);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

int control_arg__only(json_object *args, const char *const *allowed, struct control_error *err)
{
	json_object_object_foreach(args, key, val) {
		size_t i;

		(void)val;
		for (i = 0; allowed && allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (!allowed || !allowed[i]) {
			control_error__set(err, CTL_E_ARGUMENT, "unknown argument \"%.64s\"", key);
			return -EINVAL;
		}
	}
	return 0;
}
