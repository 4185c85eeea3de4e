/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests: the simulator's command line. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <string.h>

#include "devices/adisim/adisim.h"

static int parse(struct adisim_opts *o, const char *const *args)
{
	/* Writable copies the options may point into, without a heap leak. */
	static char copies[24][128];
	char *argv[24];
	int argc = 0;

	argv[argc++] = (char *)"imsvm-adisim";
	while (*args && argc < 23) {
		snprintf(copies[argc], sizeof(copies[argc]), "%s", *args++);
		argv[argc] = copies[argc];
		argc++;
	}
	argv[argc] = NULL;
	return adisim_opts__parse(o, argc, argv);
}

Test(adisim_opts, defaults_and_full_line, .init = cr_redirect_stderr)
{
	static const char *const full[] = { "--socket-dir", "/tmp/x", "--adis=4",
		"--ims-entries", "32768", "--storm", "7:1000", "--stats-json=/tmp/s.json",
		"--fail-after", "10", "--fail-mode", "close", "--die-on-doorbell",
		"--keep-stale-eventfds", "--unchecked-dma", NULL };
	static const char *const one[] = { "--socket-path=/tmp/a.sock", NULL };
	struct adisim_opts o;

	cr_assert_eq(parse(&o, one), 0);
	cr_assert_str_eq(o.socket_path, "/tmp/a.sock");
	cr_assert_eq(o.adis, 1);
	cr_assert_eq(o.ims_entries, ADISIM_IMS_DEFAULT_ENTRIES);
	cr_assert(!o.storm && !o.fail_after_set && !o.die_on_doorbell);
	cr_assert(!o.keep_stale && !o.unchecked_dma, "the hostile modes are off by default");
	cr_assert_eq(o.fd, -1);
	cr_assert_eq(parse(&o, full), 0);
	cr_assert_eq(o.adis, 4);
	cr_assert_eq(o.ims_entries, 32768);
	cr_assert(o.storm);
	cr_assert_eq(o.storm_ims, 7);
	cr_assert_eq(o.storm_hz, 1000);
	cr_assert(o.fail_after_set);
	cr_assert_eq(o.fail_after, 10);
	cr_assert_eq(o.fail_mode, ADISIM_FAIL_CLOSE);
	cr_assert(o.die_on_doorbell);
	cr_assert(o.keep_stale && o.unchecked_dma);
}

Test(adisim_opts, bad_lines_rejected, .init = cr_redirect_stderr)
{
	static const char *const bad[][6] = {
		{ NULL },
		{ "--socket-path=/a", "--socket-dir=/b", NULL },
		{ "--socket-path=/a", "--adis", "2", NULL },
		{ "--socket-dir=/b", "--adis", "0", NULL },
		{ "--socket-dir=/b", "--adis", "65", NULL },
		{ "--socket-path=/a", "--ims-entries", "0", NULL },
		{ "--socket-path=/a", "--ims-entries", "32769", NULL },
		{ "--socket-path=/a", "--ims-entries", "12x", NULL },
		{ "--socket-path=/a", "--storm", "1", NULL },
		{ "--socket-path=/a", "--storm", "1:0", NULL },
		{ "--socket-path=/a", "--storm", "1:1000001", NULL },
		{ "--socket-path=/a", "--storm", "4096:10", "--ims-entries=4096", NULL },
		{ "--socket-path=/a", "--fail-mode", "explode", NULL },
		{ "--socket-path=/a", "--fail-after", "-1", NULL },
		{ "--socket-path=/a", "--fd", "3", NULL },
		{ "--socket-path=/a", "--nope", NULL },
		{ "--socket-path=/a", "stray", NULL },
		{ "--socket-path", NULL },
	};
	struct adisim_opts o;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(&o, bad[i]), -EINVAL, "line %u accepted", i);
}

Test(adisim_opts, help)
{
	static const char *const h[] = { "--help", NULL };
	struct adisim_opts o;

	cr_assert_eq(parse(&o, h), 0);
	cr_assert(o.help);
}
