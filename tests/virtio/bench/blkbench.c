/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkbench DEVICE MODE SECONDS: the guest side of tests/bench/bench-virtio-blk.sh.
 * MODE randread4k: 4 KiB reads at random 4 KiB-aligned offsets; seqread1m:
 * 1 MiB reads from the start, wrapping. One request at a time (queue depth
 * 1), O_DIRECT so each read is a request to the device. Prints
 * "BLKBENCH MODE reqs=N usecs=N iops=N mibps=N". Static, no libraries.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	uint64_t size, bs, t0, t, reqs = 0, x = 88172645463325252ULL, off = 0;
	void *buf;
	int fd, rnd;

	if (argc != 4) {
		fprintf(stderr, "usage: blkbench DEVICE randread4k|seqread1m SECONDS\n");
		return 2;
	}
	rnd = !strcmp(argv[2], "randread4k");
	bs = rnd ? 4096 : 1048576;
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0 || size < bs) {
		perror(argv[1]);
		return 1;
	}
	if (posix_memalign(&buf, 4096, bs))
		return 1;
	t0 = now_us();
	do {
		if (rnd) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			off = (x % (size / bs)) * bs;
		} else if (off + bs > size) {
			off = 0;
		}
		if (pread(fd, buf, bs, (off_t)off) != (ssize_t)bs) {
			perror("pread");
			return 1;
		}
		if (!rnd)
			off += bs;
		reqs++;
		t = now_us();
	} while (t - t0 < (uint64_t)atoi(argv[3]) * 1000000);
	printf("BLKBENCH %s reqs=%llu usecs=%llu iops=%llu mibps=%.1f\n", argv[2],
	       (unsigned long long)reqs, (unsigned long long)(t - t0),
	       (unsigned long long)(reqs * 1000000 / (t - t0)),
	       (double)reqs * bs / 1048576.0 / ((double)(t - t0) / 1e6));
	return 0;
}
