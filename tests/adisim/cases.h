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

/* Cases defined in cases_irq.c and cases_robust.c. */
int t_copy(void);
int t_fill_and_delay(void);
int t_forged_handle(void);
int t_foreign_handle(void);
int t_ims_mask(void);
int t_vfio_mask(void);
int t_malformed(void);
int t_dma_fault(void);
int t_msi_error(void);
int t_dma_messages(void);
int t_twin_socket(void);
int t_storm_register(void);
int t_fuzz(void);
int t_two_adis(void);
int t_deferred_command(void);
int x_die_on_doorbell(void);
int x_fail_after_3_error(void);
int x_fail_after_2_die(void);
int x_storm_option(void);

/* bench.c: storm delivery rate and DMA throughput, printed as a table. */
int bench_run(const char *sock);

#endif /* TESTS_ADISIM_CASES_H */
