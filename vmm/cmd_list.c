/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `imsvm list`: every VM with a socket in the control directory, asked for
 * its `info`. A socket nobody listens on any more (the VM was killed) is
 * stale: it is removed and reported on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/control.h"
#include "vmm/control_client.h"
#include "vmm/log.h"

#define LIST_TIMEOUT_MS	5000	/* for all VMs together: they are asked at once */

void cmd__usage_list(FILE *f)
{
	fputs("usage: imsvm list [--json] [--timeout-ms MS]\n"
	      "\n"
	      "The running VMs of this user (root: every VM under /run/imsvm): name, pid,\n"
	      "vCPUs, memory, state, uptime and assigned devices. Stale sockets of VMs\n"
	      "that are gone are removed. The directory is $IMSVM_CONTROL_DIR, else\n"
	      "$XDG_RUNTIME_DIR/imsvm, else /run/imsvm (root) or /tmp/imsvm-UID.\n"
	      "Every VM is asked at once; one that has not answered within MS (default\n"
	      "5000) is shown as 'unresponsive'.\n", f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct list_vm {
	char name[CONTROL_NAME_MAX + 1];
	char path[108];
	struct control_client cl;
	int ret;		/* of connect or send; 0: a request is out */
};

/* Connect and send `info`. Stale sockets are removed (ret -ECONNREFUSED). */
static void ask(const char *dir, const char *file, struct list_vm *v)
{
	size_t n = strlen(file) - 5;

	snprintf(v->name, sizeof(v->name), "%.*s", (int)MIN(n, (size_t)CONTROL_NAME_MAX), file);
	if (snprintf(v->path, sizeof(v->path), "%s/%s", dir, file) >= (int)sizeof(v->path)) {
		v->ret = -ENAMETOOLONG;
		v->cl.fd = -1;
		return;
	}
	v->ret = control_client__open_path(v->path, &v->cl);
	if (v->ret == -ECONNREFUSED) {
		struct stat st;

		if (lstat(v->path, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(v->path) == 0)
			fprintf(stderr, "imsvm: removed the stale socket of VM '%s' (%s)\n",
				v->name, v->path);
		return;
	}
	if (v->ret == 0)
		v->ret = control_client__send(&v->cl, "info", NULL);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Its info, or an object saying why there is none. NULL: stale (removed). */
static json_object *answer(struct list_vm *v, long long deadline)
{
	json_object *reply = NULL, *res, *o;
	int ret = v->ret;

	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return NULL;	/* stale, or gone since the directory was read */
	if (ret == 0)
		ret = control_client__recv(&v->cl, (int)MAX(deadline - mono_ms(), 1LL), &reply);
	control_client__close(&v->cl);
	if (ret == 0 && json_object_object_get_ex(reply, "result", &res)) {
		o = json_object_get(res);
		json_object_put(reply);
		return o;
	}
	json_object_put(reply);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "state", json_object_new_string("unresponsive"));
	json_object_object_add(o, "socket", json_object_new_string(v->path));
	json_object_object_add(o, "reason", json_object_new_string(
		ret == -ETIMEDOUT ? "no reply in time" : ret < 0 ? strerror(-ret) :
		"error reply"));
	return o;
}

static void print_table(json_object *vms)
{
	size_t n = json_object_array_length(vms);

	printf("%-20s %8s %5s %10s %-12s %9s  %s\n", "NAME", "PID", "VCPUS", "MEMORY", "STATE",
	       "UPTIME", "DEVICES");
	for (size_t i = 0; i < n; i++) {
		json_object *vm = json_object_array_get_idx(vms, i), *devs;
		char mem[32] = "-", up[32] = "-", devices[512] = "";
		int64_t v;
		size_t len = 0;

		if ((v = cmd__int(vm, "memory_bytes")) >= 0)
			cmd__human_bytes((u64)v, mem, sizeof(mem));
		if ((v = cmd__int(vm, "uptime_ms")) >= 0)
			cmd__human_ms((u64)v, up, sizeof(up));
		if (json_object_object_get_ex(vm, "devices", &devs) && devs) {
			for (size_t d = 0; d < json_object_array_length(devs); d++) {
				json_object *dev = json_object_array_get_idx(devs, d);
				json_object *failed;
				bool dead = json_object_object_get_ex(dev, "failed", &failed) &&
					    json_object_get_boolean(failed);

				len += (size_t)snprintf(devices + len, sizeof(devices) - MIN(len,
							sizeof(devices)), "%s%s@%s%s",
							d ? "," : "", cmd__str(dev, "name"),
							cmd__str(dev, "pci"), dead ? "(failed)" : "");
				if (len >= sizeof(devices))
					break;
			}
		}
		printf("%-20s %8s %5s %10s %-12s %9s  %s\n", cmd__str(vm, "name"),
		       cmd__str(vm, "pid"), cmd__str(vm, "vcpus"), mem, cmd__str(vm, "state"), up,
		       devices[0] ? devices : "-");
	}
}

int cmd__list(int argc, char **argv)
{
	char dir[108];
	struct cmd_opts o;
	json_object *vms;
	char **names = NULL;
	size_t nr = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int ret;

	ret = cmd__parse(argc, argv, cmd__usage_list, NULL, false, 0, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (o.target) {
		pr_err("list takes no VM name (see 'imsvm list --help')");
		return EXIT_USAGE;
	}
	if (o.timeout_ms == CONTROL_CLIENT_TIMEOUT_MS)
		o.timeout_ms = LIST_TIMEOUT_MS;
	if (control__dir(dir, sizeof(dir)) < 0) {
		pr_err("the control directory's path is too long");
		return EXIT_VMM_ERROR;
	}
	vms = json_object_new_array();
	d = opendir(dir);
	if (!d && errno != ENOENT) {
		pr_err("%s: %s", dir, strerror(errno));
		json_object_put(vms);
		return EXIT_VMM_ERROR;
	}
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || strcmp(e->d_name + len - 5, ".sock") || e->d_name[0] == '.')
			continue;
		if (nr == cap) {
			char **p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!p)
				break;
			names = p;
		}
		names[nr++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), by_name);
	/* Ask every VM first, then collect: one slow VM does not delay the others' turn. */
	struct list_vm *q = calloc(nr ? nr : 1, sizeof(*q));
	long long deadline = mono_ms() + o.timeout_ms;

	for (size_t i = 0; q && i < nr; i++) {
		if (names[i])
			ask(dir, names[i], &q[i]);
		else
			q[i].ret = -ENOMEM, q[i].cl.fd = -1;
	}
	for (size_t i = 0; q && i < nr; i++) {
		json_object *vm = names[i] ? answer(&q[i], deadline) : NULL;

		if (vm)
			json_object_array_add(vms, vm);
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	free(q);
	if (o.json)
		cmd__print_json(vms);
	else
		print_table(vms);
	json_object_put(vms);
	return 0;
}
