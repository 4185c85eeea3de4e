/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio devices imsvm offers, each on its own PCI slot (virtio/pci.h).
 * Called by vm__build() after the PCI host bridge; each returns 0 or
 * -errno after logging one line that names the problem (a missing disk
 * file, an unopenable tap, ...), and registers itself on the device list
 * for teardown.
 */
#ifndef VIRTIO_DEVICES_H
#define VIRTIO_DEVICES_H

#include "vmm/util.h"

struct vm;
struct device;

/* virtio-rng: entropy from getrandom(2). */
int __must_check virtio_rng__init(struct vm *vm);

/* virtio-console: one port (hvc0) on stdin/stdout. */
int __must_check virtio_console__init(struct vm *vm);

/* virtio-blk: @spec is "FILE[,ro][,serial=ID]" (raw image). */
int __must_check virtio_blk__init(struct vm *vm, const char *spec);

/* What a disk did, since imsvm started (`stat`, and its line at exit). */
struct virtio_blk_stats {
	u64 reads, writes, flushes, discards, get_id;
	u64 errors;		/* requests answered with a status other than OK */
	u64 io_errors;		/* of them, failed by the image file (errno or no progress) */
	u64 no_space;		/* of those, ENOSPC or EDQUOT: the image's file system is full */
	u64 short_transfers;	/* short reads/writes continued for the rest */
	u64 ro_refused, bad_requests;
	u64 kicks;		/* notifications the I/O thread woke up for */
};

/* @dev's counters if it is a virtio-blk disk (0), else -ENODEV. Any thread. */
int __must_check virtio_blk__stats(const struct device *dev, struct virtio_blk_stats *out);

/* virtio-net: @spec is "tap[,ifname=NAME][,mac=XX:XX:XX:XX:XX:XX]". */
int __must_check virtio_net__init(struct vm *vm, const char *spec);

#endif /* VIRTIO_DEVICES_H */
