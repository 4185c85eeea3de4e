/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * adisim-client: vfio-user test client for imsvm-adisim.
 *
 *   adisim-client --socket0 PATH [--socket1 PATH] [--only NAME]   run the cases
 *   adisim-client --bench --socket0 PATH                          measure
 *   adisim-client --check-stats FILE                              check a --stats-json file
 *   adisim-client --fd-sim SIMULATOR                              run SIMULATOR --fd=3 on a socketpair
 *
 * Prints one line per case: "PASS name", "FAIL name: why", "SKIPPED name: why".
 * Exit status: 0 all passed (or skipped), 1 a case failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "tests/adisim/cases.h"
#include "tests/adisim/fixture.h"

char fail_msg[512];
const char *sock0, *sock1;

static int check_stats(const char *path)
{
	static const char *const must_be_positive[] = {
		"raised", "delivered", "blocked_remapping", "masked_pending", "dma_bytes",
		"faults", "descriptors_done", "protocol_errors",
	};
	json_object *root = json_object_from_file(path), *total, *v;
	int64_t raised = 0, accounted = 0;
	unsigned int i;
	int bad = 0;

	if (!root || !json_object_object_get_ex(root, "total", &total)) {
		printf("FAIL stats_json: %s is missing or not the expected JSON\n", path);
		json_object_put(root);
		return 1;
	}
	for (i = 0; i < sizeof(must_be_positive) / sizeof(must_be_positive[0]); i++) {
		if (!json_object_object_get_ex(total, must_be_positive[i], &v) ||
		    json_object_get_int64(v) <= 0) {
			printf("FAIL stats_json: total.%s is not positive\n", must_be_positive[i]);
			bad = 1;
		}
	}
	/* Every raised interrupt ends delivered, blocked or pending (software triggers are raised too). */
	if (json_object_object_get_ex(total, "raised", &v))
		raised = json_object_get_int64(v);
	if (json_object_object_get_ex(total, "delivered", &v))
		accounted += json_object_get_int64(v);
	if (json_object_object_get_ex(total, "blocked_remapping", &v))
		accounted += json_object_get_int64(v);
	if (json_object_object_get_ex(total, "masked_pending", &v))
		accounted += json_object_get_int64(v);
	if (accounted < raised) {
		printf("FAIL stats_json: raised %lld but only %lld delivered/blocked/pending\n",
		       (long long)raised, (long long)accounted);
		bad = 1;
	}
	json_object_put(root);
	if (!bad)
		printf("PASS stats_json\n");
	return bad;
}

/* --fd with a connected socket: one session, then a clean exit. */
static int fd_session(const char *sim)
{
	struct vfio_device_info in = { .argsz = 16 };
	struct tclient c;
	int sv[2], status = -1, i, ret;
	pid_t pid;

	memset(&c, 0, sizeof(c));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(sv[1], 3);
		if (null >= 0)
			dup2(null, 2);	/* keep the result lines clean */
		execl(sim, sim, "--fd=3", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	c.fd = c.dma_fd = sv[0];
	vfu_caps__defaults(&c.srv);
	ret = tc_version(&c, false, 4096);
	if (!ret)
		ret = tc_request(&c, VFIO_USER_DEVICE_GET_INFO, &in, 16, NULL, 0, NULL, 0, NULL);
	tc_close(&c);
	for (i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 500) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (ret || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("FAIL fd_connected_socket: request %d, simulator status %#x\n", ret, status);
		return 1;
	}
	printf("PASS fd_connected_socket\n");
	return 0;
}

static int run(const struct tcase *t)
{
	int r;

	fail_msg[0] = '\0';
	r = t->fn();
	tc_close_all();
	usleep(20000);		/* let the server see the EOF before the next case connects */
	if (r == 0) {
		printf("PASS %s\n", t->name);
	} else if (r == 77) {
		printf("SKIPPED %s: %s\n", t->name, fail_msg);
	} else {
		printf("FAIL %s: %s\n", t->name, fail_msg[0] ? fail_msg : "?");
		fflush(stdout);
		return 1;
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket0", required_argument, NULL, '0' },
		{ "socket1", required_argument, NULL, '1' },
		{ "only", required_argument, NULL, 'o' },
		{ "bench", no_argument, NULL, 'b' },
		{ "check-stats", required_argument, NULL, 'c' },
		{ "fd-sim", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only = NULL, *stats = NULL, *fd_sim = NULL;
	bool bench = false;
	int c, failed = 0, i, ran = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case '0': sock0 = optarg; break;
		case '1': sock1 = optarg; break;
		case 'o': only = optarg; break;
		case 'b': bench = true; break;
		case 'c': stats = optarg; break;
		case 'f': fd_sim = optarg; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of tests/adisim/client.c\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (stats)
		return check_stats(stats);
	if (fd_sim)
		return fd_session(fd_sim);
	if (!sock0) {
		fprintf(stderr, "adisim-client: --socket0 PATH is required\n");
		return 2;
	}
	if (bench)
		return bench_run(sock0) ? 1 : 0;
	for (i = 0; tcases[i].name; i++)
		if (!only || !strcmp(only, tcases[i].name))
			failed |= run(&tcases[i]), ran++;
	for (i = 0; only && xcases[i].name; i++)
		if (!strcmp(only, xcases[i].name))
			failed |= run(&xcases[i]), ran++;
	if (!ran) {
		fprintf(stderr, "adisim-client: no case named '%s'\n", only);
		return 2;
	}
	return failed;
}
