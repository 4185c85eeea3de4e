/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The report API, in the manner of kvm-unit-tests: each check prints one
 * "PASS:", "FAIL:" or "SKIP:" line; report_summary() prints the totals and
 * returns the exit status (0 pass, 3 failure, 77 nothing ran but skips).
 * Counters are atomic so that any CPU may report.
 */
#include "libcflat.h"
#include "atomic.h"

static atomic_t tests, failures, skipped;
static char prefixes[256];
static struct spinlock prefix_lock;

void report_prefix_push(const char *prefix)
{
	size_t len;

	spin_lock(&prefix_lock);
	len = strlen(prefixes);
	snprintf(prefixes + len, sizeof(prefixes) - len, "%s: ", prefix);
	spin_unlock(&prefix_lock);
}

void report_prefix_pop(void)
{
	size_t len;

	spin_lock(&prefix_lock);
	len = strlen(prefixes);
	/* Strip the trailing ": ", then back to the previous one. */
	if (len >= 2)
		len -= 2;
	while (len && !(len >= 2 && prefixes[len - 2] == ':' && prefixes[len - 1] == ' '))
		len--;
	prefixes[len] = '\0';
	spin_unlock(&prefix_lock);
}

static void va_report(const char *kind, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	spin_lock(&prefix_lock);
	printf("%s: %s%s\n", kind, prefixes, msg);
	spin_unlock(&prefix_lock);
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	atomic_inc(&tests);
	if (!pass)
		atomic_inc(&failures);
	va_start(ap, fmt);
	va_report(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	atomic_inc(&tests);
	atomic_inc(&skipped);
	va_start(ap, fmt);
	va_report("SKIP", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	va_report("INFO", fmt, ap);
	va_end(ap);
}

void report_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	va_report("ABORT", fmt, ap);
	va_end(ap);
	exit(EXIT_TEST_FAIL);
}

int report_summary(void)
{
	int t = atomic_read(&tests), f = atomic_read(&failures);
	int s = atomic_read(&skipped);

	printf("SUMMARY: %d tests", t);
	if (f)
		printf(", %d unexpected failures", f);
	if (s)
		printf(", %d skipped", s);
	printf("\n");
	if (f)
		return EXIT_TEST_FAIL;
	if (t == s)
		return EXIT_SKIP;
	return EXIT_PASS;
}
