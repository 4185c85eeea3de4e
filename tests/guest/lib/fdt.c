/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Flattened device tree reader (the fdt_ro subset). The blob comes from the
 * VMM, which a test must not trust blindly: every read is bounds-checked
 * against the header's sizes, and a malformed blob yields an error, not a
 * fault.
 */
#include "libcflat.h"
#include "fdt.h"

#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

struct fdt_header {
	u32 magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap;
	u32 version, last_comp_version, boot_cpuid_phys;
	u32 size_dt_strings, size_dt_struct;
};

#define HDR(fdt, field) fdt32_to_cpu(((const struct fdt_header *)(fdt))->field)

u32 fdt_totalsize(const void *fdt)
{
	return HDR(fdt, totalsize);
}

int fdt_check_header(const void *fdt, u64 max_size)
{
	u32 total, st_off, st_size, str_off, str_size;

	if (HDR(fdt, magic) != FDT_MAGIC)
		return -FDT_ERR_BADMAGIC;
	if (HDR(fdt, version) < 16 || HDR(fdt, last_comp_version) > 17)
		return -FDT_ERR_BADVERSION;
	total = HDR(fdt, totalsize);
	st_off = HDR(fdt, off_dt_struct);
	st_size = HDR(fdt, size_dt_struct);
	str_off = HDR(fdt, off_dt_strings);
	str_size = HDR(fdt, size_dt_strings);
	if (total > max_size || total < sizeof(struct fdt_header))
		return -FDT_ERR_TRUNCATED;
	if (st_off > total || st_size > total - st_off || (st_off | st_size) & 3 ||
	    str_off > total || str_size > total - str_off)
		return -FDT_ERR_TRUNCATED;
	return 0;
}

static const u8 *struct_base(const void *fdt)
{
	return (const u8 *)fdt + HDR(fdt, off_dt_struct);
}

static u32 token_at(const void *fdt, int offset)
{
	if (offset < 0 || (u32)offset + 4 > HDR(fdt, size_dt_struct))
		return FDT_END;
	return fdt32_to_cpu(*(const u32 *)(struct_base(fdt) + offset));
}

/* The tag at offset; *next is the offset of the tag after it. */
static u32 next_tag(const void *fdt, int offset, int *next)
{
	u32 tag = token_at(fdt, offset), size = HDR(fdt, size_dt_struct);
	const u8 *base = struct_base(fdt);
	u32 o = (u32)offset + 4, len;

	switch (tag) {
	case FDT_BEGIN_NODE:
		while (o < size && base[o])
			o++;
		if (o >= size)
			return FDT_END;
		o = ALIGN_UP(o + 1, 4);
		break;
	case FDT_PROP:
		if (o + 8 > size)
			return FDT_END;
		len = fdt32_to_cpu(*(const u32 *)(base + o));
		if (len > size - o - 8)
			return FDT_END;
		o = ALIGN_UP(o + 8 + len, 4);
		break;
	case FDT_END_NODE:
	case FDT_NOP:
		break;
	default:
		return FDT_END;
	}
	*next = (int)o;
	return tag;
}

/* Next BEGIN_NODE after offset; *depth tracks nesting. */
static int next_node(const void *fdt, int offset, int *depth)
{
	int next = 0;
	u32 tag;

	/* From the start, or from just after offset's own BEGIN_NODE tag. */
	if (offset >= 0 && next_tag(fdt, offset, &next) != FDT_BEGIN_NODE)
		return -FDT_ERR_BADSTRUCTURE;
	for (;;) {
		offset = next;
		tag = next_tag(fdt, offset, &next);
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (depth)
				(*depth)++;
			return offset;
		case FDT_END_NODE:
			if (depth && --(*depth) < 0)
				return -FDT_ERR_NOTFOUND;
			break;
		case FDT_PROP:
		case FDT_NOP:
			break;
		default:
			return -FDT_ERR_NOTFOUND;
		}
	}
}

int fdt_first_subnode(const void *fdt, int offset)
{
	int depth = 0;

	offset = next_node(fdt, offset, &depth);
	if (offset < 0 || depth != 1)
		return -FDT_ERR_NOTFOUND;
	return offset;
}

int fdt_next_subnode(const void *fdt, int offset)
{
	int depth = 1;

	/* Skip the subtree of offset, stop at the next sibling. */
	do {
		offset = next_node(fdt, offset, &depth);
		if (offset < 0 || depth < 1)
			return -FDT_ERR_NOTFOUND;
	} while (depth > 1);
	return offset;
}

const char *fdt_get_name(const void *fdt, int offset, int *len)
{
	const char *name;

	if (token_at(fdt, offset) != FDT_BEGIN_NODE)
		return NULL;
	name = (const char *)struct_base(fdt) + offset + 4;
	if (len)
		*len = (int)strnlen(name, HDR(fdt, size_dt_struct) - (u32)offset - 4);
	return name;
}

