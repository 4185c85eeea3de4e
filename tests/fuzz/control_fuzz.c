/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the control socket's request path (vmm/control_conn.c
 * line framing, control_proto.c JSON parsing and argument checks, the
 * command dispatcher and the commands that need no KVM) on a VM without KVM,
 * set up as vmm/control_cmds_test.c sets it up. The input is what a client
 * writes on its connection; it is fed through control_conn__io() as the
 * event loop does, and the client reads every reply. The end of the input
 * is the client hanging up.
 *
 * Two commands are not run (the line is dropped before the dispatcher):
 * "assign" connects to a socket or opens a device path the request names,
 * which a fuzzer must not do on the machine it runs on, and "stop" arms a
 * watchdog that ends the process. Their argument checks are in
 * vmm/control_cmds_test.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/control_priv.h"
#include "vmm/log.h"
#include "vmm/vm.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void on_line(struct control_conn *c, const char *line, size_t len, void *opaque)
{
	struct control_error err;
	struct control_req req;
	bool skip = false;

	if (control_req__parse(line, len, &req, &err) == 0)
		skip = !strcmp(req.command, "assign") || !strcmp(req.command, "stop");
	control_req__free(&req);
	if (!skip)
		control__handle_line(c, line, len, opaque);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vm vm;
	static struct vm_config cfg;
	static struct control ctl;
	struct control_conn *conn;
	char buf[65536];
	size_t off = 0;
	int sv[2];

	log_level = LOG_ERR;
	memset(&vm, 0, sizeof(vm));
	memset(&ctl, 0, sizeof(ctl));
	cfg = (struct vm_config){ .name = "fuzz", .kernel_path = "k.elf", .mem_bytes = 64 << 20,
				  .nr_cpus = 1 };
	vm.cfg = &cfg;
	device_list__init(&vm.devices);
	atomic_store(&vm.exit_reason, VM_RUNNING);
	ctl.vm = &vm;
	ctl.listen_fd = ctl.done_fd = ctl.timer_fd = -1;
	snprintf(ctl.path, sizeof(ctl.path), "/nowhere/fuzz.sock");
	clock_gettime(CLOCK_MONOTONIC, &ctl.started);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
	    control_conn__new(sv[0], on_line, &ctl, &conn))
		__builtin_trap();

	/* Write in pieces, serve, read the replies: lines split across reads. */
	for (int rounds = 0; rounds < 10000; rounds++) {
		if (off < size) {
			ssize_t n = send(sv[1], data + off, MIN(size - off, (size_t)4096),
					 MSG_DONTWAIT);

			if (n > 0)
				off += n;
		} else {
			shutdown(sv[1], SHUT_WR);
		}
		if (control_conn__io(conn))
			break;
		while (read(sv[1], buf, sizeof(buf)) > 0)
			;
	}
	/* As vmm/control.c drops a client: a pause it waits for forgets it. */
	control_pause__forget(&ctl, conn);
	control_conn__free(conn);
	close(sv[1]);
	return 0;
}
