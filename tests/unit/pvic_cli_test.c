/* SPDX-License-Identifier: GPL-2.0-only */
/* The PV-IC's options of `imsvm run`: --ims-mode, --irq-delivery, --trace-pvic. */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmm/cli.h"

static const struct cli_host host = { .phys_mem_bytes = 24 * GiB, .rlimit_as = ~0ULL };

#define PARSE(out, ...) ({						\
	char *argv_[] = { "run", __VA_ARGS__, NULL };			\
	cli__parse_run((int)ARRAY_SIZE(argv_) - 1, argv_, &host, (out)); \
})

Test(pvic_cli, defaults_are_auto_irqfd_no_trace)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "k.elf"), 0);
	cr_assert_eq(r.cfg.ims_mode, VM_IMS_AUTO);
	cr_assert(!r.cfg.irq_relay);
	cr_assert(!r.cfg.trace_pvic);
}

Test(pvic_cli, every_value)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--ims-mode", "pvic", "--irq-delivery=relay", "--trace-pvic",
			   "k.elf"), 0);
	cr_assert_eq(r.cfg.ims_mode, VM_IMS_PVIC);
	cr_assert(r.cfg.irq_relay);
	cr_assert(r.cfg.trace_pvic);
	cr_assert_eq(PARSE(&r, "--ims-mode=trap", "--irq-delivery", "irqfd", "k.elf"), 0);
	cr_assert_eq(r.cfg.ims_mode, VM_IMS_TRAP);
	cr_assert(!r.cfg.irq_relay);
}

Test(pvic_cli, bad_values_are_usage_errors)
{
	struct cli_run r;

	cr_assert_eq(PARSE(&r, "--ims-mode", "emulate", "k.elf"), -EINVAL);
	cr_assert_eq(PARSE(&r, "--ims-mode=", "k.elf"), -EINVAL);
	cr_assert_eq(PARSE(&r, "--irq-delivery", "poll", "k.elf"), -EINVAL);
	cr_assert_eq(PARSE(&r, "--trace-pvic=1", "k.elf"), -EINVAL, "takes no value");
	cr_assert_eq(PARSE(&r, "k.elf", "--ims-mode"), -EINVAL, "needs a value");
}
