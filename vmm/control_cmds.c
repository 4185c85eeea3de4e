/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control commands: a const table from name to handler, and the ones
 * short enough to live here (version, stop). Each request line is parsed,
 * dispatched and answered on the event loop thread; a handler never blocks
 * (pause answers when the vCPUs have parked, through the loop).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/control_priv.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define STOP_TIMEOUT_DEFAULT_MS	10000
#define STOP_TIMEOUT_MAX_MS	3600000

static int cmd_version(struct control *ctl, struct control_conn *c, struct control_req *req,
		       json_object **result, struct control_error *err)
{
	json_object *r;

	if (control_arg__only(req->args, NULL, err))
		return -EINVAL;
	r = json_object_new_object();
	json_object_object_add(r, "protocol", json_object_new_int(CONTROL_PROTOCOL));
	json_object_object_add(r, "imsvm", json_object_new_string(IMSVM_VERSION));
	*result = r;
	return 0;
}

/* The watchdog of a graceful stop: the process ends even if teardown hangs. */
static void *stop_watchdog(void *arg)
{
	unsigned int ms = (unsigned int)(uintptr_t)arg;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	pr_err("stop: the VM did not stop within %u ms: forcing exit", ms);
	_exit(EXIT_VMM_ERROR);
	return NULL;
}

static int cmd_stop(struct control *ctl, struct control_conn *c, struct control_req *req,
		    json_object **result, struct control_error *err)
{
	static const char *const allowed[] = { "timeout_ms", NULL };
	u64 timeout = STOP_TIMEOUT_DEFAULT_MS;
	pthread_attr_t attr;
	pthread_t t;
	json_object *r;

	if (control_arg__only(req->args, allowed, err) ||
	    control_arg__u64(req->args, "timeout_ms", false, STOP_TIMEOUT_MAX_MS, &timeout, err))
		return -EINVAL;
	pr_info("stopping: asked by the operator (control socket, pid %d)", (int)c->pid);
	if (timeout) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		if (pthread_create(&t, &attr, stop_watchdog, (void *)(uintptr_t)timeout))
			pr_warn("stop: no watchdog thread: a hung teardown will not be forced");
		pthread_attr_destroy(&attr);
	}
	/* Parked vCPUs must see the exit: resume them after recording it. */
	vm__request_exit(ctl->vm, VM_EXIT_POWEROFF, 0);
	control_pause__release(ctl);
	r = json_object_new_object();
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "state", json_object_new_string("stopping"));
	json_object_object_add(r, "timeout_ms", json_object_new_int64((int64_t)timeout));
	*result = r;
	return 0;
}

static const struct control_cmd_desc {
	const char *name;
	control_cmd_fn fn;
	bool when_stopping;	/* allowed once the VM is stopping */
} commands[] = {
	{ "version", cmd_version, true },
	{ "info", control_cmd__info, true },
	{ "stat", control_cmd__stat, true },
	{ "stop", cmd_stop, false },
	{ "pause", control_cmd__pause, false },
	{ "resume", control_cmd__resume, false },
	{ "ims", control_cmd__ims, true },
	{ "assign", control_cmd__assign, false },
	{ "unassign", control_cmd__unassign, false },
};

void control__handle_line(struct control_conn *c, const char *line, size_t len, void *opaque)
{
	struct control *ctl = opaque;
	struct control_error err = { .code = CTL_E_FAILED };
	struct control_req req;
	json_object *result = NULL;
	size_t i;
	int ret;

	ret = control_req__parse(line, len, &req, &err);
	if (ret < 0)
		goto error;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, req.command))
			break;
	if (i == ARRAY_SIZE(commands)) {
		control_error__set(&err, CTL_E_UNKNOWN, "unknown command \"%s\"", req.command);
		goto error;
	}
	if (!commands[i].when_stopping &&
	    atomic_load(&ctl->vm->exit_reason) != VM_RUNNING) {
		control_error__set(&err, CTL_E_STOPPING, "the VM is stopping");
		goto error;
	}
	ret = commands[i].fn(ctl, c, &req, &result, &err);
	if (ret < 0)
		goto error;
	if (ret == 0)
		control_conn__reply(c, req.id, result);
	/* ret == 1: the handler answers later (it took a reference to the id). */
	control_req__free(&req);
	return;

error:
	ctl->bad_requests++;
	control_conn__error(c, req.id, &err);
	control_req__free(&req);
}
