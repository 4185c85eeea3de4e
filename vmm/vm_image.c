/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the guest is given to boot: its device tree (also written to
 * --dump-dtb for the operator) and the kernel and initrd files, mapped
 * read-only and handed to the loaders of vmm/boot.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include "vmm/fdt.h"
#include "vmm/layout.h"
#include "vmm/log.h"
#include "vmm/vm_priv.h"

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const u8 *p = buf;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

int vm_image__build_dtb(struct vm *vm, void **dtb, size_t *dtb_size)
{
	void *buf = calloc(1, LAYOUT_DTB_MAX);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = fdt__build(vm, buf, LAYOUT_DTB_MAX);
	if (ret < 0) {
		pr_err("device tree: %s", strerror(-ret));
		goto err_free;
	}
	*dtb_size = fdt_totalsize(buf);
	if (vm->cfg->dump_dtb_path) {
		ret = write_file(vm->cfg->dump_dtb_path, buf, *dtb_size);
		if (ret < 0) {
			pr_err("--dump-dtb %s: %s", vm->cfg->dump_dtb_path, strerror(-ret));
			goto err_free;
		}
	}
	*dtb = buf;
	return 0;

err_free:
	free(buf);
	return ret;
}

struct file_map {
	const u8 *data;
	size_t size;
};

/* Map a whole file read-only; @what ("kernel", "initrd") names it in errors. */
static int map_file(const char *what, const char *path, u64 limit, struct file_map *f)
{
	struct stat st;
	void *p;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s %s: %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		pr_err("%s %s: %s", what, path, strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		pr_err("%s %s: not a regular file", what, path);
		goto err_close;
	}
	if (st.st_size == 0) {
		ret = -ENOEXEC;
		pr_err("%s %s: empty file", what, path);
		goto err_close;
	}
	if ((u64)st.st_size > limit) {
		ret = -E2BIG;
		pr_err("%s %s: %lld bytes do not fit in %llu MiB of guest memory", what, path,
		       (long long)st.st_size, (unsigned long long)(limit / MiB));
		goto err_close;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		pr_err("%s %s: %s", what, path, strerror(-ret));
		goto err_close;
	}
	close(fd);
	f->data = p;
	f->size = (size_t)st.st_size;
	return 0;

err_close:
	close(fd);
	return ret;
}

static void unmap_file(struct file_map *f)
{
	if (f->data)
		munmap((void *)f->data, f->size);
	f->data = NULL;
}

int vm_image__load_kernel(struct vm *vm, const void *dtb, size_t dtb_size,
			  struct boot_cpu_state *cpu)
{
	const struct vm_config *cfg = vm->cfg;
	struct file_map kernel = { 0 }, initrd = { 0 };
	struct boot_input in;
	int ret;

	ret = map_file("kernel", cfg->kernel_path, vm->mem.ram_size, &kernel);
	if (ret < 0)
		return ret;
	if (cfg->initrd_path) {
		ret = map_file("initrd", cfg->initrd_path, vm->mem.ram_size, &initrd);
		if (ret < 0)
			goto out;
	}
	in = (struct boot_input){
		.kernel = kernel.data,
		.kernel_size = kernel.size,
		.initrd = initrd.data,
		.initrd_size = initrd.size,
		.cmdline = cfg->cmdline,
		.dtb = dtb,
		.dtb_size = dtb_size,
	};
	pr_debug("kernel %s: %s, %zu bytes", cfg->kernel_path,
		 boot__format_name(boot__detect(kernel.data, kernel.size)), kernel.size);
	/* The loader logs the one line naming what is wrong with the image. */
	ret = boot__load(&vm->mem, &in, cpu);
out:
	unmap_file(&initrd);
	unmap_file(&kernel);
	return ret;
}
