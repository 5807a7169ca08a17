/*
 * Every writer, then every reader: random sparse images written as bin, hex, srec, dfu and dfuse
 * and read back by detection alone give the same bytes at the same addresses; a chain through
 * every format ends where it started.
 */
#include <stdlib.h>
#include <string.h>

#include "imagegen.h"

static const dfu_format writers[] = {DFU_FORMAT_BIN, DFU_FORMAT_IHEX, DFU_FORMAT_SREC,
                                     DFU_FORMAT_DFU, DFU_FORMAT_DFUSE};

static dfu_image *write_then_read(const dfu_image *img, dfu_format f, uint32_t base)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = f;
    uint8_t *buf;
    size_t len;
    if (dfu_image_serialize(&buf, &len, ctx, img, &so))
        fail_msg("writing %s: %s", dfu_format_name(f), dfu_ctx_error(ctx)->message);
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT; /* detection by content */
    lo.base_address = base;
    dfu_image *back;
    if (dfu_image_parse(&back, ctx, buf, len, dfu_format_name(f), &lo))
        fail_msg("reading %s: %s", dfu_format_name(f), dfu_ctx_error(ctx)->message);
    if (dfu_image_format(back) != f)
        fail_msg("%s was detected as %s", dfu_format_name(f),
                 dfu_format_name(dfu_image_format(back)));
    free(buf);
    dfu_ctx_free(ctx);
    return back;
}

/* Same bytes at the same addresses; raw formats fill gaps with 0xFF, so compare the span. */
static void expect_same_span(const dfu_image *a, const dfu_image *b, const char *what)
{
    dfu_segment first, last;
    dfu_image_segment(a, 0, 0, &first);
    dfu_image_segment(a, 0, dfu_image_segment_count(a, 0) - 1, &last);
    size_t span = last.address + last.size - first.address;
    uint8_t *x = malloc(span), *y = malloc(span);
    dfu_image_read(a, 0, first.address, x, span, 0xFF);
    dfu_image_read(b, 0, first.address, y, span, 0xFF);
    if (memcmp(x, y, span) != 0) fail_msg("%s: the bytes differ", what);
    free(x);
    free(y);
}

static void test_every_writer_then_every_reader(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 2026);
    tu_imagegen g = {1, 5, 3000, 200, 0x08000000, 0x08100000, false};
    for (int seed = 0; seed < 100; seed++) {
        dfu_image *img = tu_random_image(&rng, &g);
        dfu_segment first;
        dfu_image_segment(img, 0, 0, &first);
        for (size_t w = 0; w < sizeof(writers) / sizeof(writers[0]); w++) {
            dfu_image *back = write_then_read(img, writers[w], first.address);
            bool raw = writers[w] == DFU_FORMAT_BIN || writers[w] == DFU_FORMAT_DFU;
            if (raw)
                expect_same_span(img, back, dfu_format_name(writers[w]));
            else if (writers[w] == DFU_FORMAT_DFUSE)
                expect_same_span(img, back, "dfuse"); /* the target gets alt 0 */
            else if (!dfu_image_equal(img, back))
                fail_msg("%s: the image changed", dfu_format_name(writers[w]));
            dfu_image_free(back);
        }
        dfu_image_free(img);
    }
}

static void test_chain_through_every_format(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 7);
    tu_imagegen g = {1, 4, 5000, 0, 0x08000000, 0x08000000, false}; /* contiguous: bin-safe */
    dfu_image *img = tu_random_image(&rng, &g);
    dfu_segment first;
    dfu_image_segment(img, 0, 0, &first);
    dfu_image *cur = img;
    for (int lap = 0; lap < 2; lap++) {
        for (size_t w = 0; w < sizeof(writers) / sizeof(writers[0]); w++) {
            dfu_image *next = write_then_read(cur, writers[w], first.address);
            if (cur != img) dfu_image_free(cur);
            cur = next;
        }
    }
    expect_same_span(img, cur, "chain");
    dfu_image_free(cur);
    dfu_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_writer_then_every_reader),
        cmocka_unit_test(test_chain_through_every_format),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
