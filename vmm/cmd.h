/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The subcommands that drive a running VM through its control socket
 * (vmm/control.h, docs/control-api.md): `imsvm CMD [NAME] [ARGS] [--json]`.
 * Human tables by default, the socket's JSON result with --json.
 * Exit status: 0 done, 1 the VM refused or failed (its error is printed),
 * 2 usage error, 3 no such VM.
 */
#ifndef VMM_CMD_H
#define VMM_CMD_H

#include <stdio.h>

#define EXIT_NO_VM	3

int cmd__list(int argc, char **argv);
int cmd__stat(int argc, char **argv);
int cmd__ims(int argc, char **argv);
int cmd__pause(int argc, char **argv);
int cmd__resume(int argc, char **argv);
int cmd__stop(int argc, char **argv);
int cmd__assign(int argc, char **argv);
int cmd__unassign(int argc, char **argv);

void cmd__usage_list(FILE *f);
void cmd__usage_stat(FILE *f);
void cmd__usage_ims(FILE *f);
void cmd__usage_pause(FILE *f);
void cmd__usage_resume(FILE *f);
void cmd__usage_stop(FILE *f);
void cmd__usage_assign(FILE *f);
void cmd__usage_unassign(FILE *f);

/* Entries of cli.c's command table (name, run, usage). */
#define CMD_TABLE_ENTRIES						\
	{ "list", cmd__list, cmd__usage_list },				\
	{ "stat", cmd__stat, cmd__usage_stat },				\
	{ "ims", cmd__ims, cmd__usage_ims },				\
	{ "pause", cmd__pause, cmd__usage_pause },			\
	{ "resume", cmd__resume, cmd__usage_resume },			\
	{ "stop", cmd__stop, cmd__usage_stop },				\
	{ "assign", cmd__assign, cmd__usage_assign },			\
	{ "unassign", cmd__unassign, cmd__usage_unassign },

#endif /* VMM_CMD_H */
