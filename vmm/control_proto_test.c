/* SPDX-License-Identifier: GPL-2.0-only */
/* The control protocol: request parsing, every refusal, reply lines, arguments. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/control_proto.h"

static struct control_req req;
static struct control_error err;

static int parse(const char *s)
{
	control_req__free(&req);
	memset(&err, 0, sizeof(err));
	return control_req__parse(s, strlen(s), &req, &err);
}

static void expect_err(const char *line, enum control_errc code)
{
	cr_expect_eq(parse(line), -EINVAL, "accepted: %s", line);
	cr_expect_eq(err.code, code, "%s: code %s, not %s (%s)", line,
		     control_errc__name(err.code), control_errc__name(code), err.message);
	cr_expect(err.message[0], "%s: empty message", line);
}

static void fini(void)
{
	control_req__free(&req);
}

TestSuite(control_proto, .fini = fini);

Test(control_proto, full_request)
{
	cr_assert_eq(parse("{\"id\": 7, \"command\": \"stat\", \"arguments\": {\"a\": 1}, "
			   "\"protocol\": 1}"), 0, "%s", err.message);
	cr_expect_str_eq(req.command, "stat");
	cr_expect_eq(json_object_get_int(req.id), 7);
	cr_expect(json_object_is_type(req.args, json_type_object));
	cr_expect_eq(json_object_object_length(req.args), 1);
}

Test(control_proto, minimal_request)
{
	cr_assert_eq(parse("{\"command\":\"info\"}"), 0, "%s", err.message);
	cr_expect_null(req.id);
	cr_expect_not_null(req.args, "absent arguments read as an empty object");
	cr_expect_eq(json_object_object_length(req.args), 0);
	/* Surrounding white space and a CR (CRLF line ends) are fine. */
	cr_expect_eq(parse("  {\"command\":\"info\",\"id\":\"abc\"}\r"), 0, "%s", err.message);
	cr_expect_str_eq(json_object_get_string(req.id), "abc");
	cr_expect_eq(parse("{\"command\":\"info\",\"id\":null,\"arguments\":null}"), 0);
}

Test(control_proto, malformed_json)
{
	expect_err("{", CTL_E_PARSE);
	expect_err("{\"command\":}", CTL_E_PARSE);
	expect_err("garbage", CTL_E_PARSE);
	expect_err("{\"command\":\"info\"} {}", CTL_E_PARSE);
	expect_err("{\"command\":\"info\"}x", CTL_E_PARSE);
	expect_err("{'command':'info'}", CTL_E_PARSE);
	expect_err("{\"command\":\"info\",}", CTL_E_PARSE);
	expect_err("", CTL_E_PARSE);
}

Test(control_proto, nul_byte)
{
	const char line[] = "{\"command\":\"info\"}\0{}";

	cr_expect_eq(control_req__parse(line, sizeof(line) - 1, &req, &err), -EINVAL);
	cr_expect_eq(err.code, CTL_E_PARSE);
}

Test(control_proto, not_an_object)
{
	expect_err("[]", CTL_E_REQUEST);
	expect_err("123", CTL_E_REQUEST);
	expect_err("null", CTL_E_REQUEST);
	expect_err("\"info\"", CTL_E_REQUEST);
	expect_err("true", CTL_E_REQUEST);
}

Test(control_proto, bad_members)
{
	expect_err("{\"id\":{},\"command\":\"info\"}", CTL_E_REQUEST);
	expect_err("{\"id\":[1],\"command\":\"info\"}", CTL_E_REQUEST);
	expect_err("{\"command\":\"info\",\"extra\":1}", CTL_E_REQUEST);
	expect_err("{\"id\":1}", CTL_E_REQUEST);
	expect_err("{\"command\":null}", CTL_E_REQUEST);
	expect_err("{\"command\":3}", CTL_E_REQUEST);
	expect_err("{\"command\":\"info\",\"arguments\":[]}", CTL_E_REQUEST);
	expect_err("{\"command\":\"info\",\"arguments\":\"x\"}", CTL_E_REQUEST);
	expect_err("{\"command\":\"info\",\"protocol\":\"1\"}", CTL_E_REQUEST);
	expect_err("{\"command\":\"info\",\"protocol\":0}", CTL_E_REQUEST);
}

Test(control_proto, id_kept_for_errors)
{
	cr_expect_eq(parse("{\"id\":42,\"command\":5}"), -EINVAL);
	cr_expect_eq(json_object_get_int(req.id), 42, "the error reply can carry the id");
}

Test(control_proto, command_names)
{
	expect_err("{\"command\":\"\"}", CTL_E_UNKNOWN);
	expect_err("{\"command\":\"INFO\"}", CTL_E_UNKNOWN);
	expect_err("{\"command\":\"a b\"}", CTL_E_UNKNOWN);
	expect_err("{\"command\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", CTL_E_UNKNOWN);
	cr_expect_eq(parse("{\"command\":\"some-thing\"}"), 0);
}

Test(control_proto, newer_protocol)
{
	expect_err("{\"command\":\"info\",\"protocol\":2}", CTL_E_VERSION);
	cr_expect(strstr(err.message, "protocol 1"), "%s", err.message);
}

