/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A read-only subset of libfdt's API (fdt_ro), written for the freestanding
 * guest library: header check, nodes by path or compatible, subnodes,
 * properties. Offsets are byte offsets into the structure block, negative
 * values are errors (FDT_ERR_*), as in libfdt.
 */
#ifndef TESTS_GUEST_LIB_FDT_H
#define TESTS_GUEST_LIB_FDT_H

#include "libcflat.h"

#define FDT_MAGIC		0xd00dfeed
#define FDT_ERR_NOTFOUND	1
#define FDT_ERR_BADMAGIC	9
#define FDT_ERR_BADVERSION	10
#define FDT_ERR_BADSTRUCTURE	11
#define FDT_ERR_TRUNCATED	8

static inline u32 fdt32_to_cpu(u32 v)
{
	return __builtin_bswap32(v);
}

static inline u64 fdt64_to_cpu(u64 v)
{
	return __builtin_bswap64(v);
}

/* 0 if fdt is a sane blob of version 16/17 no larger than max_size. */
int fdt_check_header(const void *fdt, u64 max_size);
u32 fdt_totalsize(const void *fdt);

int fdt_path_offset(const void *fdt, const char *path);
int fdt_first_subnode(const void *fdt, int offset);
int fdt_next_subnode(const void *fdt, int offset);
/* Next node after startoffset (-1: from the start) whose compatible lists compat. */
int fdt_node_offset_by_compatible(const void *fdt, int startoffset, const char *compat);
int fdt_node_check_compatible(const void *fdt, int offset, const char *compat);
/* Parent of offset: a walk from the root, as libfdt does it. */
int fdt_parent_offset(const void *fdt, int offset);
const char *fdt_get_name(const void *fdt, int offset, int *len);
const void *fdt_getprop(const void *fdt, int offset, const char *name, int *len);
/* The string value of a property, or NULL (also if not NUL-terminated). */
const char *fdt_getprop_string(const void *fdt, int offset, const char *name);
/* #address-cells / #size-cells of a node (defaults 2 and 1). */
int fdt_address_cells(const void *fdt, int offset);
int fdt_size_cells(const void *fdt, int offset);
/* Read a (cells)-sized big-endian number from p, advancing it. */
u64 fdt_read_cells(const u32 **p, int cells);

#define fdt_for_each_subnode(node, fdt, parent)			\
	for (node = fdt_first_subnode(fdt, parent); node >= 0;	\
	     node = fdt_next_subnode(fdt, node))

#endif /* TESTS_GUEST_LIB_FDT_H */
