/* SPDX-License-Identifier: GPL-2.0-only */
/* A connected, DMA-mapped, ring-ready ADI for the test client's cases. */
#ifndef TESTS_ADISIM_FIXTURE_H
#define TESTS_ADISIM_FIXTURE_H

#include <stdio.h>

#include "devices/adisim/regs.h"
#include "tests/adisim/tclient.h"

#define IOVA_BASE	0x10000000ull
#define MEM_SIZE	(32ull << 20)
#define RING_OFF	0x0
#define RING_ENTRIES	64
#define COMP_OFF	0x2000		/* completion records, 16 bytes each */
#define SRC_OFF		0x100000
#define DST_OFF		0x900000
#define MSG_IOVA	0x40000000ull	/* region reached by DMA messages */
#define MSG_SIZE	(4ull << 20)

struct fx {
	struct tclient c;
	int memfd;
	uint8_t *mem;
	uint8_t *msgmem;
	uint32_t *ims;
	size_t ims_size;
	uint32_t ims_entries;
	uint32_t tail;
};

extern char fail_msg[512];
extern const char *sock0, *sock1;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(fail_msg, sizeof(fail_msg), __VA_ARGS__); \
			return -1;					\
		}							\
	} while (0)

#define SKIP(...)							\
	do {								\
		snprintf(fail_msg, sizeof(fail_msg), __VA_ARGS__);	\
		return 77;						\
	} while (0)

int fx_open(struct fx *f, const char *path, bool twin, bool msg_region);
void fx_close(struct fx *f);
int fx_map_ims(struct fx *f);
int fx_bind(struct fx *f, uint32_t handle, int *efd);
/* Bind one eventfd on any IRQ index (ERR, REQ). */
int fx_bind_index(struct fx *f, uint32_t index, uint32_t start, int *efd);
void fx_ims_set(struct fx *f, uint32_t index, uint32_t addr, uint32_t data, bool masked);
/* Queue one descriptor and ring the doorbell; returns its completion record. */
volatile struct adisim_completion *fx_submit(struct fx *f, const struct adisim_desc *d);
/* Wait for a completion record to leave PENDING (serving DMA); status or 0. */
/* An immediate INTR descriptor raising IMS entry index; 0 once it completed. */
int fx_intr(struct fx *f, uint16_t index);
uint32_t fx_wait(struct fx *f, volatile struct adisim_completion *c, int timeout_ms);

#endif /* TESTS_ADISIM_FIXTURE_H */
