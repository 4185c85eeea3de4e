/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel command line as argc/argv (argv[0] is the kernel's name, then
 * the words of the line; double quotes group words) and key=value lookup:
 * tests get what they expect to see through their own command line, e.g.
 * imsvm run dtb.elf --cmdline "expect.cpus=2 expect.mem=128".
 */
#include "libcflat.h"

#define MAX_ARGS	64

int __argc;
char *__argv[MAX_ARGS + 1];
static char argbuf[4096];

void args_parse(const char *cmdline);
void args_parse(const char *cmdline)
{
	char *d = argbuf, *end = argbuf + sizeof(argbuf) - 1;

	__argv[0] = "kernel";
	__argc = 1;
	while (cmdline && *cmdline && d < end && __argc < MAX_ARGS) {
		bool quoted = false;

		while (*cmdline == ' ' || *cmdline == '\t' || *cmdline == '\n')
			cmdline++;
		if (!*cmdline)
			break;
		__argv[__argc++] = d;
		for (; *cmdline && d < end; cmdline++) {
			if (*cmdline == '"') {
				quoted = !quoted;
				continue;
			}
			if (!quoted && (*cmdline == ' ' || *cmdline == '\t' ||
					*cmdline == '\n'))
				break;
			*d++ = *cmdline;
		}
		*d++ = '\0';
	}
	__argv[__argc] = NULL;
}

const char *arg_get(const char *key)
{
	size_t n = strlen(key);

	for (int i = 1; i < __argc; i++) {
		if (strncmp(__argv[i], key, n))
			continue;
		if (__argv[i][n] == '=')
			return __argv[i] + n + 1;
		if (__argv[i][n] == '\0')
			return "";	/* a bare flag */
	}
	return NULL;
}

bool arg_get_ulong(const char *key, unsigned long *val)
{
	const char *s = arg_get(key);
	char *end;

	if (!s || !*s)
		return false;
	*val = strtoul(s, &end, 0);
	return *end == '\0';
}
