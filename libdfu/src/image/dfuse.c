/*
 * ST DfuSe containers (UM0391), read side: a prefix, targets of elements, then the DFU suffix
 * (already read and stripped by load.c). Every length is checked against the file before it is
 * trusted, and every error names the byte offset, the target and the element.
 *
 * Choices where real files or the specification leave room:
 * - DFUImageSize counts the file without the suffix (UM0391 errata, ST's tools, MicroPython,
 *   OpenMV) or the whole file (dfu-util's dfuse-pack). Both are accepted; anything else is an
 *   error naming both values.
 * - bTargetNamed is a 4-byte boolean that some writers fill as 1 byte + 3 pad bytes: any non-zero
 *   byte means named.
 * - Targets sharing an alternate setting are merged into one image target: a device receives
 *   both at that alt, so that is what the file means. Their data must agree where it overlaps,
 *   and if both are named the names must be equal, or the file contradicts itself: an error.
 * - dwTargetSize must equal the sum of its elements (8 + dwElementSize each), and no bytes may
 *   follow the last target: dfu-util only warns, but such a file was not written by a tool that
 *   knew the format, and guessing which length is right could flash the wrong bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "formats.h"

#define PREFIX_SIZE  11
#define TARGET_SIZE  274
#define ELEMENT_SIZE 8
#define NAME_SIZE    255

/* Where an element's data came from: to name both elements of a conflicting overlap. */
typedef struct dfuse_elem {
    size_t image_target;
    unsigned target, index;
    size_t offset; /* of its 8-byte header */
    uint32_t address, size;
    const uint8_t *data;
} dfuse_elem;

typedef struct dfuse_reader {
    dfu_ctx *ctx;
    const dfu_input *in;
    dfu_image *img;
    size_t off;
    size_t by_alt[256]; /* image target index + 1 for each alternate setting seen, 0 = none */
    dfuse_elem *elems;  /* elements holding data, in file order */
    size_t n_elems, cap_elems;
} dfuse_reader;

/* One target prefix, decoded. */
typedef struct dfuse_target {
    unsigned index;
    size_t offset;
    uint8_t alt;
    bool named;
    char name[NAME_SIZE + 1];
    uint32_t size, n_elements;
} dfuse_target;

static int read_prefix(dfuse_reader *r, size_t suffix_len, unsigned *n_targets)
{
    const dfu_input *in = r->in;
    const uint8_t *p = in->data;
    if (in->len < PREFIX_SIZE)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset 0: truncated DfuSe prefix: %zu bytes before the DFU suffix, "
                       "the prefix alone takes 11",
                       in->name, in->len);
    if (memcmp(p, "DfuSe", 5) != 0)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset 0: bad signature: a DfuSe file starts with \"DfuSe\"", in->name);
    if (p[5] != 0x01)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset 5: DfuSe format version %u is not supported (only version 1 "
                       "exists)",
                       in->name, p[5]);
    uint32_t image_size = dfu_le32(p + 6);
    uint64_t without = in->len, with = (uint64_t)in->len + suffix_len;
    if (image_size != without && image_size != with)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset 6: DFUImageSize is %u, expected %llu (the file without its DFU "
                       "suffix, as ST's tools write) or %llu (the whole file, as dfuse-pack "
                       "writes)",
                       in->name, image_size, (unsigned long long)without, (unsigned long long)with);
    *n_targets = p[10];
    if (*n_targets == 0)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset 10: bTargets is 0: the file holds no target", in->name);
    r->off = PREFIX_SIZE;
    return DFU_OK;
}

static int read_target_prefix(dfuse_reader *r, unsigned index, dfuse_target *t)
{
    const dfu_input *in = r->in;
    size_t left = in->len - r->off;
    t->index = index;
    t->offset = r->off;
    if (left < TARGET_SIZE)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u: truncated: %zu bytes left, a target prefix "
                       "takes 274",
                       in->name, r->off, index, left);
    const uint8_t *p = in->data + r->off;
    if (memcmp(p, "Target", 6) != 0)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u: bad signature: a target starts with \"Target\"",
                       in->name, r->off, index);
    t->alt = p[6];
    t->named = dfu_le32(p + 7) != 0;
    memcpy(t->name, p + 11, NAME_SIZE);
    t->name[NAME_SIZE] = '\0'; /* a 255-byte name needs no NUL in the file */
    t->size = dfu_le32(p + 266);
    t->n_elements = dfu_le32(p + 270);
    left -= TARGET_SIZE;
    if (t->size > left)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u): dwTargetSize %u runs past the end of "
                       "the file (%zu bytes left)",
                       in->name, r->off + 266, index, t->alt, t->size, left);
    if ((uint64_t)t->n_elements * ELEMENT_SIZE > t->size)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u): dwNbElements %u cannot fit in "
                       "dwTargetSize %u (each element takes at least 8 bytes)",
                       in->name, r->off + 270, index, t->alt, t->n_elements, t->size);
    r->off += TARGET_SIZE;
    return DFU_OK;
}

/* The image target for a file target: a new one, or the one already holding its alt. */
static int image_target_for(dfuse_reader *r, const dfuse_target *t, size_t *out)
{
    const char *name = t->named ? t->name : NULL;
    size_t have = r->by_alt[t->alt];
    if (!have) {
        if (dfu_image_add_target(r->img, t->alt, name, out))
            return dfu_err(r->ctx, DFU_ERR_NOMEM, "out of memory");
        r->by_alt[t->alt] = *out + 1;
        return DFU_OK;
    }
    *out = have - 1;
    const char *old = dfu_image_target_name(r->img, *out);
    if (name && old && strcmp(name, old) != 0)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u) is named \"%s\", but an earlier target "
                       "with the same alternate setting is named \"%s\"",
                       r->in->name, t->offset + 11, t->index, t->alt, name, old);
    if (name && !old && dfu_image_set_target(r->img, *out, t->alt, name))
        return dfu_err(r->ctx, DFU_ERR_NOMEM, "out of memory");
    return DFU_OK;
}

