/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm/log.h"

enum log_level log_level = LOG_INFO;

static const char *const level_prefix[] = {
	[LOG_ERR] = "error",
	[LOG_WARN] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	/* One fprintf per line so lines from vCPU threads do not interleave. */
	char buf[1024];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "imsvm: %s: %s\n", level_prefix[level], buf);
}

void log_debug_at(const char *file, const char *func, int line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "imsvm: debug: %s:%s:%d: %s\n", file, func, line, buf);
}

bool ratelimit__allow(struct ratelimit *rl)
{
	unsigned long n = __atomic_add_fetch(&rl->count, 1, __ATOMIC_RELAXED);

	if (n <= 10)
		return true;
	if ((n - 10) % 1024 == 0) {
		pr_warn("(suppressed 1024 similar messages)");
		return true;
	}
	return false;
}

void die(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "imsvm: fatal: %s\n", buf);
	exit(1);
}
