/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/cmd.h"
#include "vmm/layout.h"
#include "vmm/log.h"

/* Largest RAM the layout holds: the part above 4 GiB must end below the 64-bit PCI window. */
#define CLI_MAX_MEM_BYTES \
	(LAYOUT_PCI_MMIO64_BASE - LAYOUT_HIGH_RAM_START + LAYOUT_PCI_HOLE_START)
#define CLI_MAX_CPUS		254	/* APIC ids 0..253, the IOAPIC takes the next */

void cli__usage_run(FILE *f)
{
	fputs("usage: imsvm run [OPTIONS] KERNEL\n"
	      "\n"
	      "Boot KERNEL (Linux bzImage, PVH ELF such as vmlinux, or ELF64) in a new VM.\n"
	      "\n"
	      "  -k, --kernel FILE     kernel image (instead of the positional KERNEL)\n"
	      "      --initrd FILE     initial ramdisk / module\n"
	      "      --cmdline STR     kernel command line\n"
	      "  -m, --mem MiB         guest RAM in MiB (default 256)\n"
	      "  -c, --cpus N          number of vCPUs (default 1, at most KVM's limit)\n"
	      "      --name NAME       VM name (default imsvm-PID)\n"
	      "      --console serial|virtio  console on stdin/stdout: COM1 (default) or\n"
	      "                        virtio-console (hvc0; COM1 then has no input)\n"
	      "      --disk FILE[,ro][,serial=ID][,aio=sync]  virtio-blk disk on a raw image\n"
	      "                        (repeatable; aio=sync: no io_uring, one request at a time)\n"
	      "      --net tap[,ifname=NAME][,mac=MAC]  virtio-net on a tap device (repeatable)\n"
	      "      --rng             virtio-rng (entropy from the host's getrandom)\n"
	      "      --timeout SEC     stop the VM after SEC seconds, exit status 124\n"
	      "      --dump-dtb FILE   write the guest's device tree blob to FILE\n"
	      "      --stats           print KVM's exit counts per vCPU at exit (stderr)\n"
	      "      --vfio-user SOCKET[,dma=fd|messages][,timeout=MS]\n"
	      "                        assign the PCI device a vfio-user server serves on\n"
	      "                        SOCKET (repeatable)\n"
	      "      --vfio DEVICE     assign a host PCI device bound to vfio-pci, by BDF\n"
	      "                        or sysfs path (repeatable)\n"
	      "      --ims-mode pvic|trap  IMS interrupts through the PV-IC (default when a\n"
	      "                        device is assigned; 'pvic' forces it) or trapped\n"
	      "      --irq-delivery irqfd|relay  KVM irqfd (default) or imsvm relays\n"
	      "      --trace-pvic      log each PV-IC operation\n"
	      "      --control-socket PATH  the operator control socket (default\n"
	      "                        $XDG_RUNTIME_DIR/imsvm/NAME.sock, /run/imsvm as root)\n"
	      "      --no-control      no control socket (imsvm list/stat/... cannot see it)\n"
	      "      --no-seccomp      no seccomp filters (debugging; docs/reliability.md)\n"
	      "  -q, --quiet           no informational messages\n"
	      "      --debug           debug messages\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "Exit status: the guest's test-exit code if it wrote one; 0 when the guest\n"
	      "powered off or reset; 1 VMM error; 2 usage error; 124 timeout;\n"
	      "128+N stopped by signal N. ^C stops the VM.\n", f);
}

void cli__usage(FILE *f)
{
	fputs("usage: imsvm COMMAND [OPTIONS]\n"
	      "\n"
	      "Commands:\n"
	      "  run        boot a guest kernel in a new VM\n"
	      "  list       running VMs (name, pid, vCPUs, memory, state, devices)\n"
	      "  stat       exits per vCPU, memory, uptime, PV-IC counters of a VM\n"
	      "  ims        every IMS vector the PV-IC has handed out in a VM\n"
	      "  pause      stop every vCPU of a VM\n"
	      "  resume     run a paused VM again\n"
	      "  stop       stop a VM (gracefully, then forced after a timeout)\n"
	      "  assign     assign a device to a running VM (--vfio-user SOCKET)\n"
	      "  unassign   remove an assigned device from a running VM\n"
	      "\n"
	      "  imsvm --version | --help | COMMAND --help\n", f);
}

