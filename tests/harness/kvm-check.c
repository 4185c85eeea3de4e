/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm-check: the harness's self-test. Proves that the KVM a test run is
 * given really works: /dev/kvm opens, KVM_GET_API_VERSION is 12, the
 * capabilities imsvm relies on are present, and a VM with one vCPU runs
 * a few real-mode instructions (an OUT to a port, then HLT) and exits to
 * user space with the values the guest wrote.
 *
 * Prints one `PASS name` / `FAIL name: why` line per check and exits 0
 * when all passed, 1 otherwise. Linked statically so that it runs in the
 * emulated machine's initramfs without its libraries.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_MEM	0x10000UL
#define GUEST_ENTRY	0x1000UL
#define TEST_PORT	0xe9
#define TEST_VALUE	0x5a

static int failures;

static void __attribute__((format(printf, 3, 4)))
result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS harness/%s\n", name);
		return;
	}
	failures++;
	printf("FAIL harness/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const struct {
	const char *name;
	int cap;
} caps[] = {
	{ "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP },
	{ "KVM_CAP_IRQ_ROUTING", KVM_CAP_IRQ_ROUTING },
	{ "KVM_CAP_IRQFD", KVM_CAP_IRQFD },
	{ "KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD },
	{ "KVM_CAP_SIGNAL_MSI", KVM_CAP_SIGNAL_MSI },
	{ "KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY },
	{ "KVM_CAP_PIT2", KVM_CAP_PIT2 },
};

/*
 * Real-mode guest at GUEST_ENTRY:
 *   mov al, TEST_VALUE; out TEST_PORT, al; hlt
 */
static const uint8_t guest_code[] = {
	0xb0, TEST_VALUE, 0xe6, TEST_PORT, 0xf4,
};

static int run_guest(int vm)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vcpu, size, saw_out = 0, i;
	uint8_t *mem;

	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	memcpy(mem + GUEST_ENTRY, guest_code, sizeof(guest_code));

	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return -errno;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	close(kvm);
	if (size <= 0)
		return -EINVAL;
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return -errno;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_ENTRY;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return -errno;

	/* A handful of exits at most; more means the guest went astray. */
	for (i = 0; i < 16; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == TEST_PORT && run->io.size == 1 &&
			    ((uint8_t *)run)[run->io.data_offset] == TEST_VALUE)
				saw_out = 1;
			break;
		case KVM_EXIT_HLT:
			return saw_out ? 0 : -EPROTO;
		default:
			fprintf(stderr, "kvm-check: unexpected exit reason %u\n",
				run->exit_reason);
			return -EPROTO;
		}
	}
	return -ETIMEDOUT;
}

int main(void)
{
	int kvm, vm, api, ret;
	size_t i;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	result(kvm >= 0, "kvm-open", "open /dev/kvm: %s", strerror(errno));
	if (kvm < 0)
		return 1;

	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	result(api == KVM_API_VERSION, "kvm-api-version",
	       "KVM_GET_API_VERSION = %d, want %d", api, KVM_API_VERSION);

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char name[64];
		int r = ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap);

		snprintf(name, sizeof(name), "kvm-cap-%s", caps[i].name + 8);
		result(r > 0, name, "%s missing", caps[i].name);
	}

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	result(vm >= 0, "kvm-create-vm", "KVM_CREATE_VM: %s", strerror(errno));
	if (vm >= 0) {
		ret = run_guest(vm);
		result(ret == 0, "kvm-run-guest",
		       "real-mode OUT+HLT guest: %s", strerror(-ret));
	}
	return failures ? 1 : 0;
}
