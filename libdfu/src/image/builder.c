/* Collects a reader's data in file order, then sorts and merges it into an image target. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "image_internal.h"

int dfu_builder_add(dfu_image_builder *b, uint32_t address, const uint8_t *data, size_t len)
{
    if (len == 0) return DFU_OK;
    /* A chunk's size is 32 bits: 4 GiB at address 0 fits the address space but not a chunk. */
    if ((uint64_t)len > UINT32_MAX || (uint64_t)address + len > 0x100000000ull)
        return DFU_ERR_FORMAT;
    dfu_seg *last = b->count ? &b->chunks[b->count - 1] : NULL;
    if (last && dfu_seg_end(last) == address && (uint64_t)last->size + len <= UINT32_MAX) {
        if (last->size + len > last->cap) {
            size_t cap = last->cap * 2;
            if (cap < last->size + len) cap = last->size + len;
            uint8_t *p = realloc(last->data, cap);
            if (!p) return DFU_ERR_NOMEM;
            last->data = p;
            last->cap = cap;
        }
        memcpy(last->data + last->size, data, len);
        last->size += (uint32_t)len;
        return DFU_OK;
    }
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        dfu_seg *p = realloc(b->chunks, cap * sizeof(*p));
        if (!p) return DFU_ERR_NOMEM;
        b->chunks = p;
        b->cap = cap;
    }
    size_t cap = len < 256 ? 256 : len;
    uint8_t *copy = malloc(cap);
    if (!copy) return DFU_ERR_NOMEM;
    memcpy(copy, data, len);
    b->chunks[b->count++] = (dfu_seg){address, (uint32_t)len, cap, copy};
    return DFU_OK;
}

void dfu_builder_free(dfu_image_builder *b)
{
    for (size_t i = 0; i < b->count; i++) free(b->chunks[i].data);
    free(b->chunks);
    memset(b, 0, sizeof(*b));
}

/* Sort key: address, then arrival order (the index is kept alongside for stability). */
typedef struct {
    dfu_seg seg;
    size_t order;
} keyed_seg;

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed_seg *a = pa, *b = pb;
    if (a->seg.address != b->seg.address) return a->seg.address < b->seg.address ? -1 : 1;
    return a->order < b->order ? -1 : (a->order > b->order);
}

/* Appends the part of src beyond dst's end to dst, after checking that the overlap agrees. */
static int merge_into(dfu_seg *dst, dfu_seg *src, uint32_t *conflict)
{
    uint64_t dst_end = dfu_seg_end(dst), src_end = dfu_seg_end(src);
    uint64_t overlap_end = src_end < dst_end ? src_end : dst_end;
    const uint8_t *old = dst->data + (src->address - dst->address);
    size_t overlap = (size_t)(overlap_end - src->address);
    if (overlap && memcmp(old, src->data, overlap) != 0) {
        size_t i = 0;
        while (old[i] == src->data[i]) i++;
        *conflict = src->address + (uint32_t)i;
        return DFU_ERR_FORMAT;
    }
    if (src_end <= dst_end) return DFU_OK;
    /* A run may not reach the full 4 GiB: its size must fit in 32 bits. */
    if (src_end - dst->address > UINT32_MAX) return DFU_ERR_FORMAT;
    size_t tail = (size_t)(src_end - dst_end);
    size_t need = dst->size + tail;
    if (need > dst->cap) {
        size_t cap = dst->cap * 2 > need ? dst->cap * 2 : need;
        uint8_t *p = realloc(dst->data, cap);
        if (!p) return DFU_ERR_NOMEM;
        dst->data = p;
        dst->cap = cap;
    }
    memcpy(dst->data + dst->size, src->data + overlap, tail);
    dst->size += (uint32_t)tail;
    return DFU_OK;
}

int dfu_builder_commit(dfu_image_builder *b, dfu_image *img, size_t target, uint32_t *conflict)
{
    dfu_target *t = &img->targets[target];
    size_t n = t->count + b->count;
    if (n == 0) return DFU_OK;
    keyed_seg *all = malloc(n * sizeof(*all));
    dfu_seg *out = malloc(n * sizeof(*out));
    if (!all || !out) {
        free(all);
        free(out);
        return DFU_ERR_NOMEM;
    }
    /* Existing segments come first in arrival order, so on equal addresses they win. */
    for (size_t i = 0; i < t->count; i++) all[i] = (keyed_seg){t->segs[i], i};
    for (size_t i = 0; i < b->count; i++)
        all[t->count + i] = (keyed_seg){b->chunks[i], t->count + i};
    qsort(all, n, sizeof(*all), cmp_keyed);
    free(t->segs);
    free(b->chunks);
    t->segs = NULL;
    t->count = t->cap = 0;
    memset(b, 0, sizeof(*b));

    size_t m = 0;
    int rc = DFU_OK;
    size_t i = 0;
    for (; i < n && rc == DFU_OK; i++) {
        dfu_seg *s = &all[i].seg;
        if (m && s->address <= dfu_seg_end(&out[m - 1])) {
            rc = merge_into(&out[m - 1], s, conflict);
            free(s->data);
        } else {
            out[m++] = *s;
        }
    }
    for (; i < n; i++) free(all[i].seg.data); /* after a failure: drop the rest */
    free(all);
    /* Give back what doubling over-allocated: the image lives as long as the caller wants. */
    for (size_t k = 0; k < m; k++) {
        if (out[k].cap > out[k].size) {
            uint8_t *p = realloc(out[k].data, out[k].size);
            if (p) {
                out[k].data = p;
                out[k].cap = out[k].size;
            }
        }
    }
    t->segs = out;
    t->count = m;
    t->cap = n;
    return rc;
}
