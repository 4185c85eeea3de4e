/* SPDX-License-Identifier: GPL-2.0-only */
/* Device tree: built with a fake VM, read back with libfdt and checked by dtc. */
#include <errno.h>
#include <libfdt.h>
#include <unistd.h>

#include "vmm/fdt.h"
#include "vmm/layout.h"
#include "vmm/loader_test.h"
#include "vmm/vm.h"

#define BUF_SIZE	(64 * 1024)

static int serial_node(struct device *dev, void *fdt)
{
	/* I/O port devices: address cells <1 port>, size cells <0 len> (docs/device-tree.md). */
	const fdt32_t reg[] = { cpu_to_fdt32(1), cpu_to_fdt32(0x3f8), 0, cpu_to_fdt32(8) };
	int ret = 0;

	ret = ret ?: fdt_begin_node(fdt, "serial@3f8");
	ret = ret ?: fdt_property_string(fdt, "compatible", "ns16550a");
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	ret = ret ?: fdt_property_u32(fdt, "interrupts", 4);
	ret = ret ?: fdt_end_node(fdt);
	return ret ? -ENOSPC : 0;
}

static int failing_node(struct device *dev, void *fdt)
{
	return -EIO;
}

static const struct device_ops serial_ops = { .fdt_node = serial_node };
static const struct device_ops failing_ops = { .fdt_node = failing_node };
static const struct device_ops silent_ops = { 0 };

struct fake {
	struct vm vm;
	struct vm_config cfg;
	struct device serial, silent, failing;
	u8 buf[BUF_SIZE];
};

static struct fake *fake_vm(u64 ram, unsigned int cpus, const char *cmdline)
{
	struct fake *f = calloc(1, sizeof(*f));

	cr_assert_not_null(f);
	f->cfg.cmdline = cmdline;
	f->vm.cfg = &f->cfg;
	f->vm.nr_vcpus = cpus;
	cr_assert_eq(guest_mem__layout(&f->vm.mem, (u8 *)0x1000, -1, ram), 0);
	device_list__init(&f->vm.devices);
	f->silent = (struct device){ .name = "silent", .ops = &silent_ops };
	f->serial = (struct device){ .name = "serial", .ops = &serial_ops };
	device_list__add(&f->vm.devices, &f->silent);
	device_list__add(&f->vm.devices, &f->serial);
	return f;
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	const void *p;

	cr_assert_geq(node, 0, "node %s exists", path);
	p = fdt_getprop(fdt, node, name, len);
	cr_assert_not_null(p, "%s has %s", path, name);
	return p;
}

static u32 prop_u32(const void *fdt, const char *path, const char *name)
{
	int len;
	const fdt32_t *v = prop(fdt, path, name, &len);

	cr_assert_eq(len, 4, "%s/%s is one cell", path, name);
	return fdt32_to_cpu(*v);
}

static void check_reg(const void *fdt, const char *path, u64 addr, u64 size)
{
	int len;
	const void *p = prop(fdt, path, "reg", &len);
	fdt64_t r[2];	/* properties are only 4-byte aligned in the blob */

	cr_assert_eq(len, 16);
	memcpy(r, p, sizeof(r));
	cr_assert_eq(fdt64_to_cpu(r[0]), addr, "%s address", path);
	cr_assert_eq(fdt64_to_cpu(r[1]), size, "%s size", path);
}

