/* The image model: targets of sorted, merged segments, plus identity and start address. */
#include <stdlib.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "../core/sha256.h"
#include "../core/str.h"
#include "image_internal.h"

int dfu_image_new(dfu_image **out)
{
    if (!out) return DFU_ERR_ARG;
    *out = calloc(1, sizeof(**out));
    return *out ? DFU_OK : DFU_ERR_NOMEM;
}

static void target_clear(dfu_target *t)
{
    for (size_t i = 0; i < t->count; i++) free(t->segs[i].data);
    free(t->segs);
    free(t->name);
    memset(t, 0, sizeof(*t));
}

void dfu_image_free(dfu_image *img)
{
    if (!img) return;
    for (size_t i = 0; i < img->count; i++) target_clear(&img->targets[i]);
    free(img->targets);
    free(img);
}

void dfu_free(void *p)
{
    free(p);
}

dfu_format dfu_image_format(const dfu_image *img)
{
    return img->format;
}

size_t dfu_image_target_count(const dfu_image *img)
{
    return img->count;
}

int dfu_image_target_alt(const dfu_image *img, size_t target)
{
    return target < img->count ? img->targets[target].alt : -1;
}

const char *dfu_image_target_name(const dfu_image *img, size_t target)
{
    return target < img->count ? img->targets[target].name : NULL;
}

size_t dfu_image_segment_count(const dfu_image *img, size_t target)
{
    return target < img->count ? img->targets[target].count : 0;
}

int dfu_image_segment(const dfu_image *img, size_t target, size_t index, dfu_segment *out)
{
    if (target >= img->count || index >= img->targets[target].count) return DFU_ERR_ARG;
    const dfu_seg *s = &img->targets[target].segs[index];
    out->address = s->address;
    out->size = s->size;
    out->data = s->data;
    return DFU_OK;
}

uint64_t dfu_image_data_size(const dfu_image *img, size_t target)
{
    uint64_t total = 0;
    for (size_t t = 0; t < img->count; t++) {
        if (target != DFU_ALL_TARGETS && t != target) continue;
        for (size_t i = 0; i < img->targets[t].count; i++) total += img->targets[t].segs[i].size;
    }
    return total;
}

bool dfu_image_identity(const dfu_image *img, dfu_identity *out)
{
    if (img->has_identity && out) *out = img->identity;
    return img->has_identity;
}

bool dfu_image_start_address(const dfu_image *img, uint32_t *out)
{
    if (img->has_start && out) *out = img->start;
    return img->has_start;
}

void dfu_image_set_identity(dfu_image *img, const dfu_identity *id)
{
    img->has_identity = id != NULL;
    if (id) img->identity = *id;
}

void dfu_image_set_start_address(dfu_image *img, const uint32_t *addr)
{
    img->has_start = addr != NULL;
    if (addr) img->start = *addr;
}

static char *dup_name(const char *name, int *rc)
{
    *rc = DFU_OK;
    if (!name) return NULL;
    char *p = dfu_strdup(name);
    if (!p) *rc = DFU_ERR_NOMEM;
    return p;
}

/* Another target than except has alternate setting alt. Planning sends each target to one
 * setting and refuses two for the same one, long after the image was built; so does the DfuSe
 * format, whose reader merges such targets. */
static bool alt_taken(const dfu_image *img, int alt, size_t except)
{
    for (size_t t = 0; t < img->count; t++)
        if (t != except && img->targets[t].alt == alt) return true;
    return false;
}

/* Adds a target whatever the others are (a clone copies what it is given). */
static int append_target(dfu_image *img, int alt, const char *name, size_t *index_out)
{
    if (img->count == img->cap) {
        size_t cap = img->cap ? img->cap * 2 : 4;
        dfu_target *p = realloc(img->targets, cap * sizeof(*p));
        if (!p) return DFU_ERR_NOMEM;
        img->targets = p;
        img->cap = cap;
    }
    int rc;
    dfu_target t = {alt < 0 ? -1 : alt, dup_name(name, &rc), 0, 0, NULL};
    if (rc) return rc;
    img->targets[img->count] = t;
    if (index_out) *index_out = img->count;
    img->count++;
    return DFU_OK;
}

int dfu_image_add_target(dfu_image *img, int alt, const char *name, size_t *index_out)
{
    if (alt_taken(img, alt < 0 ? -1 : alt, SIZE_MAX)) return DFU_ERR_ARG;
    return append_target(img, alt, name, index_out);
}

int dfu_image_set_target(dfu_image *img, size_t target, int alt, const char *name)
{
    if (target >= img->count || alt_taken(img, alt < 0 ? -1 : alt, target)) return DFU_ERR_ARG;
    int rc;
    char *copy = dup_name(name, &rc);
    if (rc) return rc;
    free(img->targets[target].name);
    img->targets[target].name = copy;
    img->targets[target].alt = alt < 0 ? -1 : alt;
    return DFU_OK;
}

