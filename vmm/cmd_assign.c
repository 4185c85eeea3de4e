/* SPDX-License-Identifier: GPL-2.0-only */
/* `imsvm assign NAME --vfio-user SOCKET`, `imsvm unassign NAME DEVICE`. */
#include <limits.h>
#include <stdlib.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/log.h"

void cmd__usage_assign(FILE *f)
{
	fputs("usage: imsvm assign NAME --vfio-user SOCKET[,OPTS] [--json]\n"
	      "\n"
	      "Assign the device a vfio-user server serves on SOCKET to the running VM\n"
	      "NAME: it appears to the guest as a new PCI function, and the PV-IC raises\n"
	      "its event interrupt with cause 'ADI added'. OPTS as for 'imsvm run\n"
	      "--vfio-user'. Prints the new device's name and PCI address.\n", f);
}

void cmd__usage_unassign(FILE *f)
{
	fputs("usage: imsvm unassign NAME DEVICE [--json]\n"
	      "\n"
	      "Remove assigned DEVICE (a name from 'imsvm list', e.g. vfio-user0) from the\n"
	      "running VM NAME: every PV-IC handle of the device is revoked first (the\n"
	      "guest's later operations on it get ENODEV, cause 'ADI removed'), then its\n"
	      "interrupts, BARs and DMA mappings are removed and the function disappears.\n",
	      f);
}

static void print_assigned(const struct cmd_opts *o, json_object *r)
{
	printf("%s: assigned %s at %s\n", o->target, cmd__str(r, "device"), cmd__str(r, "pci"));
}

static void print_unassigned(const struct cmd_opts *o, json_object *r)
{
	printf("%s: unassigned %s (%s handles revoked)\n", o->target, cmd__str(r, "device"),
	       cmd__str(r, "revoked_handles"));
}

int cmd__assign(int argc, char **argv)
{
	const char *socket = NULL;
	const struct cmd_flag flags[] = {
		{ "--vfio-user", true, &socket },
		{ NULL, false, NULL },
	};
	struct cmd_opts o;
	json_object *args;
	char *abs;
	int ret;

	ret = cmd__parse(argc, argv, cmd__usage_assign, flags, true, 0, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (!socket || !*socket) {
		pr_err("assign needs --vfio-user SOCKET (see 'imsvm assign --help')");
		return EXIT_USAGE;
	}
	args = json_object_new_object();
	/* The VM resolves relative paths against its own directory: send an absolute one. */
	abs = socket[0] == '/' ? NULL : realpath(socket, NULL);
	json_object_object_add(args, "vfio_user", json_object_new_string(abs ? abs : socket));
	free(abs);
	return cmd__run(&o, "assign", args, print_assigned);
}

int cmd__unassign(int argc, char **argv)
{
	struct cmd_opts o;
	json_object *args;
	int ret;

	ret = cmd__parse(argc, argv, cmd__usage_unassign, NULL, true, 1, &o);
	if (ret)
		return ret > 0 ? 0 : EXIT_USAGE;
	if (o.npos != 1) {
		pr_err("unassign needs a DEVICE (see 'imsvm unassign --help')");
		return EXIT_USAGE;
	}
	args = json_object_new_object();
	json_object_object_add(args, "device", json_object_new_string(o.pos[0]));
	return cmd__run(&o, "unassign", args, print_unassigned);
}
