/* SPDX-License-Identifier: GPL-2.0-only */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm/cli.h"

static const struct cli_host big_host = { .phys_mem_bytes = 24 * GiB, .rlimit_as = ~0ULL };

/* Parse a NULL-terminated list of arguments after "run". */
#define PARSE(out, ...) ({						\
	char *argv_[] = { "run", __VA_ARGS__, NULL };			\
	cli__parse_run((int)ARRAY_SIZE(argv_) - 1, argv_, &big_host, (out)); \
})

Test(cli, defaults)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "kernel.elf"), 0);
	cr_assert_str_eq(r.cfg.kernel_path, "kernel.elf");
	cr_assert_eq(r.cfg.mem_bytes, 256 * MiB);
	cr_assert_eq(r.cfg.nr_cpus, 1);
	cr_assert_str_eq(r.cfg.cmdline, "");
	cr_assert_null(r.cfg.initrd_path);
	cr_assert_null(r.cfg.dump_dtb_path);
	cr_assert_eq(r.cfg.timeout_sec, 0);
	cr_assert(!r.cfg.quiet && !r.debug && !r.help && !r.cfg.print_stats);
	cr_assert(!strncmp(r.cfg.name, "imsvm-", 6), "default name is imsvm-PID: %s", r.cfg.name);
}

Test(cli, every_option_long_form)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--kernel", "k", "--initrd", "i", "--cmdline", "console=ttyS0 x",
			   "--mem", "1024", "--cpus", "4", "--name", "vm1", "--console", "serial",
			   "--timeout", "30", "--dump-dtb", "out.dtb", "--quiet", "--debug",
			   "--stats"), 0);
	cr_assert_str_eq(r.cfg.kernel_path, "k");
	cr_assert_str_eq(r.cfg.initrd_path, "i");
	cr_assert_str_eq(r.cfg.cmdline, "console=ttyS0 x");
	cr_assert_eq(r.cfg.mem_bytes, 1024 * MiB);
	cr_assert_eq(r.cfg.nr_cpus, 4);
	cr_assert_str_eq(r.cfg.name, "vm1");
	cr_assert_eq(r.cfg.timeout_sec, 30);
	cr_assert_str_eq(r.cfg.dump_dtb_path, "out.dtb");
	cr_assert(r.cfg.quiet && r.debug && r.cfg.print_stats);
}

Test(cli, equals_and_short_forms)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "-k", "k", "-m", "64", "-c", "2", "-q", "--cmdline=a=b c",
			   "--timeout=5"), 0);
	cr_assert_str_eq(r.cfg.kernel_path, "k");
	cr_assert_eq(r.cfg.mem_bytes, 64 * MiB);
	cr_assert_eq(r.cfg.nr_cpus, 2);
	cr_assert(r.cfg.quiet);
	cr_assert_str_eq(r.cfg.cmdline, "a=b c", "only the first '=' splits");
	cr_assert_eq(r.cfg.timeout_sec, 5);
}

Test(cli, help_needs_no_kernel)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--help"), 0);
	cr_assert(r.help);
	cr_assert_eq(PARSE(&r, "-h"), 0);
	cr_assert(r.help);
}

Test(cli, double_dash_ends_options)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--", "--weird-name"), 0);
	cr_assert_str_eq(r.cfg.kernel_path, "--weird-name");
}

Test(cli, missing_or_duplicate_kernel)
{
	struct cli_run r;
	char *only_run[] = { "run", NULL };

	cr_assert_eq(cli__parse_run(1, only_run, &big_host, &r), -EINVAL);
	cr_assert_eq(PARSE(&r, "a", "b"), -EINVAL);
	cr_assert_eq(PARSE(&r, "-k", "a", "b"), -EINVAL);
	cr_assert_eq(PARSE(&r, "--mem", "64"), -EINVAL, "options but no kernel");
}

Test(cli, unknown_options_refused)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "k", "--bogus"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "-x"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--mem"), -EINVAL, "value missing");
	cr_assert_eq(PARSE(&r, "k", "--quiet=yes"), -EINVAL, "flag with a value");
	cr_assert_eq(PARSE(&r, "k", "--me", "1"), -EINVAL, "no prefix matching");
}

Test(cli, bad_memory_sizes)
{
	struct cli_run r;
	const struct cli_host small = { .phys_mem_bytes = 1 * GiB, .rlimit_as = ~0ULL };
	const struct cli_host limited = { .phys_mem_bytes = 8 * GiB, .rlimit_as = 512 * MiB };
	char *over_phys[] = { "run", "k", "--mem", "2048", NULL };
	char *over_rlimit[] = { "run", "k", "--mem", "1024", NULL };

	cr_assert_eq(PARSE(&r, "k", "--mem", "0"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--mem", "-1"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--mem", "12x"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--mem", ""), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--mem", "99999999999999999999"), -EINVAL);
	cr_assert_eq(cli__parse_run(4, over_phys, &small, &r), -EINVAL);
	cr_assert_eq(cli__parse_run(4, over_rlimit, &limited, &r), -EINVAL);
	cr_assert_eq(cli__parse_run(4, over_rlimit, &big_host, &r), 0);
}

Test(cli, bad_cpu_counts)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "k", "--cpus", "0"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--cpus", "255"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--cpus", "two"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--cpus", "254"), 0);
	cr_assert_eq(r.cfg.nr_cpus, 254);
}

Test(cli, bad_other_values)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "k", "--console", "bogus"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--timeout", "-3"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--timeout", "4294967296"), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--name", ""), -EINVAL);
	cr_assert_eq(PARSE(&r, "k", "--dump-dtb", ""), -EINVAL);
	cr_assert_eq(PARSE(&r, ""), -EINVAL, "empty kernel path");
}

Test(cli, top_level_commands)
{
	char *version[] = { "imsvm", "--version", NULL };
	char *unknown[] = { "imsvm", "frobnicate", NULL };
	char *none[] = { "imsvm", NULL };
	char *run_help[] = { "imsvm", "run", "--help", NULL };
	char *run_bad[] = { "imsvm", "run", "--nope", NULL };

	cr_assert_eq(cli__main(2, version), 0);
	cr_assert_eq(cli__main(2, unknown), EXIT_USAGE);
	cr_assert_eq(cli__main(1, none), EXIT_USAGE);
	cr_assert_eq(cli__main(3, run_help), 0);
	cr_assert_eq(cli__main(3, run_bad), EXIT_USAGE);
}
