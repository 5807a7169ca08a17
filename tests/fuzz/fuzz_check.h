/*
 * What every fuzz harness checks after a parse: a failure leaves a message and no image; a
 * success gives an image that keeps the model's promises (segments sorted, apart, within 4 GiB).
 * Header-only so that each fuzz_*.c stays a single source file.
 */
#ifndef DFU_FUZZ_CHECK_H
#define DFU_FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

static inline void fuzz_check_image(const dfu_image *img)
{
    for (size_t t = 0; t < dfu_image_target_count(img); t++) {
        uint64_t prev_end = 0;
        for (size_t i = 0; i < dfu_image_segment_count(img, t); i++) {
            dfu_segment s;
            if (dfu_image_segment(img, t, i, &s) != DFU_OK) abort();
            uint64_t end = (uint64_t)s.address + s.size;
            if (s.size == 0 || end > 0x100000000ull) abort();
            if (i > 0 && s.address <= prev_end) abort(); /* overlapping or adjacent */
            prev_end = end;
        }
    }
}

/* Parses and checks; returns the image (NULL on failure) for harness-specific checks. */
static inline dfu_image *fuzz_parse(dfu_ctx *ctx, const uint8_t *data, size_t size,
                                    const char *name, const dfu_load_options *o)
{
    dfu_image *img = NULL;
    int rc = dfu_image_parse(&img, ctx, data, size, name, o);
    if (rc != DFU_OK) {
        const dfu_error_info *e = dfu_ctx_error(ctx);
        if (e->code != rc || e->message[0] == '\0') abort(); /* every error says what */
        return NULL;
    }
    fuzz_check_image(img);
    return img;
}

#endif
