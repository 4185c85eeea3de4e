/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * imsvm's vfio-user client against the real ADI simulator, as a process
 * (no KVM needed). One line per test: PASS name / FAIL name: why /
 * SKIPPED name: why. Exit 0 when nothing failed.
 *
 * Usage: client-check PATH_TO_IMSVM_ADISIM
 */
#include <dirent.h>
#include <linux/pci_regs.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "devices/adisim/regs.h"
#include "devices/vfio_user_client.h"

#define RAM_SIZE	(16 * MiB)
#define RING_GPA	0x100000ull
#define COMP_GPA	0x101000ull
#define SRC_GPA		0x200000ull
#define DST_GPA		0x300000ull

static const char *sim_path;
static int failures;
static struct guest_mem mem;

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
	} else {
		failures++;
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

/* Start the simulator on one end of a socketpair (--fd, exits at EOF). */
static pid_t start_sim(int *sock, const char *extra)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		char fdarg[32];

		dup2(sv[1], 3);
		snprintf(fdarg, sizeof(fdarg), "--fd=3");
		if (extra)
			execl(sim_path, sim_path, fdarg, "--ims-entries=64", extra, (char *)NULL);
		else
			execl(sim_path, sim_path, fdarg, "--ims-entries=64", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static void stop_sim(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static u64 ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

static int cfg_write16(struct vfu_client *c, u32 off, u16 v)
{
	return vfu_client__region_write(c, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, 2);
}

static int bar0_write(struct vfu_client *c, u32 off, u32 v)
{
	return vfu_client__region_write(c, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 4);
}

/*
 * Submit one descriptor at ring slot 0 (ring of 1 entry... we use 4) and wait
 * for its completion record, serving DMA messages meanwhile.
 */
static int run_desc(struct vfu_client *c, const struct adisim_desc *d, u32 slot,
		    struct adisim_completion *comp)
{
	struct adisim_completion *cr = guest_mem__ptr(&mem, COMP_GPA + slot * 16, 16);
	u64 deadline;
	int ret;

	memset(cr, 0, sizeof(*cr));
	memcpy(guest_mem__ptr(&mem, RING_GPA + slot * 64, 64), d, 64);
	ret = bar0_write(c, ADISIM_REG_RING_TAIL, (slot + 1) % 4);
	if (ret)
		return ret;
	deadline = ms_now() + 5000;
	while (ms_now() < deadline) {
		ret = vfu_client__serve(c);
		if (ret)
			return ret;
		if (__atomic_load_n(&cr->status, __ATOMIC_ACQUIRE) != ADISIM_COMP_PENDING) {
			*comp = *cr;
			return 0;
		}
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int engine_setup(struct vfu_client *c)
{
	int ret = cfg_write16(c, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	ret = ret ?: bar0_write(c, ADISIM_REG_RING_BASE_LO, (u32)RING_GPA);
	ret = ret ?: bar0_write(c, ADISIM_REG_RING_BASE_HI, 0);
	ret = ret ?: bar0_write(c, ADISIM_REG_RING_SIZE, 4);
	ret = ret ?: bar0_write(c, ADISIM_REG_CTRL, ADISIM_CTRL_ENABLE);
	return ret;
}

static void test_copy(struct vfu_client *c, const char *name, u32 slot)
{
	struct adisim_desc d = {
		.opcode = ADISIM_OP_COPY, .flags = ADISIM_DESC_F_COMPLETION, .len = 8192,
		.src = SRC_GPA, .dst = DST_GPA, .completion = COMP_GPA + slot * 16,
		.cookie = 0xC0FFEE00 + slot,
	};
	struct adisim_completion comp = { 0 };
	u8 *src = guest_mem__ptr(&mem, SRC_GPA, 8192), *dst = guest_mem__ptr(&mem, DST_GPA, 8192);
	int ret;

	for (int i = 0; i < 8192; i++)
		src[i] = (u8)(i * 7 + slot);
	memset(dst, 0, 8192);
	ret = run_desc(c, &d, slot, &comp);
	result(!ret && comp.status == ADISIM_COMP_SUCCESS && comp.bytes == 8192 &&
	       comp.cookie == d.cookie && !memcmp(src, dst, 8192), name,
	       "ret %d status %u bytes %u", ret, comp.status, comp.bytes);
}

static void test_basic(void)
{
	struct vfu_server_caps caps;
	struct vfio_device_info di;
	struct vfio_irq_info ii;
	struct vfu_region r;
	struct vfu_client *c;
	int sock, ret, fds[100];
	u32 v32;
	u16 v16;
	pid_t pid = start_sim(&sock, NULL);

	ret = vfu_client__open_fd(sock, "adi", 2000, &mem, &c);
	result(!ret, "version", "open: %s", strerror(-ret));
	if (ret) {
		stop_sim(pid);
		return;
	}
	vfu_client__server_caps(c, &caps);
	result(caps.major == 0 && caps.minor <= 2 && caps.max_msg_fds >= 1 &&
	       caps.max_data_xfer_size >= 4096, "version-caps", "%u.%u fds %u xfer %u",
	       caps.major, caps.minor, caps.max_msg_fds, caps.max_data_xfer_size);

	ret = vfu_client__device_info(c, &di);
	result(!ret && (di.flags & VFIO_DEVICE_FLAGS_PCI) && di.num_regions >= 9 &&
	       di.num_irqs == ADISIM_NUM_IRQS, "device-info", "ret %d flags %#x regions %u irqs %u",
	       ret, di.flags, di.num_regions, di.num_irqs);

	ret = vfu_client__region_info(c, VFIO_PCI_CONFIG_REGION_INDEX, &r);
	result(!ret && r.size >= 256 && r.fd < 0, "region-info-config", "ret %d size %llu fd %d",
	       ret, (unsigned long long)r.size, r.fd);
	vfu_region__release(&r);
	ret = vfu_client__region_info(c, VFIO_PCI_BAR0_REGION_INDEX, &r);
	result(!ret && r.size == ADISIM_BAR0_SIZE && r.fd < 0, "region-info-bar0",
	       "ret %d size %llu", ret, (unsigned long long)r.size);
	vfu_region__release(&r);
	ret = vfu_client__region_info(c, VFIO_PCI_BAR2_REGION_INDEX, &r);
	result(!ret && r.fd >= 0 && (r.flags & VFIO_REGION_INFO_FLAG_MMAP) && r.nr_areas >= 1 &&
	       r.size >= 64 * 16, "region-info-sparse-fd", "ret %d fd %d areas %u", ret, r.fd,
	       r.nr_areas);
	if (!ret && r.fd >= 0) {
		void *p = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd,
			       (off_t)(r.offset + r.areas[0].offset));
		u32 ctl = p != MAP_FAILED ? ((u32 *)p)[3] : 0;

		result(p != MAP_FAILED && (ctl & ADISIM_IMS_CTRL_MASK), "ims-mmap",
		       "mmap %s ctrl %#x", p == MAP_FAILED ? strerror(errno) : "ok", ctl);
		if (p != MAP_FAILED)
			munmap(p, r.size);
	}
	vfu_region__release(&r);

	ret = vfu_client__region_read(c, VFIO_PCI_CONFIG_REGION_INDEX, 0, &v16, 2);
	result(!ret && v16 == ADISIM_PCI_VENDOR_ID, "config-read", "ret %d vendor %#x", ret, v16);
	ret = vfu_client__region_read(c, VFIO_PCI_BAR0_REGION_INDEX, ADISIM_REG_ID, &v32, 4);
	result(!ret && v32 == ADISIM_ID_VALUE, "bar0-read", "ret %d id %#x", ret, v32);
	ret = vfu_client__region_read(c, 42, 0, &v32, 4);
	result(ret == -EINVAL && !vfu_client__dead(c), "region-read-bad-index", "ret %d", ret);

	ret = vfu_client__irq_info(c, ADISIM_IRQ_INDEX_IMS, &ii);
	result(!ret && ii.count == ADISIM_IRT_SIZE && (ii.flags & VFIO_IRQ_INFO_EVENTFD),
	       "irq-info-ims", "ret %d count %u flags %#x", ret, ii.count, ii.flags);

	/* 100 eventfds: more than one message when the server takes fewer per message. */
	for (int i = 0; i < 100; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	close(fds[50]);
	fds[50] = -1;	/* a hole: de-assigned in a run of its own */
	ret = vfu_client__set_irqs(c, ADISIM_IRQ_INDEX_IMS,
				   VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 10, 100,
				   fds, NULL);
	result(!ret, "set-irqs-eventfds", "ret %d (server max_msg_fds %u)", ret, caps.max_msg_fds);

	/* DMA with the memfd, and a copy descriptor that raises IMS entry 0 on handle 10. */
	ret = vfu_client__map_guest_ram(c, &mem, true);
	result(!ret, "dma-map-fd", "ret %d", ret);
	ret = engine_setup(c);
	result(!ret, "engine-setup", "ret %d", ret);
	test_copy(c, "copy-dma-fd", 0);
	{
		u32 ims[4] = { ADISIM_MSI_REMAP_ADDR(10), 0, 0, 0 };
		struct adisim_desc d = {
			.opcode = ADISIM_OP_FILL, .flags = ADISIM_DESC_F_COMPLETION |
			ADISIM_DESC_F_INTERRUPT, .len = 4096, .dst = DST_GPA,
			.pattern = 0x1122334455667788ull, .completion = COMP_GPA + 16,
		};
		struct adisim_completion comp = { 0 };
		u64 cnt = 0, deadline;

		ret = vfu_client__region_write(c, VFIO_PCI_BAR2_REGION_INDEX, 0, ims, 16);
		ret = ret ?: run_desc(c, &d, 1, &comp);
		deadline = ms_now() + 2000;
		while (!ret && ms_now() < deadline && read(fds[0], &cnt, 8) != 8)
			usleep(1000);
		result(!ret && comp.status == ADISIM_COMP_SUCCESS && cnt == 1 &&
		       *(u64 *)guest_mem__ptr(&mem, DST_GPA + 4088, 8) == d.pattern,
		       "fill-irq-eventfd", "ret %d status %u eventfd %llu", ret, comp.status,
		       (unsigned long long)cnt);
	}

	/* Without the fd the server must use DMA_READ/DMA_WRITE messages, which we serve. */
	ret = 0;
	for (unsigned int i = 0; i < mem.nr_regions && !ret; i++)
		ret = vfu_client__dma_unmap(c, mem.regions[i].gpa, mem.regions[i].size);
	ret = ret ?: vfu_client__map_guest_ram(c, &mem, false);
	result(!ret, "dma-map-nofd", "ret %d", ret);
	{
		struct vfu_client_stats st0, st1;

		vfu_client__stats(c, &st0);
		test_copy(c, "copy-dma-messages", 2);
		vfu_client__stats(c, &st1);
		result(st1.dma_reads > st0.dma_reads && st1.dma_writes > st0.dma_writes &&
		       st1.dma_faults == st0.dma_faults, "dma-messages-served",
		       "reads %llu writes %llu faults %llu",
		       (unsigned long long)(st1.dma_reads - st0.dma_reads),
		       (unsigned long long)(st1.dma_writes - st0.dma_writes),
		       (unsigned long long)st1.dma_faults);
	}
	{
		/*
		 * A descriptor pointing outside RAM: the server finds no DMA map for it
		 * and reports a read fault (our own refusal is unit-tested with a fake server).
		 */
		struct adisim_desc d = {
			.opcode = ADISIM_OP_COPY, .flags = ADISIM_DESC_F_COMPLETION, .len = 64,
			.src = 0x7000000000ull, .dst = DST_GPA, .completion = COMP_GPA + 48,
		};
		struct adisim_completion comp = { 0 };

		ret = run_desc(c, &d, 3, &comp);
		result(!ret && comp.status == ADISIM_COMP_READ_FAULT && !vfu_client__dead(c),
		       "dma-outside-ram-fault", "ret %d status %u", ret, comp.status);
	}

	ret = vfu_client__reset(c);
	v32 = 1;
	ret = ret ?: vfu_client__region_read(c, VFIO_PCI_BAR0_REGION_INDEX, ADISIM_REG_CTRL, &v32, 4);
	result(!ret && v32 == 0, "device-reset", "ret %d ctrl %#x", ret, v32);

	for (int i = 0; i < 100; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	vfu_client__destroy(c);
	stop_sim(pid);
}

/* The server dies (SIGKILL) or stops answering (SIGSTOP): -ENODEV, dead, no fd leaked. */
static void test_death(const char *name, int sig)
{
	struct vfu_client *c;
	int sock, ret, before = count_fds();
	u32 v;
	pid_t pid = start_sim(&sock, "--ims-entries=16");

	ret = vfu_client__open_fd(sock, "adi", 300, &mem, &c);
	if (ret) {
		result(false, name, "open %d", ret);
		stop_sim(pid);
		return;
	}
	kill(pid, sig);
	if (sig == SIGKILL)
		waitpid(pid, NULL, 0);
	ret = vfu_client__region_read(c, VFIO_PCI_BAR0_REGION_INDEX, 0, &v, 4);
	{
		int again = vfu_client__region_read(c, VFIO_PCI_BAR0_REGION_INDEX, 0, &v, 4);

		vfu_client__destroy(c);
		stop_sim(pid);
		result(ret == -ENODEV && again == -ENODEV && count_fds() == before, name,
		       "ret %d again %d fds %d -> %d", ret, again, before, count_fds());
	}
}

static void test_die_on_doorbell(void)
{
	struct vfu_client *c;
	int sock, ret;
	pid_t pid = start_sim(&sock, "--die-on-doorbell");

	ret = vfu_client__open_fd(sock, "adi", 2000, &mem, &c);
	if (ret) {
		result(false, "die-on-doorbell", "open %d", ret);
		stop_sim(pid);
		return;
	}
	ret = bar0_write(c, ADISIM_REG_RING_TAIL, 1);
	if (ret == 0)
		ret = vfu_client__serve(c);
	result(ret == -ENODEV && vfu_client__dead(c), "die-on-doorbell", "ret %d", ret);
	vfu_client__destroy(c);
	stop_sim(pid);
}

static void test_connect_path(void)
{
	char dir[] = "/tmp/assign-check.XXXXXX", path[128], arg[160];
	struct vfu_client *c = NULL;
	int ret = -1;
	pid_t pid;

	if (!mkdtemp(dir)) {
		result(false, "connect-path", "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/adi.sock", dir);
	snprintf(arg, sizeof(arg), "--socket-path=%s", path);
	pid = fork();
	if (pid == 0) {
		execl(sim_path, sim_path, arg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && ret; i++) {
		if (access(path, F_OK) == 0)
			ret = vfu_client__connect(path, NULL, 2000, &mem, &c);
		if (ret)
			usleep(10000);
	}
	result(!ret, "connect-path", "ret %d", ret);
	if (c)
		vfu_client__destroy(c);
	ret = vfu_client__connect("/nonexistent/sock", NULL, 100, &mem, &c);
	result(ret == -ENOENT, "connect-missing", "ret %d", ret);
	stop_sim(pid);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	int fd;
	void *host;

	if (argc < 2) {
		fprintf(stderr, "usage: %s IMSVM_ADISIM\n", argv[0]);
		return 2;
	}
	sim_path = argv[1];
	if (access(sim_path, X_OK)) {
		printf("SKIPPED assign-client: %s not built\n", sim_path);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, RAM_SIZE) ||
	    (host = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    guest_mem__layout(&mem, host, fd, RAM_SIZE)) {
		printf("FAIL setup: guest RAM\n");
		return 1;
	}
	test_basic();
	test_death("server-killed", SIGKILL);
	test_death("server-stopped-timeout", SIGSTOP);
	test_die_on_doorbell();
	test_connect_path();
	return failures ? 1 : 0;
}