/* Index of the first segment whose end lies beyond address. */
static size_t first_after(const dfu_target *t, uint32_t address)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dfu_seg_end(&t->segs[mid]) <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int dfu_image_add_data(dfu_ctx *ctx, dfu_image *img, size_t target, uint32_t address,
                       const uint8_t *data, size_t len)
{
    if (target >= img->count) return dfu_err(ctx, DFU_ERR_ARG, "no target %zu in image", target);
    if ((uint64_t)address + len > 0x100000000ull)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "data at 0x%08x of %zu bytes runs past the 4 GiB address space", address,
                       len);
    if (len == 0) return DFU_OK;
    /* Check the overlap first, so that a conflict leaves the image unchanged. */
    const dfu_target *t = &img->targets[target];
    uint64_t end = (uint64_t)address + len;
    for (size_t i = first_after(t, address); i < t->count && t->segs[i].address < end; i++) {
        const dfu_seg *s = &t->segs[i];
        uint64_t from = DFU_MAX(address, s->address), to = DFU_MIN(end, dfu_seg_end(s));
        for (uint64_t a = from; a < to; a++) {
            if (s->data[a - s->address] != data[a - address])
                return dfu_err(ctx, DFU_ERR_FORMAT,
                               "conflicting data at 0x%08llx: 0x%02x already there, 0x%02x added",
                               (unsigned long long)a, s->data[a - s->address], data[a - address]);
        }
    }
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    uint32_t conflict = 0;
    int rc = dfu_builder_add(&b, address, data, len);
    if (!rc) rc = dfu_builder_commit(&b, img, target, &conflict);
    dfu_builder_free(&b);
    if (rc == DFU_ERR_NOMEM) return dfu_err(ctx, rc, "out of memory adding data");
    return rc;
}

void dfu_image_read(const dfu_image *img, size_t target, uint32_t address, uint8_t *buf, size_t len,
                    uint8_t fill)
{
    memset(buf, fill, len);
    if (target >= img->count) return;
    const dfu_target *t = &img->targets[target];
    uint64_t end = (uint64_t)address + len;
    for (size_t i = first_after(t, address); i < t->count && t->segs[i].address < end; i++) {
        const dfu_seg *s = &t->segs[i];
        uint64_t from = DFU_MAX(address, s->address), to = DFU_MIN(end, dfu_seg_end(s));
        memcpy(buf + (from - address), s->data + (from - s->address), (size_t)(to - from));
    }
}

int dfu_image_clone(dfu_image **out, const dfu_image *img)
{
    if (!out) return DFU_ERR_ARG;
    *out = NULL;
    dfu_image *c;
    int rc = dfu_image_new(&c);
    if (rc) return rc;
    c->format = img->format;
    c->has_identity = img->has_identity;
    c->identity = img->identity;
    c->has_start = img->has_start;
    c->start = img->start;
    for (size_t t = 0; t < img->count && !rc; t++) {
        const dfu_target *src = &img->targets[t];
        rc = append_target(c, src->alt, src->name, NULL);
        dfu_target *dst = &c->targets[t];
        if (!rc && src->count) {
            dst->segs = calloc(src->count, sizeof(*dst->segs));
            if (!dst->segs)
                rc = DFU_ERR_NOMEM;
            else
                dst->cap = src->count;
        }
        for (size_t i = 0; i < src->count && !rc; i++) {
            dfu_seg s = src->segs[i];
            s.data = malloc(s.size);
            if (!s.data) {
                rc = DFU_ERR_NOMEM;
                break;
            }
            memcpy(s.data, src->segs[i].data, s.size);
            s.cap = s.size;
            dst->segs[dst->count++] = s;
        }
    }
    if (rc) {
        dfu_image_free(c);
        return rc;
    }
    *out = c;
    return DFU_OK;
}

int dfu_image_single_target(dfu_ctx *ctx, const dfu_image *img, const char *format,
                            const dfu_target **out)
{
    size_t n = 0;
    *out = NULL;
    for (size_t t = 0; t < img->count; t++) {
        if (img->targets[t].count) {
            if (!*out) *out = &img->targets[t];
            n++;
        }
    }
    if (n > 1)
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "the image has %zu targets with data; a %s file holds one: pick one "
                       "target (alternate setting) to write",
                       n, format);
    return DFU_OK;
}

bool dfu_image_equal(const dfu_image *a, const dfu_image *b)
{
    if (a->count != b->count) return false;
    for (size_t t = 0; t < a->count; t++) {
        const dfu_target *x = &a->targets[t], *y = &b->targets[t];
        if (x->alt != y->alt || x->count != y->count) return false;
        if ((x->name == NULL) != (y->name == NULL)) return false;
        if (x->name && strcmp(x->name, y->name) != 0) return false;
        for (size_t i = 0; i < x->count; i++) {
            if (x->segs[i].address != y->segs[i].address || x->segs[i].size != y->segs[i].size ||
                memcmp(x->segs[i].data, y->segs[i].data, x->segs[i].size) != 0)
                return false;
        }
    }
    return true;
}

void dfu_image_digest(const dfu_image *img, uint8_t out[32])
{
    dfu_sha256 h;
    dfu_sha256_init(&h);
    for (size_t t = 0; t < img->count; t++) {
        for (size_t i = 0; i < img->targets[t].count; i++) {
            const dfu_seg *s = &img->targets[t].segs[i];
            uint8_t head[8];
            dfu_put_le32(head, s->address);
            dfu_put_le32(head + 4, s->size);
            dfu_sha256_update(&h, head, sizeof(head));
            dfu_sha256_update(&h, s->data, s->size);
        }
    }
    dfu_sha256_final(&h, out);
}