Test(control_proto, too_deep)
{
	char line[256] = "{\"command\":\"info\",\"arguments\":";
	size_t n = strlen(line);

	for (int i = 0; i < CONTROL_MAX_DEPTH + 2; i++)
		line[n++] = '[';
	for (int i = 0; i < CONTROL_MAX_DEPTH + 2; i++)
		line[n++] = ']';
	line[n++] = '}';
	line[n] = '\0';
	expect_err(line, CTL_E_PARSE);
}

Test(control_proto, too_long)
{
	size_t n = CONTROL_MAX_LINE + 10;
	char *line = malloc(n + 1);

	memset(line, ' ', n);
	memcpy(line, "{\"command\":\"info\"}", 18);
	line[n] = '\0';
	cr_expect_eq(control_req__parse(line, n, &req, &err), -EINVAL);
	cr_expect_eq(err.code, CTL_E_TOO_LONG);
	free(line);
}

static json_object *reparse(char *line, size_t len)
{
	json_object *o;

	cr_assert_not_null(line);
	cr_assert_eq(line[len - 1], '\n', "a reply is one line");
	cr_assert_null(memchr(line, '\n', len - 1), "exactly one line");
	o = json_tokener_parse(line);
	free(line);
	cr_assert_not_null(o);
	return o;
}

Test(control_proto, replies)
{
	struct control_error e;
	json_object *id = json_object_new_string("x/y"), *o, *v, *r;
	size_t len = 0;
	char *line;

	r = json_object_new_object();
	json_object_object_add(r, "n", json_object_new_int(3));
	line = control_reply__ok(id, r, &len);
	o = reparse(line, len);
	cr_expect(json_object_object_get_ex(o, "id", &v));
	cr_expect_str_eq(json_object_get_string(v), "x/y");
	cr_expect(json_object_object_get_ex(o, "protocol", &v));
	cr_expect_eq(json_object_get_int(v), CONTROL_PROTOCOL);
	cr_expect(json_object_object_get_ex(o, "result", &v));
	cr_expect(!json_object_object_get_ex(o, "error", NULL));
	json_object_put(o);

	control_error__set(&e, CTL_E_NOT_FOUND, "no device \"%s\"", "d\n1");
	line = control_reply__err(NULL, &e, &len);
	o = reparse(line, len);
	cr_expect(json_object_object_get_ex(o, "id", &v) && v == NULL, "id null when absent");
	cr_expect(json_object_object_get_ex(o, "error", &v));
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "code")), "not-found");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(v, "message")),
			 "no device \"d\n1\"");
	cr_expect(!json_object_object_get_ex(o, "result", NULL));
	json_object_put(o);
	json_object_put(id);
}

Test(control_proto, error_names)
{
	for (int i = 0; i < CTL_NR_ERRC; i++)
		cr_expect(control_errc__name(i) && *control_errc__name(i), "code %d", i);
	cr_expect_str_eq(control_errc__name(CTL_NR_ERRC + 5), "failed");
}

Test(control_proto, arguments)
{
	static const char *const allowed[] = { "n", "b", "s", NULL };
	u64 n = 99;
	bool b = false;
	const char *s = NULL;

	cr_assert_eq(parse("{\"command\":\"x\",\"arguments\":{\"n\":5,\"b\":true,\"s\":\"v\"}}"), 0);
	cr_expect_eq(control_arg__only(req.args, allowed, &err), 0);
	cr_expect_eq(control_arg__u64(req.args, "n", true, 10, &n, &err), 0);
	cr_expect_eq(n, 5);
	cr_expect_eq(control_arg__bool(req.args, "b", &b, &err), 0);
	cr_expect(b);
	cr_expect_eq(control_arg__string(req.args, "s", true, &s, &err), 0);
	cr_expect_str_eq(s, "v");
	/* Out of range, wrong types, missing, unknown. */
	cr_expect_eq(control_arg__u64(req.args, "n", true, 4, &n, &err), -EINVAL);
	cr_expect_eq(err.code, CTL_E_ARGUMENT);
	cr_expect_eq(control_arg__u64(req.args, "s", true, 4, &n, &err), -EINVAL);
	cr_expect_eq(control_arg__bool(req.args, "n", &b, &err), -EINVAL);
	cr_expect_eq(control_arg__string(req.args, "n", true, &s, &err), -EINVAL);
	cr_expect_eq(control_arg__string(req.args, "zz", true, &s, &err), -EINVAL);
	cr_expect(strstr(err.message, "zz"), "%s", err.message);
	n = 77;
	cr_expect_eq(control_arg__u64(req.args, "zz", false, 4, &n, &err), 0);
	cr_expect_eq(n, 77, "an absent optional argument keeps the default");
	cr_expect_eq(control_arg__only(req.args, NULL, &err), -EINVAL);

	cr_assert_eq(parse("{\"command\":\"x\",\"arguments\":{\"n\":-1,\"s\":\"\",\"f\":1.5}}"), 0);
	cr_expect_eq(control_arg__u64(req.args, "n", true, 10, &n, &err), -EINVAL);
	cr_expect_eq(control_arg__u64(req.args, "f", true, 10, &n, &err), -EINVAL);
	cr_expect_eq(control_arg__string(req.args, "s", true, &s, &err), -EINVAL);
	cr_expect_eq(control_arg__only(req.args, allowed, &err), -EINVAL);
	cr_expect(strstr(err.message, "\"f\""), "%s", err.message);
}