Test(fdt, contents_round_trip_through_libfdt)
{
	struct fake *f = fake_vm(256 * MiB, 3, "console=ttyS0 expect.cpus=3");
	const void *fdt = f->buf;
	int cpus, n = 0, len;

	cr_assert_eq(fdt__build(&f->vm, f->buf, sizeof(f->buf)), 0);
	cr_assert_eq(fdt_check_header(fdt), 0);
	cr_assert_lt(fdt_totalsize(fdt), 4096, "packed");

	cr_assert_str_eq(prop(fdt, "/", "compatible", &len), "imsvm,virt");
	cr_assert_eq(prop_u32(fdt, "/", "#address-cells"), 2);
	cr_assert_eq(prop_u32(fdt, "/", "#size-cells"), 2);
	cr_assert_eq(prop_u32(fdt, "/", "interrupt-parent"), FDT_PHANDLE_IOAPIC);
	cr_assert_str_eq(prop(fdt, "/chosen", "bootargs", &len), "console=ttyS0 expect.cpus=3");
	cr_assert_str_eq(prop(fdt, "/chosen", "stdout-path", &len), "/serial@3f8");

	check_reg(fdt, "/memory@0", 0, 256 * MiB);
	cr_assert_str_eq(prop(fdt, "/memory@0", "device_type", &len), "memory");
	cr_assert_lt(fdt_path_offset(fdt, "/memory@100000000"), 0, "no high RAM");

	cpus = fdt_path_offset(fdt, "/cpus");
	cr_assert_geq(cpus, 0);
	cr_assert_eq(prop_u32(fdt, "/cpus", "#address-cells"), 1);
	cr_assert_eq(prop_u32(fdt, "/cpus", "#size-cells"), 0);
	for (int c = fdt_first_subnode(fdt, cpus); c >= 0; c = fdt_next_subnode(fdt, c)) {
		const fdt32_t *reg = fdt_getprop(fdt, c, "reg", &len);

		cr_assert_not_null(reg);
		cr_assert_eq(fdt32_to_cpu(*reg), (u32)n, "cpu %d has APIC id %d", n, n);
		cr_assert_str_eq(fdt_getprop(fdt, c, "device_type", NULL), "cpu");
		n++;
	}
	cr_assert_eq(n, 3);

	cr_assert_eq(fdt_node_offset_by_phandle(fdt, FDT_PHANDLE_IOAPIC),
		     fdt_path_offset(fdt, "/interrupt-controller@fec00000"));
	cr_assert_eq(fdt_node_offset_by_phandle(fdt, FDT_PHANDLE_LAPIC),
		     fdt_path_offset(fdt, "/interrupt-controller@fee00000"));
	check_reg(fdt, "/interrupt-controller@fec00000", LAYOUT_IOAPIC_BASE, 0x1000);
	check_reg(fdt, "/interrupt-controller@fee00000", LAYOUT_LAPIC_BASE, 0x1000);
	cr_assert_str_eq(prop(fdt, "/interrupt-controller@fec00000", "compatible", &len),
			 "intel,ce4100-ioapic");
	prop(fdt, "/interrupt-controller@fec00000", "interrupt-controller", &len);
	cr_assert_eq(len, 0);
	cr_assert_eq(prop_u32(fdt, "/interrupt-controller@fec00000", "#interrupt-cells"),
		     FDT_INTERRUPT_CELLS);
	cr_assert_geq(fdt_node_offset_by_compatible(fdt, -1, "ns16550a"), 0, "device node added");
	free(f);
}

Test(fdt, high_memory_and_no_serial)
{
	struct fake *f = fake_vm(5 * GiB, 1, "");
	int len;

	device_list__init(&f->vm.devices);	/* no devices at all */
	cr_assert_eq(fdt__build(&f->vm, f->buf, sizeof(f->buf)), 0);
	check_reg(f->buf, "/memory@0", 0, LAYOUT_PCI_HOLE_START);
	check_reg(f->buf, "/memory@100000000", LAYOUT_HIGH_RAM_START, 5 * GiB - LAYOUT_PCI_HOLE_START);
	cr_assert_str_eq(prop(f->buf, "/chosen", "bootargs", &len), "");
	cr_assert_null(fdt_getprop(f->buf, fdt_path_offset(f->buf, "/chosen"), "stdout-path", NULL),
		       "no serial, no stdout-path");
	free(f);
}

Test(fdt, too_small_buffer_is_enospc)
{
	struct fake *f = fake_vm(256 * MiB, 8, "x");
	struct errlog log;

	for (size_t size = 0; size < 1024; size += 97) {
		errlog_begin(&log);
		cr_expect_eq(fdt__build(&f->vm, f->buf, size), -ENOSPC, "size %zu", size);
		errlog_expect_one(&log, "device tree");
	}
	free(f);
}

Test(fdt, failing_device_named)
{
	struct fake *f = fake_vm(256 * MiB, 1, "x");
	struct errlog log;

	f->failing = (struct device){ .name = "broken-dev", .ops = &failing_ops };
	device_list__add(&f->vm.devices, &f->failing);
	errlog_begin(&log);
	cr_expect_eq(fdt__build(&f->vm, f->buf, sizeof(f->buf)), -EINVAL);
	errlog_expect_one(&log, "broken-dev");
	free(f);
}

Test(fdt, dtc_reads_the_blob)
{
	struct fake *f = fake_vm(5 * GiB, 2, "console=ttyS0 \"quoted\"");
	char path[] = "/tmp/imsvm-fdt-test-XXXXXX", cmd[256];
	FILE *out;
	char line[512];
	int fd, status;

	if (system("command -v dtc >/dev/null 2>&1"))
		cr_skip_test("SKIPPED: dtc not installed (device-tree-compiler)");
	cr_assert_eq(fdt__build(&f->vm, f->buf, sizeof(f->buf)), 0);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, f->buf, fdt_totalsize(f->buf)), (ssize_t)fdt_totalsize(f->buf));
	close(fd);
	/* dtc must read it, and our nodes must draw no warning. */
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts %s 2>&1", path);
	out = popen(cmd, "r");
	cr_assert_not_null(out);
	bool saw_bootargs = false;

	while (fgets(line, sizeof(line), out)) {
		cr_expect_null(strstr(line, "Warning"), "dtc: %s", line);
		cr_expect_null(strstr(line, "ERROR"), "dtc: %s", line);
		saw_bootargs |= strstr(line, "bootargs = \"console=ttyS0 \\\"quoted\\\"\"") != NULL;
	}
	status = pclose(out);
	unlink(path);
	cr_assert_eq(status, 0, "dtc exit status");
	cr_assert(saw_bootargs, "dtc shows /chosen/bootargs");
	free(f);
}
