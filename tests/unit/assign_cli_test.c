/* SPDX-License-Identifier: GPL-2.0-only */
/* `imsvm run --vfio-user` and `--vfio`: repeatable, in order, bounded, never empty. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli.h"

static const struct cli_host host = { .phys_mem_bytes = 24 * GiB, .rlimit_as = ~0ULL };

#define PARSE(out, ...) ({						\
	char *argv_[] = { "run", __VA_ARGS__, NULL };			\
	cli__parse_run((int)ARRAY_SIZE(argv_) - 1, argv_, &host, (out)); \
})

Test(assign_cli, repeatable_in_order)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--vfio-user", "/tmp/a.sock", "--vfio=01:00.0", "k",
			   "--vfio-user=/tmp/b.sock,dma=messages", "--vfio",
			   "/sys/bus/pci/devices/0000:02:00.0"), 0);
	cr_assert_eq(r.cfg.nr_vfio_user, 2);
	cr_expect_str_eq(r.cfg.vfio_user[0], "/tmp/a.sock");
	cr_expect_str_eq(r.cfg.vfio_user[1], "/tmp/b.sock,dma=messages");
	cr_assert_eq(r.cfg.nr_vfio, 2);
	cr_expect_str_eq(r.cfg.vfio[0], "01:00.0");
	cr_expect_str_eq(r.cfg.vfio[1], "/sys/bus/pci/devices/0000:02:00.0");
}

Test(assign_cli, none_by_default)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "k"), 0);
	cr_expect_eq(r.cfg.nr_vfio_user, 0);
	cr_expect_eq(r.cfg.nr_vfio, 0);
}

Test(assign_cli, empty_missing_and_too_many_refused)
{
	char *argv[2 + 2 * (VM_MAX_ASSIGNED + 1) + 1];
	char paths[VM_MAX_ASSIGNED + 1][16];
	struct cli_run r;
	int n = 0;

	cr_expect_eq(PARSE(&r, "k", "--vfio-user", ""), -EINVAL);
	cr_expect_eq(PARSE(&r, "k", "--vfio="), -EINVAL);
	cr_expect_eq(PARSE(&r, "k", "--vfio-user"), -EINVAL, "value missing");
	argv[n++] = "run";
	argv[n++] = "k";
	for (int i = 0; i <= VM_MAX_ASSIGNED; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/tmp/%d.sock", i);
		argv[n++] = "--vfio-user";
		argv[n++] = paths[i];
	}
	argv[n] = NULL;
	cr_expect_eq(cli__parse_run(n, argv, &host, &r), -EINVAL, "one more than VM_MAX_ASSIGNED");
	cr_expect_eq(cli__parse_run(n - 2, argv, &host, &r), 0, "exactly VM_MAX_ASSIGNED");
	cr_expect_eq(r.cfg.nr_vfio_user, VM_MAX_ASSIGNED);
}
