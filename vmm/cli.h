/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line: `imsvm COMMAND [OPTIONS]`, a table of subcommands (run
 * now; list, stat, stop... slot in), and the option parser of `imsvm run`,
 * which works on an argv alone so unit tests drive it without KVM.
 *
 * Exit statuses of `imsvm run`: the guest's test-exit code when it wrote one;
 * 0 on clean power-off or reset; 1 VMM error; 2 usage error; 124 --timeout
 * expired; 128+N stopped by signal N (SIGINT, SIGTERM, SIGHUP).
 */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stdio.h>

#include "vmm/util.h"
#include "vmm/vm.h"

#define IMSVM_VERSION		"0.1.0"

#define EXIT_VMM_ERROR		1
#define EXIT_USAGE		2
#define EXIT_TIMEOUT		124

#define CLI_DEFAULT_MEM_MIB	256
#define CLI_DEFAULT_CPUS	1

struct cli_run {
	struct vm_config cfg;
	bool help;		/* --help: usage printed by the caller, exit 0 */
	bool debug;		/* --debug: log level debug */
	char name_buf[32];	/* default name "imsvm-PID" */
};

/* Host limits the parser checks --mem against (filled from the host by default). */
struct cli_host {
	u64 phys_mem_bytes;	/* physical memory */
	u64 rlimit_as;		/* RLIMIT_AS soft limit, ~0 for none */
};

void cli__host_limits(struct cli_host *host);

/*
 * Parse the arguments after "run" (argv[0] is "run"). On a usage error prints
 * one line naming the problem and returns -EINVAL. @host NULL: this host.
 */
int __must_check cli__parse_run(int argc, char **argv, const struct cli_host *host,
				struct cli_run *out);

void cli__usage_run(FILE *f);
void cli__usage(FILE *f);

/* The whole program: returns the process exit status. */
int cli__main(int argc, char **argv);

#endif /* VMM_CLI_H */
