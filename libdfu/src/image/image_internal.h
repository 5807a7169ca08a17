/* The image model's representation, and the builder that readers fill. */
#ifndef DFU_IMAGE_INTERNAL_H
#define DFU_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "libdfu/image.h"

/* A run of bytes. In a target: sorted, non-overlapping, non-adjacent. */
typedef struct dfu_seg {
    uint32_t address;
    uint32_t size;
    size_t cap;
    uint8_t *data;
} dfu_seg;

typedef struct dfu_target {
    int alt;
    char *name;
    size_t count;
    size_t cap;
    dfu_seg *segs;
} dfu_target;

struct dfu_image {
    dfu_format format;
    size_t count;
    size_t cap;
    dfu_target *targets;
    bool has_identity;
    dfu_identity identity;
    bool has_start;
    uint32_t start;
};

/* For single-target formats: the target holding data (NULL when none does); DFU_ERR_UNSUPPORTED
 * naming `format` when several do. */
int dfu_image_single_target(dfu_ctx *ctx, const dfu_image *img, const char *format,
                            const dfu_target **out);

static inline uint64_t dfu_seg_end(const dfu_seg *s)
{
    return (uint64_t)s->address + s->size;
}

/*
 * Readers add data in file order through a builder: consecutive contiguous data is appended to
 * one chunk (the usual case: one chunk per contiguous run), and at the end all chunks are sorted
 * and merged into the target in O(n log n), whatever order the file had. Overlapping bytes must
 * agree; the first conflicting address is reported so that the reader can name both records.
 */
typedef struct dfu_image_builder {
    dfu_seg *chunks;
    size_t count;
    size_t cap;
} dfu_image_builder;

#define DFU_IMAGE_BUILDER_INIT                                                                     \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Data that would run past 4 GiB is DFU_ERR_FORMAT (the caller names where). */
int dfu_builder_add(dfu_image_builder *b, uint32_t address, const uint8_t *data, size_t len);
/* Merges the chunks into img's target and empties the builder. On a conflict returns
 * DFU_ERR_FORMAT, sets *conflict to the first conflicting address, and leaves the target in an
 * unspecified but valid state (the reader then fails as a whole). Sets no error message. */
int dfu_builder_commit(dfu_image_builder *b, dfu_image *img, size_t target, uint32_t *conflict);
void dfu_builder_free(dfu_image_builder *b);

#endif
