/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef TESTS_ADISIM_CASES_H
#define TESTS_ADISIM_CASES_H

struct tcase {
	const char *name;
	int (*fn)(void);
};

/* tcases run by default; xcases only by name, against a simulator started for them. */
extern const struct tcase tcases[];
extern const struct tcase xcases[];

/* bench.c: storm delivery rate and DMA throughput, printed as a table. */
int bench_run(const char *sock, const char *storm_sock);

#endif /* TESTS_ADISIM_CASES_H */
