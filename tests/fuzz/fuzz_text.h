/*
 * What the text-format harnesses check beyond "no crash, no leak, no hang": a rejected input has
 * a message that names the input (file:line:column), and an accepted one survives being written
 * in the same format and read again, with the same bytes and start address.
 */
#ifndef DFU_FUZZ_TEXT_H
#define DFU_FUZZ_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

static void fuzz_check_round_trip(dfu_ctx *ctx, const dfu_image *img, dfu_format f)
{
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = f;
    uint8_t *text;
    size_t len;
    if (dfu_image_serialize(&text, &len, ctx, img, &so) != DFU_OK) abort();
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.format = f;
    dfu_image *back;
    if (dfu_image_parse(&back, ctx, text, len, "rewritten", &lo) != DFU_OK) {
        fprintf(stderr, "rewritten file rejected: %s\n", dfu_ctx_error(ctx)->message);
        abort();
    }
    uint32_t a = 0, b = 0;
    if (!dfu_image_equal(img, back) ||
        dfu_image_start_address(img, &a) != dfu_image_start_address(back, &b) || a != b)
        abort();
    dfu_image_free(back);
    dfu_free(text);
}

static int fuzz_text_format(const uint8_t *data, size_t size, dfu_format f)
{
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 0;
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = f;
    dfu_image *img = NULL;
    int rc = dfu_image_parse(&img, ctx, data, size, "fuzz", &o);
    if (rc == DFU_OK) {
        fuzz_check_round_trip(ctx, img, f);
        dfu_image_free(img);
    } else if (rc != DFU_ERR_FORMAT || strncmp(dfu_ctx_error(ctx)->message, "fuzz:", 5) != 0) {
        fprintf(stderr, "unexpected error %d: %s\n", rc, dfu_ctx_error(ctx)->message);
        abort();
    }
    dfu_ctx_free(ctx);
    return 0;
}

#endif
