/* SPDX-License-Identifier: GPL-2.0-only */
/* The control subcommands' argument parsing and `imsvm run`'s control options. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>

#include "vmm/cli.h"
#include "vmm/cmd_priv.h"
#include "vmm/control_client.h"

static void no_usage(FILE *f)
{
	(void)f;
}

static const struct cli_host host = { .phys_mem_bytes = 64ULL << 30, .rlimit_as = ~0ULL };

Test(cmd, run_control_options)
{
	char *a[] = { "run", "--control-socket", "/tmp/x.sock", "k.elf", NULL };
	char *b[] = { "run", "--no-control", "k.elf", NULL };
	char *c[] = { "run", "--control-socket=", "k.elf", NULL };
	struct cli_run r;

	cr_assert_eq(cli__parse_run(4, a, &host, &r), 0);
	cr_expect_str_eq(r.cfg.control_path, "/tmp/x.sock");
	cr_expect(!r.cfg.no_control);
	cr_assert_eq(cli__parse_run(3, b, &host, &r), 0);
	cr_expect(r.cfg.no_control);
	cr_expect_null(r.cfg.control_path);
	cr_expect_eq(cli__parse_run(3, c, &host, &r), -EINVAL, "empty path refused");
}

Test(cmd, parse_common)
{
	const char *vfio = NULL, *force = NULL;
	const struct cmd_flag flags[] = {
		{ "--vfio-user", true, &vfio },
		{ "--force", false, &force },
		{ NULL, false, NULL },
	};
	char *a[] = { "assign", "vm1", "--json", "--vfio-user", "/s", "--timeout-ms", "250",
		      "--force", NULL };
	struct cmd_opts o;

	cr_assert_eq(cmd__parse(8, a, no_usage, flags, true, 0, &o), 0);
	cr_expect_str_eq(o.target, "vm1");
	cr_expect(o.json);
	cr_expect_eq(o.timeout_ms, 250);
	cr_expect_str_eq(vfio, "/s");
	cr_expect_not_null(force);
	cr_expect_eq(o.npos, 0);
}

Test(cmd, parse_errors)
{
	char *no_name[] = { "stat", "--json", NULL };
	char *extra[] = { "stat", "vm1", "vm2", NULL };
	char *unknown[] = { "stat", "vm1", "--frobnicate", NULL };
	char *no_value[] = { "stat", "vm1", "--timeout-ms", NULL };
	char *bad_value[] = { "stat", "vm1", "--timeout-ms", "soon", NULL };
	char *help[] = { "stat", "--help", NULL };
	char *two[] = { "unassign", "vm1", "vfio-user3", NULL };
	struct cmd_opts o;

	cr_expect_eq(cmd__parse(2, no_name, no_usage, NULL, true, 0, &o), -EINVAL);
	cr_expect_eq(cmd__parse(3, extra, no_usage, NULL, true, 0, &o), -EINVAL);
	cr_expect_eq(cmd__parse(3, unknown, no_usage, NULL, true, 0, &o), -EINVAL);
	cr_expect_eq(cmd__parse(3, no_value, no_usage, NULL, true, 0, &o), -EINVAL);
	cr_expect_eq(cmd__parse(4, bad_value, no_usage, NULL, true, 0, &o), -EINVAL);
	cr_expect_eq(cmd__parse(2, help, no_usage, NULL, true, 0, &o), 1);
	cr_expect_eq(cmd__parse(3, two, no_usage, NULL, true, 1, &o), 0);
	cr_expect_str_eq(o.pos[0], "vfio-user3");
	cr_expect_eq(o.timeout_ms, CONTROL_CLIENT_TIMEOUT_MS);
}

Test(cmd, no_such_vm)
{
	struct cmd_opts o = { .target = "/nonexistent/dir/vm.sock", .timeout_ms = 100 };
	json_object *r;

	cr_expect_eq(cmd__call(&o, "info", NULL, &r), EXIT_NO_VM);
	cr_expect_null(r);
}

Test(cmd, human_units)
{
	char b[32];

	cmd__human_bytes(256ULL << 20, b, sizeof(b));
	cr_expect_str_eq(b, "256 MiB");
	cmd__human_bytes(2ULL << 30, b, sizeof(b));
	cr_expect_str_eq(b, "2 GiB");
	cmd__human_bytes(3 * 1024 * 1024 / 2, b, sizeof(b));
	cr_expect_str_eq(b, "1.5 MiB");
	cmd__human_ms(1500, b, sizeof(b));
	cr_expect_str_eq(b, "1.5s");
	cmd__human_ms(125000, b, sizeof(b));
	cr_expect_str_eq(b, "2m05s");
}
