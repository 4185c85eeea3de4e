# SPDX-License-Identifier: GPL-2.0-only
#
# Device assignment: imsvm's vfio-user client shares the vfio-user codec
# with the ADI simulator (devices/adisim/adisim.mk defines VFU_OBJS), and the
# assignment integration tests under tests/assign/.

$(O)/imsvm: $(VFU_OBJS)

ASSIGN_CHECK_OBJS := $(O)/tests/assign/client_check.o $(O)/devices/vfio_user_client.o \
	$(O)/devices/vfio_user_cmds.o $(O)/vmm/guest_mem.o $(O)/vmm/log.o $(VFU_OBJS)

ALL_TARGETS += $(O)/tests/assign/client-check
all: $(O)/tests/assign/client-check

$(O)/tests/assign/client-check: $(ASSIGN_CHECK_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -ljson-c -lpthread
