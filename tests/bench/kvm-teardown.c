/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm-teardown: how long KVM takes to destroy a VM when its last fd
 * closes, for the interrupt-controller set-ups of the two VMMs `make bench`
 * compares. A VMM's exit includes this (at close() or, for the fds it
 * leaves open, in exit_group()), so it explains the "start to exit" row.
 *
 *   kvm-teardown MODE REPS
 *
 * MODE: "full"  in-kernel PIC+IOAPIC (KVM_CREATE_IRQCHIP) and PIT
 *               (KVM_CREATE_PIT2): imsvm's machine
 *       "irqchip" in-kernel PIC+IOAPIC, no PIT: which part costs what
 *       "split" KVM_CAP_SPLIT_IRQCHIP (LAPIC in KVM, no PIC/IOAPIC/PIT):
 *               what QEMU's microvm uses with KVM
 *       "none"  no interrupt controller at all
 * Each VM gets 256 MiB of memory and one vCPU, like the bench guest's.
 * Prints one line per repetition: "teardown_us=N".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (256UL << 20)

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One VM built as MODE says; returns its teardown time in us, or -errno. */
static long long one(int kvm, const char *mode, void *mem)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (unsigned long)mem,
	};
	int vm, vcpu = -1, ret = 0;
	long long t;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return -errno;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto err;
	if (!strcmp(mode, "full")) {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
			goto err;
	} else if (!strcmp(mode, "irqchip")) {
		if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
			goto err;
	} else if (!strcmp(mode, "split")) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
			goto err;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto err;
	t = now_us();
	close(vcpu);
	close(vm);
	return now_us() - t;
err:
	ret = -errno;
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ret;
}

int main(int argc, char **argv)
{
	int kvm, reps;
	void *mem;

	if (argc != 3 || (strcmp(argv[1], "full") && strcmp(argv[1], "irqchip") &&
			  strcmp(argv[1], "split") && strcmp(argv[1], "none")) ||
	    (reps = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: kvm-teardown full|irqchip|split|none REPS\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "kvm-teardown: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		perror("kvm-teardown: mmap");
		return 1;
	}
	for (int i = 0; i < reps; i++) {
		long long us = one(kvm, argv[1], mem);

		if (us < 0) {
			fprintf(stderr, "kvm-teardown: %s VM: %s\n", argv[1], strerror((int)-us));
			return 1;
		}
		printf("teardown_us=%lld\n", us);
	}
	return 0;
}
