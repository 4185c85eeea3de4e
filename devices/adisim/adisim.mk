# SPDX-License-Identifier: GPL-2.0-only
#
# The ADI simulator (imsvm-adisim), the vfio-user codec it shares with
# imsvm's vfio-user backend, their unit tests, and the vfio-user test client.
#
# The top-level Makefile expands the prerequisites of `all` and
# `$(O)/unit-tests` before it includes this fragment, so appending to
# ALL_TARGETS or UNIT_EXTRA_OBJS here would be too late: the rules below add
# prerequisites to those targets directly (their recipes use $^).

VFU_SRCS := devices/vfio-user/msg.c devices/vfio-user/version.c
VFU_OBJS := $(VFU_SRCS:%.c=$(O)/%.o)

ADISIM_SRCS := $(filter-out %_test.c devices/adisim/main.c, $(wildcard devices/adisim/*.c))
ADISIM_OBJS := $(ADISIM_SRCS:%.c=$(O)/%.o)
ADISIM_TEST_SRCS := $(wildcard devices/adisim/*_test.c devices/vfio-user/*_test.c)
ADISIM_TEST_OBJS := $(ADISIM_TEST_SRCS:%.c=$(O)/%.o)

ADISIM_CLIENT_SRCS := $(wildcard tests/adisim/*.c)
ADISIM_CLIENT_OBJS := $(ADISIM_CLIENT_SRCS:%.c=$(O)/%.o)

# The codec's VERSION JSON needs json-c on both sides.
HOST_LIBS += -ljson-c

ALL_TARGETS += $(O)/imsvm-adisim $(O)/tests/adisim/adisim-client
all: $(O)/imsvm-adisim $(O)/tests/adisim/adisim-client

$(O)/imsvm-adisim: $(O)/devices/adisim/main.o $(ADISIM_OBJS) $(VFU_OBJS) $(O)/vmm/log.o \
		$(O)/vmm/fd_limit.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -ljson-c

$(O)/tests/adisim/adisim-client: $(ADISIM_CLIENT_OBJS) $(VFU_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -ljson-c

# Unit tests: the simulator's model and the codec, linked into build/unit-tests.
# (vmm/log.o is already there as a host object.)
UNIT_EXTRA_OBJS += $(ADISIM_OBJS) $(VFU_OBJS) $(ADISIM_TEST_OBJS)
$(O)/unit-tests: $(ADISIM_OBJS) $(VFU_OBJS) $(ADISIM_TEST_OBJS)

.PHONY: adisim-check
adisim-check: $(O)/imsvm-adisim $(O)/tests/adisim/adisim-client
	$(Q)./tests/adisim/run.sh