/* Does a node name match a path component? */
static bool name_matches(const char *name, const char *comp, size_t n)
{
	if (strncmp(name, comp, n))
		return false;
	if (name[n] == '\0')
		return true;
	/* "memory" matches "memory@0"; "cpu@1" only matches itself. */
	if (name[n] != '@')
		return false;
	for (size_t i = 0; i < n; i++)
		if (comp[i] == '@')
			return false;
	return true;
}

int fdt_path_offset(const void *fdt, const char *path)
{
	int offset = 0;

	if (*path != '/')
		return -FDT_ERR_NOTFOUND;
	if (token_at(fdt, 0) != FDT_BEGIN_NODE)
		return -FDT_ERR_BADSTRUCTURE;
	while (*path) {
		const char *end;
		size_t n;
		int child;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		end = strchr(path, '/');
		n = end ? (size_t)(end - path) : strlen(path);
		fdt_for_each_subnode(child, fdt, offset)
			if (name_matches(fdt_get_name(fdt, child, NULL), path, n))
				break;
		if (child < 0)
			return -FDT_ERR_NOTFOUND;
		offset = child;
		path += n;
	}
	return offset;
}

const void *fdt_getprop(const void *fdt, int offset, const char *name, int *lenp)
{
	const u8 *base = struct_base(fdt);
	const char *strings = (const char *)fdt + HDR(fdt, off_dt_strings);
	u32 strsize = HDR(fdt, size_dt_strings);
	int next;
	u32 tag;

	if (next_tag(fdt, offset, &next) != FDT_BEGIN_NODE)
		return NULL;
	for (;;) {
		offset = next;
		tag = next_tag(fdt, offset, &next);
		if (tag == FDT_NOP)
			continue;
		if (tag != FDT_PROP)
			return NULL;
		u32 len = fdt32_to_cpu(*(const u32 *)(base + offset + 4));
		u32 nameoff = fdt32_to_cpu(*(const u32 *)(base + offset + 8));

		if (nameoff >= strsize)
			return NULL;
		if (!strncmp(strings + nameoff, name, strsize - nameoff) &&
		    strnlen(strings + nameoff, strsize - nameoff) == strlen(name)) {
			if (lenp)
				*lenp = (int)len;
			return base + offset + 12;
		}
	}
}

const char *fdt_getprop_string(const void *fdt, int offset, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, offset, name, &len);

	if (!s || len < 1 || s[len - 1] != '\0')
		return NULL;
	return s;
}

int fdt_node_check_compatible(const void *fdt, int offset, const char *compat)
{
	int len;
	const char *p = fdt_getprop(fdt, offset, "compatible", &len);
	size_t n = strlen(compat);

	if (!p)
		return -FDT_ERR_NOTFOUND;
	/* A string list: "a\0b\0". */
	while (len > 0) {
		size_t l = strnlen(p, (size_t)len);

		if (l == n && !memcmp(p, compat, n))
			return 0;
		p += l + 1;
		len -= (int)l + 1;
	}
	return 1;
}

int fdt_node_offset_by_compatible(const void *fdt, int startoffset, const char *compat)
{
	int offset = startoffset < 0 ? 0 : startoffset;

	if (startoffset < 0 && token_at(fdt, 0) == FDT_BEGIN_NODE &&
	    !fdt_node_check_compatible(fdt, 0, compat))
		return 0;
	for (;;) {
		offset = next_node(fdt, offset, NULL);
		if (offset < 0)
			return offset;
		if (!fdt_node_check_compatible(fdt, offset, compat))
			return offset;
	}
}

int fdt_parent_offset(const void *fdt, int nodeoffset)
{
	int stack[32], depth = 0, offset = 0, next;

	if (nodeoffset <= 0)
		return -FDT_ERR_NOTFOUND;
	/* Walk every tag, keeping the chain of open nodes. */
	for (;;) {
		u32 tag = next_tag(fdt, offset, &next);

		if (tag == FDT_BEGIN_NODE) {
			if (offset == nodeoffset)
				return depth ? stack[depth - 1] : -FDT_ERR_NOTFOUND;
			if (depth >= (int)ARRAY_SIZE(stack))
				return -FDT_ERR_BADSTRUCTURE;
			stack[depth++] = offset;
		} else if (tag == FDT_END_NODE) {
			if (--depth < 0)
				return -FDT_ERR_NOTFOUND;
		} else if (tag != FDT_PROP && tag != FDT_NOP) {
			return -FDT_ERR_NOTFOUND;
		}
		offset = next;
	}
}

static int cells(const void *fdt, int offset, const char *name, int dflt)
{
	int len;
	const u32 *p = fdt_getprop(fdt, offset, name, &len);

	if (!p || len != 4)
		return dflt;
	return (int)fdt32_to_cpu(*p);
}

int fdt_address_cells(const void *fdt, int offset)
{
	return cells(fdt, offset, "#address-cells", 2);
}

int fdt_size_cells(const void *fdt, int offset)
{
	return cells(fdt, offset, "#size-cells", 1);
}

u64 fdt_read_cells(const u32 **p, int n)
{
	u64 v = 0;

	while (n-- > 0)
		v = v << 32 | fdt32_to_cpu(*(*p)++);
	return v;
}
