/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the control subcommands (vmm/cmd_*.c). */
#ifndef VMM_CMD_PRIV_H
#define VMM_CMD_PRIV_H

#include <json-c/json.h>
#include <stdio.h>

#include "vmm/cmd.h"
#include "vmm/util.h"

struct cmd_flag {
	const char *name;	/* "--vfio-user" */
	bool has_arg;
	const char **value;	/* set to the argument, or to "" for a flag */
};

struct cmd_opts {
	const char *target;	/* NAME or socket path (first positional) */
	bool json;		/* --json */
	int timeout_ms;		/* --timeout-ms */
	const char *pos[4];	/* further positionals */
	int npos;
};

/*
 * Parse `imsvm CMD ...` (argv[0] is CMD): --json, --timeout-ms MS, --help,
 * the @flags of the command, positionals. 1: --help printed; 0; or -EINVAL
 * after a one-line error. @need_target: the first positional is required.
 */
int cmd__parse(int argc, char **argv, void (*usage)(FILE *f), const struct cmd_flag *flags,
	       bool need_target, int max_pos, struct cmd_opts *o);

/*
 * One request to VM @o->target; on success *@result holds the reply's result
 * (json_object_put it). Prints errors. Returns an exit status (0, 1, 3).
 */
int cmd__call(const struct cmd_opts *o, const char *command, json_object *args,
	      json_object **result);

void cmd__print_json(json_object *obj);

/*
 * @command with @args (may be NULL; consumed) to VM @o->target: the reply's
 * result as JSON with --json, else through @print. Returns the exit status.
 */
int cmd__run(const struct cmd_opts *o, const char *command, json_object *args,
	     void (*print)(const struct cmd_opts *o, json_object *result));

/* `imsvm COMMAND NAME [--json] [--timeout-ms MS]`, a query with no argument (cmd__run). */
int cmd__show(int argc, char **argv, void (*usage)(FILE *f), const char *command,
	      void (*print)(const struct cmd_opts *o, json_object *result));
/* Helpers for human output. */
int64_t cmd__int(json_object *obj, const char *key);
const char *cmd__str(json_object *obj, const char *key);
void cmd__human_bytes(u64 bytes, char *buf, size_t len);
void cmd__human_ms(u64 ms, char *buf, size_t len);

#endif /* VMM_CMD_PRIV_H */