void cli__host_limits(struct cli_host *host)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	struct rlimit rl;

	host->phys_mem_bytes = pages > 0 && psize > 0 ? (u64)pages * (u64)psize : ~0ULL;
	host->rlimit_as = ~0ULL;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		host->rlimit_as = rl.rlim_cur;
}

static int __printf(1, 2) usage_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_err("%s (see 'imsvm run --help')", buf);
	return -EINVAL;
}

/* Decimal unsigned number, the whole string, no sign, no overflow. */
static int parse_u64(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

enum opt_id {
	OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_MEM, OPT_CPUS, OPT_NAME, OPT_CONSOLE,
	OPT_TIMEOUT, OPT_DUMP_DTB, OPT_STATS, OPT_QUIET, OPT_DEBUG, OPT_HELP,
	OPT_VFIO_USER, OPT_VFIO, OPT_IMS_MODE, OPT_IRQ_DELIVERY, OPT_TRACE_PVIC,
	OPT_DISK, OPT_NET, OPT_RNG, OPT_CONTROL_SOCKET, OPT_NO_CONTROL, OPT_NO_SECCOMP,
};

static const struct {
	const char *long_name;
	char short_name;
	bool has_arg;
	enum opt_id id;
} run_opts[] = {
	{ "kernel", 'k', true, OPT_KERNEL },
	{ "initrd", 0, true, OPT_INITRD },
	{ "cmdline", 0, true, OPT_CMDLINE },
	{ "mem", 'm', true, OPT_MEM },
	{ "cpus", 'c', true, OPT_CPUS },
	{ "name", 0, true, OPT_NAME },
	{ "console", 0, true, OPT_CONSOLE },
	{ "timeout", 0, true, OPT_TIMEOUT },
	{ "dump-dtb", 0, true, OPT_DUMP_DTB },
	{ "stats", 0, false, OPT_STATS },
	{ "quiet", 'q', false, OPT_QUIET },
	{ "debug", 0, false, OPT_DEBUG },
	{ "help", 'h', false, OPT_HELP },
	{ "vfio-user", 0, true, OPT_VFIO_USER },
	{ "vfio", 0, true, OPT_VFIO },
	{ "ims-mode", 0, true, OPT_IMS_MODE },
	{ "irq-delivery", 0, true, OPT_IRQ_DELIVERY },
	{ "trace-pvic", 0, false, OPT_TRACE_PVIC },
	{ "disk", 0, true, OPT_DISK },
	{ "net", 0, true, OPT_NET },
	{ "rng", 0, false, OPT_RNG },
	{ "control-socket", 0, true, OPT_CONTROL_SOCKET },
	{ "no-control", 0, false, OPT_NO_CONTROL },
	{ "no-seccomp", 0, false, OPT_NO_SECCOMP },
};

static int set_kernel(struct cli_run *r, const char *path)
{
	if (r->cfg.kernel_path)
		return usage_error("more than one kernel image given ('%s' and '%s')",
				   r->cfg.kernel_path, path);
	if (!*path)
		return usage_error("empty kernel image path");
	r->cfg.kernel_path = path;
	return 0;
}

static int apply(struct cli_run *r, enum opt_id id, const char *name, const char *arg,
		 const struct cli_host *host)
{
	u64 v;

	switch (id) {
	case OPT_KERNEL:
		return set_kernel(r, arg);
	case OPT_INITRD:
		r->cfg.initrd_path = arg;
		return 0;
	case OPT_CMDLINE:
		r->cfg.cmdline = arg;
		return 0;
	case OPT_MEM:
		if (parse_u64(arg, &v) < 0 || v > CLI_MAX_MEM_BYTES / MiB)
			return usage_error("--mem '%s': not a size in MiB", arg);
		if (v == 0)
			return usage_error("--mem 0: the guest needs some memory");
		if (v * MiB > host->phys_mem_bytes)
			return usage_error("--mem %llu: more than the host's %llu MiB of memory",
					   (unsigned long long)v,
					   (unsigned long long)(host->phys_mem_bytes / MiB));
		if (v * MiB > host->rlimit_as)
			return usage_error("--mem %llu: above the address-space limit of %llu MiB "
					   "(ulimit -v)", (unsigned long long)v,
					   (unsigned long long)(host->rlimit_as / MiB));
		r->cfg.mem_bytes = v * MiB;
		return 0;
	case OPT_CPUS:
		if (parse_u64(arg, &v) < 0)
			return usage_error("--cpus '%s': not a number", arg);
		if (v == 0)
			return usage_error("--cpus 0: a VM needs at least one vCPU");
		if (v > CLI_MAX_CPUS)
			return usage_error("--cpus %s: at most %u (APIC ids and the MP table)", arg,
					   CLI_MAX_CPUS);
		r->cfg.nr_cpus = (unsigned int)v;
		return 0;
	case OPT_NAME:
		if (!*arg)
			return usage_error("--name: empty name");
		r->cfg.name = arg;
		return 0;
	case OPT_CONSOLE:
		if (strcmp(arg, "serial") && strcmp(arg, "virtio"))
			return usage_error("--console '%s': 'serial' or 'virtio'", arg);
		r->cfg.console_virtio = !strcmp(arg, "virtio");
		return 0;
	case OPT_TIMEOUT:
		if (parse_u64(arg, &v) < 0 || v > UINT_MAX)
			return usage_error("--timeout '%s': not a number of seconds", arg);
		r->cfg.timeout_sec = (unsigned int)v;
		return 0;
	case OPT_DUMP_DTB:
		if (!*arg)
			return usage_error("--dump-dtb: empty file name");
		r->cfg.dump_dtb_path = arg;
		return 0;
	case OPT_STATS:
		r->cfg.print_stats = true;
		return 0;
	case OPT_QUIET:
		r->cfg.quiet = true;
		return 0;
	case OPT_DEBUG:
		r->debug = true;
		return 0;
	case OPT_HELP:
		r->help = true;
		return 0;
	case OPT_VFIO_USER:
		if (!*arg)
			return usage_error("--vfio-user: empty socket path");
		if (r->cfg.nr_vfio_user == VM_MAX_ASSIGNED)
			return usage_error("--vfio-user: at most %u devices", VM_MAX_ASSIGNED);
		r->cfg.vfio_user[r->cfg.nr_vfio_user++] = arg;
		return 0;
	case OPT_VFIO:
		if (!*arg)
			return usage_error("--vfio: empty device");
		if (r->cfg.nr_vfio == VM_MAX_ASSIGNED)
			return usage_error("--vfio: at most %u devices", VM_MAX_ASSIGNED);
		r->cfg.vfio[r->cfg.nr_vfio++] = arg;
		return 0;
	case OPT_IMS_MODE:
		if (!strcmp(arg, "pvic"))
			r->cfg.ims_mode = VM_IMS_PVIC;
		else if (!strcmp(arg, "trap"))
			r->cfg.ims_mode = VM_IMS_TRAP;
		else
			return usage_error("--ims-mode '%s': 'pvic' or 'trap'", arg);
		return 0;
	case OPT_IRQ_DELIVERY:
		if (strcmp(arg, "irqfd") && strcmp(arg, "relay"))
			return usage_error("--irq-delivery '%s': 'irqfd' or 'relay'", arg);
		r->cfg.irq_relay = !strcmp(arg, "relay");
		return 0;
	case OPT_TRACE_PVIC:
		r->cfg.trace_pvic = true;
		return 0;
	case OPT_DISK:
		if (!*arg || *arg == ',')
			return usage_error("--disk '%s': no image file", arg);
		if (r->cfg.nr_disks == VM_MAX_VIRTIO)
			return usage_error("--disk: at most %u disks", VM_MAX_VIRTIO);
		r->cfg.disks[r->cfg.nr_disks++] = arg;
		return 0;
	case OPT_NET:
		if (strncmp(arg, "tap", 3) || (arg[3] && arg[3] != ','))
			return usage_error("--net '%s': only 'tap[,ifname=NAME][,mac=MAC]'", arg);
		if (r->cfg.nr_nets == VM_MAX_VIRTIO)
			return usage_error("--net: at most %u interfaces", VM_MAX_VIRTIO);
		r->cfg.nets[r->cfg.nr_nets++] = arg;
		return 0;
	case OPT_RNG:
		r->cfg.rng = true;
		return 0;
	case OPT_CONTROL_SOCKET:
		if (!*arg)
			return usage_error("--control-socket: empty path");
		r->cfg.control_path = arg;
		return 0;
	case OPT_NO_CONTROL:
		r->cfg.no_control = true;
		return 0;
	case OPT_NO_SECCOMP:
		r->cfg.seccomp = false;
		return 0;
	}
	return usage_error("%s: unhandled option", name);
}

int cli__parse_run(int argc, char **argv, const struct cli_host *host, struct cli_run *out)
{
	struct cli_host this_host;
	bool options_done = false;
	int ret;

	if (!host) {
		cli__host_limits(&this_host);
		host = &this_host;
	}
	memset(out, 0, sizeof(*out));
	out->cfg.cmdline = "";
	out->cfg.mem_bytes = CLI_DEFAULT_MEM_MIB * MiB;
	out->cfg.nr_cpus = CLI_DEFAULT_CPUS;
	out->cfg.seccomp = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *arg = NULL, *eq = NULL;
		size_t i_opt, name_len;

		if (options_done || a[0] != '-' || a[1] == '\0') {
			ret = set_kernel(out, a);
			if (ret < 0)
				return ret;
			continue;
		}
		if (!strcmp(a, "--")) {
			options_done = true;
			continue;
		}
		for (i_opt = 0; i_opt < ARRAY_SIZE(run_opts); i_opt++) {
			if (a[1] == '-') {
				eq = strchr(a + 2, '=');
				name_len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
				if (strlen(run_opts[i_opt].long_name) == name_len &&
				    !strncmp(a + 2, run_opts[i_opt].long_name, name_len))
					break;
			} else if (run_opts[i_opt].short_name && a[1] == run_opts[i_opt].short_name &&
				   a[2] == '\0') {
				break;
			}
		}
		if (i_opt == ARRAY_SIZE(run_opts))
			return usage_error("unknown option '%s'", a);
		if (run_opts[i_opt].has_arg) {
			if (eq) {
				arg = eq + 1;
			} else if (i + 1 < argc) {
				arg = argv[++i];
			} else {
				return usage_error("option '%s' needs a value", a);
			}
		} else if (eq) {
			return usage_error("option '--%s' takes no value", run_opts[i_opt].long_name);
		}
		ret = apply(out, run_opts[i_opt].id, a, arg, host);
		if (ret < 0)
			return ret;
	}
	if (out->help)
		return 0;
	if (!out->cfg.kernel_path)
		return usage_error("no kernel image given");
	if (!out->cfg.name) {
		snprintf(out->name_buf, sizeof(out->name_buf), "imsvm-%d", (int)getpid());
		out->cfg.name = out->name_buf;
	}
	return 0;
}

