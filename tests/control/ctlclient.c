/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A raw control-socket client for tests/control/run.sh: sends exactly the
 * bytes it is told (malformed, oversized, cut off), from one or many
 * connections, and prints the reply lines as they come.
 *
 *   ctlclient SOCK send LINE...     each LINE + "\n"; print one reply per line
 *   ctlclient SOCK big BYTES        a BYTES-long line, then a version request
 *   ctlclient SOCK partial          half a request, then close
 *   ctlclient SOCK drop LINE        send LINE, close without reading the reply
 *   ctlclient SOCK many N           N connections at once, an info request on each
 *   ctlclient SOCK flood N          N stat requests, never read; hold until stdin ends
 *   ctlclient SOCK asuser UID LINE  send LINE from a child running as UID
 *   ctlclient SOCK pipeline N       N requests in one write; expect N replies in order
 *   ctlclient SOCK time N LINE      send LINE N times, one at a time; print each round
 *                                   trip in microseconds (for make bench)
 * Exit status 0 when every expected reply came, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS	20000
#define MIN(a, b)	((a) < (b) ? (a) : (b))

static const char *sock_path;

static int conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ctlclient: connect %s: %s\n", sock_path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int put(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int quiet;
static char last_line[512];	/* the last reply line read (truncated) */

/* Read and print @n lines; 0 when all came. */
static int lines(int fd, int n)
{
	static char buf[1 << 20];
	size_t len = 0;

	while (n > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl;
		ssize_t r;

		while (n > 0 && (nl = memchr(buf, '\n', len))) {
			if (!quiet)
				fwrite(buf, 1, (size_t)(nl + 1 - buf), stdout);
			snprintf(last_line, sizeof(last_line), "%.*s",
				 (int)MIN((size_t)(nl - buf), sizeof(last_line) - 1), buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			n--;
		}
		if (n == 0)
			break;
		if (poll(&p, 1, TIMEOUT_MS) <= 0) {
			printf("ctlclient: timeout, %d reply line(s) missing\n", n);
			return 1;
		}
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r <= 0) {
			printf("ctlclient: connection closed, %d reply line(s) missing\n", n);
			return 1;
		}
		len += (size_t)r;
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode;
	int fd, ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: ctlclient SOCK MODE ARGS...\n");
		return 2;
	}
	sock_path = argv[1];
	mode = argv[2];
	if (!strcmp(mode, "send")) {
		fd = conn();
		for (int i = 3; i < argc; i++) {
			if (put(fd, argv[i], strlen(argv[i])) || put(fd, "\n", 1))
				return 1;
			ret |= lines(fd, 1);
		}
		return ret;
	}
	if (!strcmp(mode, "big") && argc == 4) {
		size_t n = strtoul(argv[3], NULL, 10);
		char *b = malloc(n + 1);
		static const char v[] = "{\"id\":2,\"command\":\"version\"}\n";

		memset(b, 'x', n);
		b[n] = '\n';
		fd = conn();
		/* The reply to the big line may come before we finished writing it. */
		if (put(fd, b, n + 1) || put(fd, v, sizeof(v) - 1))
			return 1;
		free(b);
		return lines(fd, 2);
	}
	if (!strcmp(mode, "partial")) {
		fd = conn();
		put(fd, "{\"id\":1,\"comm", 13);
		close(fd);
		return 0;
	}
	if (!strcmp(mode, "drop") && argc == 4) {
		fd = conn();
		put(fd, argv[3], strlen(argv[3]));
		put(fd, "\n", 1);
		close(fd);
		return 0;
	}
	if (!strcmp(mode, "many") && argc == 4) {
		int n = atoi(argv[3]), *fds = calloc((size_t)n, sizeof(int)), ok = 0, busy = 0;
		static const char q[] = "{\"id\":1,\"command\":\"info\"}\n";

		for (int i = 0; i < n; i++)
			fds[i] = conn();
		for (int i = 0; i < n; i++)
			put(fds[i], q, sizeof(q) - 1);
		quiet = 1;
		for (int i = 0; i < n; i++) {
			last_line[0] = '\0';
			ok += lines(fds[i], 1) == 0;
			busy += strstr(last_line, "\"busy\"") != NULL;
			close(fds[i]);
		}
		printf("answered %d of %d, %d refused as busy\n", ok, n, busy);
		free(fds);
		return ok == n ? 0 : 1;
	}
	if (!strcmp(mode, "flood") && argc == 4) {
		int n = atoi(argv[3]);
		static const char q[] = "{\"id\":1,\"command\":\"stat\"}\n";
		char c;

		fd = conn();
		for (int i = 0; i < n; i++)
			if (put(fd, q, sizeof(q) - 1))
				break;	/* the VM dropped us: fine */
		printf("flooding\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (!strcmp(mode, "pipeline") && argc == 4) {
		int n = atoi(argv[3]);
		size_t cap = (size_t)n * 64 + 1, len = 0;
		char *b = malloc(cap);

		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(b + len, cap - len,
						"{\"id\":%d,\"command\":\"version\"}\n", i);
		fd = conn();
		if (put(fd, b, len))
			return 1;
		free(b);
		return lines(fd, n);
	}
	if (!strcmp(mode, "time") && argc == 5) {
		int n = atoi(argv[3]);

		fd = conn();
		quiet = 1;
		for (int i = 0; i < n; i++) {
			struct timespec a, b;

			clock_gettime(CLOCK_MONOTONIC, &a);
			if (put(fd, argv[4], strlen(argv[4])) || put(fd, "\n", 1) || lines(fd, 1))
				return 1;
			clock_gettime(CLOCK_MONOTONIC, &b);
			printf("%ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000 +
					       (b.tv_nsec - a.tv_nsec) / 1000));
		}
		return 0;
	}
	if (!strcmp(mode, "asuser") && argc == 5) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			if (setgid((gid_t)atoi(argv[3])) || setuid((uid_t)atoi(argv[3]))) {
				perror("ctlclient: setuid");
				_exit(2);
			}
			fd = conn();
			put(fd, argv[4], strlen(argv[4]));
			put(fd, "\n", 1);
			_exit(lines(fd, 1));
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
			return 1;
		return WEXITSTATUS(st);
	}
	fprintf(stderr, "ctlclient: unknown mode %s\n", mode);
	return 2;
}