static int remember(dfuse_reader *r, const dfuse_elem *e)
{
    if (r->n_elems == r->cap_elems) {
        size_t cap = r->cap_elems ? r->cap_elems * 2 : 16;
        dfuse_elem *p = realloc(r->elems, cap * sizeof(*p));
        if (!p) return dfu_err(r->ctx, DFU_ERR_NOMEM, "out of memory");
        r->elems = p;
        r->cap_elems = cap;
    }
    r->elems[r->n_elems++] = *e;
    return DFU_OK;
}

static int read_element(dfuse_reader *r, const dfuse_target *t, unsigned index, size_t end,
                        size_t image_target, dfu_image_builder *b)
{
    const dfu_input *in = r->in;
    if (end - r->off < ELEMENT_SIZE)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u), element %u: its 8-byte header runs "
                       "past the end of the target (dwTargetSize %u)",
                       in->name, r->off, t->index, t->alt, index, t->size);
    const uint8_t *p = in->data + r->off;
    dfuse_elem e = {image_target, t->index, index, r->off, dfu_le32(p), dfu_le32(p + 4), p + 8};
    r->off += ELEMENT_SIZE;
    if (e.size > in->len - r->off)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u), element %u: dwElementSize %u runs past "
                       "the end of the file (%zu bytes left)",
                       in->name, e.offset + 4, t->index, t->alt, index, e.size, in->len - r->off);
    if (e.size > end - r->off)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u), element %u: dwElementSize %u runs past "
                       "the end of the target (dwTargetSize %u leaves %zu bytes)",
                       in->name, e.offset + 4, t->index, t->alt, index, e.size, t->size,
                       end - r->off);
    if ((uint64_t)e.address + e.size > 0x100000000ull)
        return dfu_err(r->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: target %u (alt %u), element %u: %u bytes at 0x%08x run "
                       "past the 4 GiB address space",
                       in->name, e.offset, t->index, t->alt, index, e.size, e.address);
    r->off += e.size;
    if (e.size == 0) return DFU_OK;
    if (dfu_builder_add(b, e.address, e.data, e.size))
        return dfu_err(r->ctx, DFU_ERR_NOMEM, "out of memory");
    return remember(r, &e);
}

/* After the builder found overlapping bytes that differ at addr: name the two elements. */
static int report_conflict(dfuse_reader *r, size_t image_target, uint32_t addr)
{
    const dfuse_elem *first = NULL;
    for (size_t i = 0; i < r->n_elems; i++) {
        const dfuse_elem *e = &r->elems[i];
        if (e->image_target != image_target || addr < e->address || addr - e->address >= e->size)
            continue;
        if (!first) {
            first = e;
        } else if (e->data[addr - e->address] != first->data[addr - first->address]) {
            return dfu_err(r->ctx, DFU_ERR_FORMAT,
                           "%s: offset %zu: target %u, element %u puts 0x%02x at 0x%08x, but "
                           "target %u, element %u (offset %zu) put 0x%02x there (same alternate "
                           "setting)",
                           r->in->name, e->offset, e->target, e->index, e->data[addr - e->address],
                           addr, first->target, first->index, first->offset,
                           first->data[addr - first->address]);
        }
    }
    return dfu_err(r->ctx, DFU_ERR_FORMAT, "%s: elements disagree about the byte at 0x%08x",
                   r->in->name, addr);
}

static int read_target(dfuse_reader *r, unsigned index)
{
    dfuse_target t;
    size_t image_target;
    int rc = read_target_prefix(r, index, &t);
    if (!rc) rc = image_target_for(r, &t, &image_target);
    if (rc) return rc;
    size_t end = r->off + t.size;
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    for (uint32_t e = 0; e < t.n_elements && !rc; e++)
        rc = read_element(r, &t, e, end, image_target, &b);
    if (!rc && r->off != end)
        rc = dfu_err(r->ctx, DFU_ERR_FORMAT,
                     "%s: offset %zu: target %u (alt %u): dwTargetSize is %u but its %u elements "
                     "take %zu bytes",
                     r->in->name, t.offset + 266, index, t.alt, t.size, t.n_elements,
                     r->off - (t.offset + TARGET_SIZE));
    uint32_t conflict = 0;
    if (!rc) {
        rc = dfu_builder_commit(&b, r->img, image_target, &conflict);
        if (rc == DFU_ERR_NOMEM) rc = dfu_err(r->ctx, rc, "out of memory");
        if (rc == DFU_ERR_FORMAT) rc = report_conflict(r, image_target, conflict);
    }
    dfu_builder_free(&b);
    return rc;
}

int dfu_read_dfuse(dfu_ctx *ctx, const dfu_input *in, size_t suffix_len, dfu_image *img)
{
    dfuse_reader r;
    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    r.in = in;
    r.img = img;
    unsigned n_targets = 0;
    int rc = read_prefix(&r, suffix_len, &n_targets);
    for (unsigned t = 0; t < n_targets && !rc; t++) rc = read_target(&r, t);
    if (!rc && r.off != in->len)
        rc = dfu_err(ctx, DFU_ERR_FORMAT,
                     "%s: offset %zu: %zu bytes follow the last of the %u targets that bTargets "
                     "announces",
                     in->name, r.off, in->len - r.off, n_targets);
    free(r.elems);
    return rc;
}
