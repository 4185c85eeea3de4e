# SPDX-License-Identifier: GPL-2.0-only
#
# virtio core, PCI transport and devices (virtio/). Included by the
# top-level Makefile after its rules: the objects join the imsvm program and
# the unit-test binary as extra prerequisites ($^ takes them in), and
# liburing joins the libraries.

VIRTIO_SRCS := $(sort $(filter-out %_test.c, $(wildcard virtio/*.c)))
VIRTIO_OBJS := $(VIRTIO_SRCS:%.c=$(O)/%.o)
VIRTIO_TEST_OBJS := $(patsubst %.c,$(O)/%.o,$(sort $(wildcard virtio/*_test.c)))

HOST_LIBS += -luring

$(O)/imsvm: $(VIRTIO_OBJS)
$(O)/unit-tests: $(VIRTIO_OBJS) $(VIRTIO_TEST_OBJS)

# The guest side of the block benchmark (tests/virtio/bench/): static, for
# the benchmark guest's initramfs (tests/virtio/prepare.sh).
$(O)/tests/virtio/blkbench: tests/virtio/bench/blkbench.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -static $(LDFLAGS) -o $@ $<

all: $(O)/tests/virtio/blkbench
