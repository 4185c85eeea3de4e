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

/* virtio-rng: entropy from getrandom(2). */
int __must_check virtio_rng__init(struct vm *vm);

/* virtio-console: one port (hvc0) on stdin/stdout. */
int __must_check virtio_console__init(struct vm *vm);

/* virtio-blk: @spec is "FILE[,ro][,serial=ID]" (raw image). */
int __must_check virtio_blk__init(struct vm *vm, const char *spec);

/* virtio-net: @spec is "tap[,ifname=NAME][,mac=XX:XX:XX:XX:XX:XX]". */
int __must_check virtio_net__init(struct vm *vm, const char *spec);

#endif /* VIRTIO_DEVICES_H */
