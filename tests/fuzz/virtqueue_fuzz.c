/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: split-virtqueue walking (virtio/virtqueue.c), which
 * every virtio device uses on guest-written rings: virtq__setup() with the
 * guest's queue size and ring addresses, then pop every chain the avail
 * ring offers (direct and indirect descriptors, loops, lengths, addresses
 * outside RAM), copy out of and into each chain the way the devices do,
 * push it to the used ring and ask whether to notify.
 *
 * Input: 12 bytes of queue setup (size u16, desc/avail/used offsets u16
 * each in 16-byte units, flags: bit 0 event index; 3 spare), then the
 * contents of guest RAM (64 KiB, a heap block: ASan's redzones catch any
 * access the walker lets through).
 */
#include <stdlib.h>
#include <string.h>

#include "virtio/virtqueue.h"
#include "vmm/log.h"

#define RAM_SIZE	(64 * 1024)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct virtq_chain chain;
	static struct guest_mem mem;
	static u8 *ram;
	static u8 scratch[4096];
	struct virtq q = { 0 };
	u16 num, d, a, u;

	if (size < 12)
		return 0;
	log_level = LOG_ERR;
	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		if (!ram || guest_mem__layout(&mem, ram, -1, RAM_SIZE))
			__builtin_trap();
	}
	memcpy(&num, data, 2);
	memcpy(&d, data + 2, 2);
	memcpy(&a, data + 4, 2);
	memcpy(&u, data + 6, 2);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 12, MIN(size - 12, (size_t)RAM_SIZE));

	if (virtq__setup(&q, &mem, num, (u64)d * 16, (u64)a * 16, (u64)u * 16, data[8] & 1))
		return 0;
	for (unsigned int i = 0; i < 2u * q.num + 2 && virtq__has_avail(&q); i++) {
		size_t n;

		if (virtq__pop(&q, &chain))
			break;	/* refused: the device would set NEEDS_RESET */
		if (chain.nr_out + chain.nr_in > VIRTQ_MAX_SEGS)
			__builtin_trap();
		n = virtq__copy_from(&chain, data[9], scratch, sizeof(scratch));
		if (n > chain.out_len)
			__builtin_trap();
		n = virtq__copy_to(&chain, data[10], scratch, MIN(n + 16, sizeof(scratch)));
		if (n > chain.in_len)
			__builtin_trap();
		if (i == 0 && (data[11] & 1)) {
			virtq__unpop(&q);	/* a device that could not finish: retried */
			continue;
		}
		virtq__push(&q, chain.head, (u32)n);
		(void)virtq__should_notify(&q);
		virtq__enable_notify(&q);
	}
	virtq__reset(&q);
	return 0;
}
