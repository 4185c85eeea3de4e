/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `imsvm pause|resume|stop NAME`. stop asks the VM to stop (vCPUs out,
 * devices torn down, exit status 0), waits for its process to end and, if
 * it has not ended after the timeout, kills it (SIGKILL): "forced".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/control_client.h"
#include "vmm/log.h"

#define STOP_GRACE_MS	2000	/* beyond the VM's own watchdog, before SIGKILL */

void cmd__usage_pause(FILE *f)
{
	fputs("usage: imsvm pause NAME [--json] [--timeout-ms MS]\n"
	      "\n"
	      "Stop every vCPU of VM NAME (they finish the exit they are handling).\n"
	      "Interrupts raised meanwhile are kept and delivered on resume. Fails with\n"
	      "'timeout' if the vCPUs have not all stopped within MS (default 5000);\n"
	      "the pause then goes on until 'resume'.\n", f);
}

void cmd__usage_resume(FILE *f)
{
	fputs("usage: imsvm resume NAME [--json]\n"
	      "\n"
	      "Run the vCPUs of a paused VM again.\n", f);
}

void cmd__usage_stop(FILE *f)
{
	fputs("usage: imsvm stop NAME [--json] [--timeout-ms MS] [--force] [--no-wait]\n"
	      "\n"
	      "Stop VM NAME: its vCPUs stop, its devices are released (assigned devices'\n"
	      "interrupts unbound, sockets closed), it exits with status 0. If it has not\n"
	      "exited within MS (default 10000), it is forced: it ends itself, and this\n"
	      "command kills it (SIGKILL) if it is still there.\n"
	      "  --force     kill it at once (SIGKILL), no graceful stop\n"
	      "  --no-wait   return once the VM has accepted the request\n", f);
}

static int simple(int argc, char **argv, void (*usage)(FILE *f), const char *command,
		  const char *done)
{
	struct cmd_opts o;
	json_object *r, *args = NULL;
	int ret;

	ret = cmd__parse(argc, argv, usage, NULL, true, 0, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (!strcmp(command, "pause") && o.timeout_ms != CONTROL_CLIENT_TIMEOUT_MS) {
		args = json_object_new_object();
		json_object_object_add(args, "timeout_ms", json_object_new_int(o.timeout_ms));
		o.timeout_ms += 1000;	/* our own wait: beyond the VM's */
	}
	ret = cmd__call(&o, command, args, &r);
	if (ret)
		return ret;
	if (o.json)
		cmd__print_json(r);
	else
		printf("%s: %s (%s vCPUs)\n", o.target, done, cmd__str(r, "vcpus"));
	json_object_put(r);
	return 0;
}

int cmd__pause(int argc, char **argv)
{
	return simple(argc, argv, cmd__usage_pause, "pause", "paused");
}

int cmd__resume(int argc, char **argv)
{
	return simple(argc, argv, cmd__usage_resume, "resume", "running");
}

/* Wait up to @ms for process @pid to end: 0 ended, -ETIMEDOUT, -errno. */
static int wait_gone(pid_t pid, int ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p;
	int ret;

	if (pfd < 0)
		return errno == ESRCH ? 0 : -errno;
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	close(pfd);
	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

int cmd__stop(int argc, char **argv)
{
	const char *force = NULL, *no_wait = NULL;
	const struct cmd_flag flags[] = {
		{ "--force", false, &force },
		{ "--no-wait", false, &no_wait },
		{ NULL, false, NULL },
	};
	struct cmd_opts o;
	json_object *r, *args;
	bool forced = false;
	int64_t pid;
	int ret, wait_ms;

	ret = cmd__parse(argc, argv, cmd__usage_stop, flags, true, 0, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	wait_ms = o.timeout_ms;
	args = json_object_new_object();
	if (force) {
		ret = cmd__call(&o, "info", NULL, &r);
	} else {
		json_object_object_add(args, "timeout_ms", json_object_new_int(o.timeout_ms));
		o.timeout_ms = MIN(o.timeout_ms, CONTROL_CLIENT_TIMEOUT_MS);
		ret = cmd__call(&o, "stop", args, &r);
		args = NULL;
	}
	json_object_put(args);
	if (ret)
		return ret;
	pid = cmd__int(r, "pid");
	if (pid <= 0) {
		pr_err("VM '%s': no pid in the reply", o.target);
		json_object_put(r);
		return EXIT_VMM_ERROR;
	}
	if (force) {
		if (kill((pid_t)pid, SIGKILL) < 0 && errno != ESRCH) {
			pr_err("VM '%s': kill %lld: %s", o.target, (long long)pid, strerror(errno));
			json_object_put(r);
			return EXIT_VMM_ERROR;
		}
		forced = true;
		ret = wait_gone((pid_t)pid, 5000);
	} else if (!no_wait) {
		ret = wait_gone((pid_t)pid, wait_ms + STOP_GRACE_MS);
		if (ret == -ETIMEDOUT) {
			pr_warn("VM '%s' (pid %lld) did not stop within %d ms: killing it", o.target,
				(long long)pid, wait_ms + STOP_GRACE_MS);
			forced = true;
			if (kill((pid_t)pid, SIGKILL) == 0 || errno == ESRCH)
				ret = wait_gone((pid_t)pid, 5000);
		}
	}
	json_object_put(r);
	if (ret < 0) {
		pr_err("VM '%s' (pid %lld): still running: %s", o.target, (long long)pid,
		       strerror(-ret));
		return EXIT_VMM_ERROR;
	}
	if (o.json) {
		r = json_object_new_object();
		json_object_object_add(r, "name", json_object_new_string(o.target));
		json_object_object_add(r, "pid", json_object_new_int64(pid));
		json_object_object_add(r, "state", json_object_new_string(
			no_wait && !forced ? "stopping" : "stopped"));
		json_object_object_add(r, "forced", json_object_new_boolean(forced));
		cmd__print_json(r);
		json_object_put(r);
	} else {
		printf("%s: %s%s\n", o.target, no_wait && !forced ? "stopping" : "stopped",
		       forced ? " (forced)" : "");
	}
	return 0;
}