/* Serial input comes from stdin when it is a terminal or a pipe/socket. */
static bool stdin_is_console(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	if (fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

static int cmd_run(int argc, char **argv)
{
	struct cli_run r;
	struct vm vm;
	int status;

	if (cli__parse_run(argc, argv, NULL, &r) < 0)
		return EXIT_USAGE;
	if (r.help) {
		cli__usage_run(stdout);
		return 0;
	}
	if (r.debug)
		log_level = LOG_DEBUG;
	else if (r.cfg.quiet)
		log_level = LOG_WARN;
	r.cfg.console_stdin = stdin_is_console();
	if (r.cfg.console_virtio) {
		/* stdin feeds hvc0, not the serial port. */
		r.cfg.virtio_console_stdin = r.cfg.console_stdin;
		r.cfg.console_stdin = false;
	}

	if (vm__build(&vm, &r.cfg) < 0) {
		vm__destroy(&vm);
		return EXIT_VMM_ERROR;
	}
	pr_debug("VM %s running: %u vCPU(s), %llu MiB", r.cfg.name, r.cfg.nr_cpus,
		 (unsigned long long)(r.cfg.mem_bytes / MiB));
	status = vm__run(&vm);
	vm__destroy(&vm);
	return status;
}

static const struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
} commands[] = {
	{ "run", cmd_run, cli__usage_run },
	CMD_TABLE_ENTRIES	/* vmm/cmd.h: the control socket's clients */
};

int cli__main(int argc, char **argv)
{
	if (argc < 2) {
		cli__usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("imsvm %s\n", IMSVM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli__usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		for (size_t i = 0; argc > 2 && i < ARRAY_SIZE(commands); i++) {
			if (!strcmp(argv[2], commands[i].name)) {
				commands[i].usage(stdout);
				return 0;
			}
		}
		cli__usage(stdout);
		return argc > 2 ? EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	pr_err("unknown command '%s' (see 'imsvm --help')", argv[1]);
	return EXIT_USAGE;
}
