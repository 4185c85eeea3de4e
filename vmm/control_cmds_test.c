/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command dispatch with a fake VM (no KVM): every refusal the dispatcher
 * and the simple commands give, counted, with the request's id echoed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/control_priv.h"
#include "vmm/vm.h"

static struct vm vm;
static struct vm_config cfg;
static struct control ctl;
static struct control_conn *conn;
static int peer;

static void setup(void)
{
	int sv[2];

	memset(&vm, 0, sizeof(vm));
	memset(&ctl, 0, sizeof(ctl));
	cfg = (struct vm_config){ .name = "fake", .kernel_path = "k.elf", .mem_bytes = 64 << 20,
				  .nr_cpus = 1 };
	vm.cfg = &cfg;
	device_list__init(&vm.devices);
	atomic_store(&vm.exit_reason, VM_RUNNING);
	ctl.vm = &vm;
	ctl.listen_fd = ctl.done_fd = ctl.timer_fd = -1;
	snprintf(ctl.path, sizeof(ctl.path), "/nowhere/fake.sock");
	clock_gettime(CLOCK_MONOTONIC, &ctl.started);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	peer = sv[1];
	cr_assert_eq(control_conn__new(sv[0], control__handle_line, &ctl, &conn), 0);
}

static void teardown(void)
{
	control_conn__free(conn);
	close(peer);
}

TestSuite(control_cmds, .init = setup, .fini = teardown);

/* Send one line, return the reply object. */
static json_object *call(const char *line)
{
	char buf[65536];
	json_object *o;
	ssize_t n;

	control__handle_line(conn, line, strlen(line), &ctl);
	n = read(peer, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "no reply to %s", line);
	buf[n] = '\0';
	cr_assert_eq(buf[n - 1], '\n');
	o = json_tokener_parse(buf);
	cr_assert_not_null(o, "reply is not JSON: %s", buf);
	return o;
}

static void expect_error(const char *line, const char *code)
{
	json_object *o = call(line), *e;
	u64 before = ctl.bad_requests;

	(void)before;
	cr_expect(json_object_object_get_ex(o, "error", &e), "no error for %s", line);
	cr_expect_str_eq(json_object_get_string(json_object_object_get(e, "code")), code,
			 "%s: %s", line, json_object_get_string(json_object_object_get(e, "message")));
	json_object_put(o);
}

Test(control_cmds, version)
{
	json_object *o = call("{\"id\":\"v\",\"command\":\"version\"}"), *r;

	cr_expect_str_eq(json_object_get_string(json_object_object_get(o, "id")), "v");
	cr_assert(json_object_object_get_ex(o, "result", &r));
	cr_expect_eq(json_object_get_int(json_object_object_get(r, "protocol")), CONTROL_PROTOCOL);
	json_object_put(o);
}

Test(control_cmds, info_of_fake_vm)
{
	json_object *o = call("{\"id\":1,\"command\":\"info\"}"), *r;

	cr_assert(json_object_object_get_ex(o, "result", &r));
	cr_expect_str_eq(json_object_get_string(json_object_object_get(r, "name")), "fake");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(r, "state")), "running");
	cr_expect_eq(json_object_get_int64(json_object_object_get(r, "memory_bytes")), 64 << 20);
	cr_expect_eq(json_object_get_int(json_object_object_get(r, "pid")), getpid());
	cr_expect_eq(json_object_array_length(json_object_object_get(r, "devices")), 0);
	json_object_put(o);
}

Test(control_cmds, refusals)
{
	expect_error("{\"command\":\"no-such\"}", "unknown-command");
	expect_error("not json", "parse-error");
	expect_error("[1,2]", "invalid-request");
	expect_error("{\"command\":\"info\",\"arguments\":{\"x\":1}}", "invalid-argument");
	expect_error("{\"command\":\"pause\",\"arguments\":{\"timeout_ms\":\"soon\"}}",
		     "invalid-argument");
	expect_error("{\"command\":\"stop\",\"arguments\":{\"timeout_ms\":-5}}", "invalid-argument");
	expect_error("{\"command\":\"resume\"}", "invalid-state");
	expect_error("{\"command\":\"info\",\"protocol\":99}", "unsupported-protocol");
	cr_expect_eq(ctl.bad_requests, 8, "every refusal counted");
}

Test(control_cmds, stopping_vm)
{
	atomic_store(&vm.exit_reason, VM_EXIT_POWEROFF);
	expect_error("{\"command\":\"pause\"}", "vm-stopping");
	expect_error("{\"command\":\"stop\"}", "vm-stopping");
	expect_error("{\"command\":\"resume\"}", "vm-stopping");

	json_object *o = call("{\"command\":\"info\"}"), *r;

	cr_assert(json_object_object_get_ex(o, "result", &r), "info still answers");
	cr_expect_str_eq(json_object_get_string(json_object_object_get(r, "state")), "stopping");
	json_object_put(o);
}

Test(control_cmds, names_and_paths)
{
	char path[108];

	cr_expect(control__valid_name("vm-1.a_b"));
	cr_expect(!control__valid_name(""));
	cr_expect(!control__valid_name(".hidden"));
	cr_expect(!control__valid_name("a/b"));
	cr_expect(!control__valid_name("a b"));
	cr_expect(!control__valid_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	setenv("IMSVM_CONTROL_DIR", "/tmp/x", 1);
	cr_expect_eq(control__path("vm1", path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/tmp/x/vm1.sock");
	cr_expect_eq(control__path("../etc", path, sizeof(path)), -EINVAL);
	unsetenv("IMSVM_CONTROL_DIR");
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	cr_expect_eq(control__path("vm1", path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/run/user/1000/imsvm/vm1.sock");
	setenv("XDG_RUNTIME_DIR", "/very/long/path/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
	cr_expect_eq(control__path("vm1", path, sizeof(path)), -ENAMETOOLONG);
}
