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
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/control.h"
#include "vmm/control_client.h"
#include "vmm/log.h"

#define LIST_TIMEOUT_MS	2000

void cmd__usage_list(FILE *f)
{
	fputs("usage: imsvm list [--json] [--timeout-ms MS]\n"
	      "\n"
	      "The running VMs of this user (root: every VM under /run/imsvm): name, pid,\n"
	      "vCPUs, memory, state, uptime and assigned devices. Stale sockets of VMs\n"
	      "that are gone are removed. The directory is $IMSVM_CONTROL_DIR, else\n"
	      "$XDG_RUNTIME_DIR/imsvm, else /run/imsvm (root) or /tmp/imsvm-UID.\n"
	      "A VM that does not answer within MS (default 2000) is shown as\n"
	      "'unresponsive'.\n", f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One VM: its info, or an object saying why there is none. NULL: stale (removed). */
static json_object *query(const char *dir, const char *file, int timeout_ms)
{
	char path[108], name[CONTROL_NAME_MAX + 1];
	struct control_client cl;
	json_object *reply = NULL, *res, *o;
	size_t n = strlen(file) - 5;
	int ret;

	snprintf(name, sizeof(name), "%.*s", (int)MIN(n, (size_t)CONTROL_NAME_MAX), file);
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return NULL;
	ret = control_client__open_path(path, &cl);
	if (ret == -ECONNREFUSED) {
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(path) == 0)
			fprintf(stderr, "imsvm: removed the stale socket of VM '%s' (%s)\n", name,
				path);
		return NULL;
	}
	if (ret == 0)
		ret = control_client__call(&cl, "info", NULL, timeout_ms, &reply);
	control_client__close(&cl);
	if (ret == 0 && json_object_object_get_ex(reply, "result", &res)) {
		o = json_object_get(res);
		json_object_put(reply);
		return o;
	}
	json_object_put(reply);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "state", json_object_new_string("unresponsive"));
	json_object_object_add(o, "socket", json_object_new_string(path));
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
	for (size_t i = 0; i < nr; i++) {
		json_object *vm = names[i] ? query(dir, names[i], o.timeout_ms) : NULL;

		if (vm)
			json_object_array_add(vms, vm);
		free(names[i]);
	}
	free(names);
	if (o.json)
		cmd__print_json(vms);
	else
		print_table(vms);
	json_object_put(vms);
	return 0;
}
