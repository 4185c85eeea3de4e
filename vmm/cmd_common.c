/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/control_client.h"
#include "vmm/log.h"

static int usage_err(const char *cmd, const char *what, const char *arg)
{
	pr_err("%s%s%s%s (see 'imsvm %s --help')", what, arg ? " '" : "", arg ? arg : "",
	       arg ? "'" : "", cmd);
	return -EINVAL;
}

int cmd__parse(int argc, char **argv, void (*usage)(FILE *f), const struct cmd_flag *flags,
	       bool need_target, int max_pos, struct cmd_opts *o)
{
	const char *cmd = argv[0];

	memset(o, 0, sizeof(*o));
	o->timeout_ms = CONTROL_CLIENT_TIMEOUT_MS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t f;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(a, "--timeout-ms")) {
			char *end;
			long v;

			if (i + 1 >= argc)
				return usage_err(cmd, "missing value for option", a);
			v = strtol(argv[++i], &end, 10);
			if (*end || v <= 0 || v > 3600000)
				return usage_err(cmd, "--timeout-ms: not a number of ms:", argv[i]);
			o->timeout_ms = (int)v;
			continue;
		}
		for (f = 0; flags && flags[f].name; f++)
			if (!strcmp(a, flags[f].name))
				break;
		if (flags && flags[f].name) {
			if (!flags[f].has_arg) {
				*flags[f].value = "";
			} else if (i + 1 < argc) {
				*flags[f].value = argv[++i];
			} else {
				return usage_err(cmd, "missing value for option", a);
			}
			continue;
		}
		if (a[0] == '-' && a[1])
			return usage_err(cmd, "unknown option", a);
		if (!o->target) {
			o->target = a;
		} else if (o->npos < max_pos && o->npos < (int)ARRAY_SIZE(o->pos)) {
			o->pos[o->npos++] = a;
		} else {
			return usage_err(cmd, "unexpected argument", a);
		}
	}
	if (need_target && !o->target)
		return usage_err(cmd, "no VM name given", NULL);
	return 0;
}

int cmd__call(const struct cmd_opts *o, const char *command, json_object *args,
	      json_object **result)
{
	struct control_client cl;
	json_object *reply = NULL, *err, *res;
	int ret;

	*result = NULL;
	ret = control_client__open(o->target, &cl);
	if (ret < 0) {
		json_object_put(args);
		if (ret == -ENOENT || ret == -ECONNREFUSED) {
			pr_err("no running VM '%s'%s", o->target, ret == -ECONNREFUSED ?
			       " (its socket is stale: the VM is gone)" : "");
			return EXIT_NO_VM;
		}
		if (ret == -EPERM && cl.peer_uid >= 0) {
			pr_err("VM '%s': %s is served by uid %d, neither you nor root: not trusted",
			       o->target, cl.path, cl.peer_uid);
			return EXIT_VMM_ERROR;
		}
		pr_err("VM '%s': cannot connect to %s: %s", o->target, cl.path[0] ? cl.path :
		       "its control socket", strerror(-ret));
		return EXIT_VMM_ERROR;
	}
	ret = control_client__call(&cl, command, args, o->timeout_ms, &reply);
	control_client__close(&cl);
	if (ret < 0) {
		pr_err("VM '%s': %s: %s", o->target, command, ret == -ETIMEDOUT ?
		       "no reply in time (--timeout-ms)" : ret == -ECONNRESET ?
		       "the VM closed the connection" : strerror(-ret));
		return EXIT_VMM_ERROR;
	}
	if (json_object_object_get_ex(reply, "error", &err)) {
		if (o->json)
			cmd__print_json(reply);
		else
			pr_err("VM '%s': %s: %s (%s)", o->target, command,
			       cmd__str(err, "message"), cmd__str(err, "code"));
		json_object_put(reply);
		return EXIT_VMM_ERROR;
	}
	if (!json_object_object_get_ex(reply, "result", &res)) {
		pr_err("VM '%s': %s: malformed reply", o->target, command);
		json_object_put(reply);
		return EXIT_VMM_ERROR;
	}
	*result = json_object_get(res);
	json_object_put(reply);
	return 0;
}

void cmd__print_json(json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd__run(const struct cmd_opts *o, const char *command, json_object *args,
	     void (*print)(const struct cmd_opts *o, json_object *result))
{
	json_object *r;
	int ret;

	ret = cmd__call(o, command, args, &r);
	if (ret)
		return ret;
	if (o->json)
		cmd__print_json(r);
	else
		print(o, r);
	json_object_put(r);
	return 0;
}

int cmd__show(int argc, char **argv, void (*usage)(FILE *f), const char *command,
	      void (*print)(const struct cmd_opts *o, json_object *result))
{
	struct cmd_opts o;
	int ret;

	ret = cmd__parse(argc, argv, usage, NULL, true, 0, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	return cmd__run(&o, command, NULL, print);
}

int64_t cmd__int(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return -1;
	return json_object_get_int64(v);
}

const char *cmd__str(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

void cmd__human_bytes(u64 b, char *buf, size_t len)
{
	if (b >= GiB && !(b % GiB))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b / GiB));
	else if (b >= MiB && !(b % MiB))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b / MiB));
	else if (b >= MiB)
		snprintf(buf, len, "%.1f MiB", (double)b / (double)MiB);
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b / KiB));
}

void cmd__human_ms(u64 ms, char *buf, size_t len)
{
	if (ms < 60000)
		snprintf(buf, len, "%.1fs", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(ms / 60000),
			 (unsigned long long)(ms / 1000 % 60));
	else
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(ms / 3600000),
			 (unsigned long long)(ms / 60000 % 60));
}
