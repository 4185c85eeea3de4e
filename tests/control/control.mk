# SPDX-License-Identifier: GPL-2.0-only
#
# The control socket's integration tests (tests/control/run.sh) and their
# raw socket client. Included by the top-level Makefile.

CONTROL_TEST_OUT := $(O)/tests/control

$(CONTROL_TEST_OUT)/ctlclient: tests/control/ctlclient.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

ALL_TARGETS += $(CONTROL_TEST_OUT)/ctlclient
all: $(CONTROL_TEST_OUT)/ctlclient
