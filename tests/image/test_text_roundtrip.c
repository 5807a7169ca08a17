/*
 * Round trips: many random sparse images (seeded, so a failure names its seed) written as Intel
 * HEX or S-record and read back must be the same image with the same start address, through
 * memory (serialize/parse) and through files (save/load), at any record size.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libdfu/libdfu.h>

#include "imagegen.h"
#include "testutil.h"

enum { SEEDS = 400, FILE_EVERY = 8 };

static char *tmp;

/* Record sizes to try: the default, the extremes, and anything between. */
static unsigned pick_record_bytes(tu_rng *rng, dfu_format f)
{
    unsigned max = f == DFU_FORMAT_IHEX ? 255 : 250; /* S3 holds the fewest */
    switch (tu_rng_below(rng, 4)) {
    case 0: return 0;
    case 1: return tu_rng_below(rng, 2) ? 1 : max;
    default: return 1 + tu_rng_below(rng, max);
    }
}

static dfu_image *random_image(tu_rng *rng, dfu_format f)
{
    tu_imagegen g = {1, 1 + tu_rng_below(rng, 12), 1 + tu_rng_below(rng, 20000), 0, 0, 0, false};
    /* Gaps from one byte to far beyond 64 KiB; anywhere in the 4 GiB space, sometimes low. */
    g.max_gap = tu_rng_below(rng, 2) ? 300 : 0x00400000;
    g.base_max = tu_rng_below(rng, 4) ? 0xFFFF0000u : 0x0000FF00u;
    dfu_image *img = tu_random_image(rng, &g);
    uint32_t start = 1 + tu_rng_below(rng, 0xFFFFFFFFu); /* S-records cannot say 0 */
    if (tu_rng_below(rng, 3)) dfu_image_set_start_address(img, &start);
    (void)f;
    return img;
}

static void assert_same(const dfu_image *a, const dfu_image *b, uint64_t seed, const char *how)
{
    if (!dfu_image_equal(a, b))
        fail_msg("seed %llu (%s): images differ", (unsigned long long)seed, how);
    uint32_t sa = 0, sb = 0;
    bool ha = dfu_image_start_address(a, &sa), hb = dfu_image_start_address(b, &sb);
    if (ha != hb || sa != sb)
        fail_msg("seed %llu (%s): start address %d/0x%08x became %d/0x%08x",
                 (unsigned long long)seed, how, ha, sa, hb, sb);
}

static void via_memory(dfu_ctx *ctx, const dfu_image *img, dfu_format f, unsigned rb, uint64_t seed)
{
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = f;
    so.record_bytes = rb;
    uint8_t *buf;
    size_t len;
    assert_int_equal(dfu_image_serialize(&buf, &len, ctx, img, &so), DFU_OK);
    dfu_image *back;
    int rc = dfu_image_parse(&back, ctx, buf, len, "roundtrip", NULL); /* detected */
    if (rc) fail_msg("seed %llu: %s", (unsigned long long)seed, dfu_ctx_error(ctx)->message);
    assert_int_equal(dfu_image_format(back), f);
    assert_same(img, back, seed, "memory");
    dfu_image_free(back);
    dfu_free(buf);
}

static void via_file(dfu_ctx *ctx, const dfu_image *img, dfu_format f, unsigned rb, uint64_t seed)
{
    char name[64];
    snprintf(name, sizeof(name), "rt%llu.%s", (unsigned long long)seed,
             f == DFU_FORMAT_IHEX ? "hex" : "s37");
    char *path = tu_path(tmp, name);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT; /* format from the extension */
    so.record_bytes = rb;
    assert_int_equal(dfu_image_save(ctx, img, path, &so), DFU_OK);
    dfu_image *back;
    int rc = dfu_image_load(&back, ctx, path, NULL);
    if (rc) fail_msg("seed %llu: %s", (unsigned long long)seed, dfu_ctx_error(ctx)->message);
    assert_same(img, back, seed, "file");
    dfu_image_free(back);
    remove(path);
    free(path);
}

static void round_trips(dfu_format f, uint64_t first_seed)
{
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    for (uint64_t seed = first_seed; seed < first_seed + SEEDS; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed);
        dfu_image *img = random_image(&rng, f);
        unsigned rb = pick_record_bytes(&rng, f);
        via_memory(ctx, img, f, rb, seed);
        if (seed % FILE_EVERY == 0) via_file(ctx, img, f, rb, seed);
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
}

static void test_ihex_round_trips(void **state)
{
    (void)state;
    round_trips(DFU_FORMAT_IHEX, 1000);
}

static void test_srec_round_trips(void **state)
{
    (void)state;
    round_trips(DFU_FORMAT_SREC, 2000);
}

/* Converting between the two keeps everything too. */
static void test_hex_to_srec_to_hex(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    for (uint64_t seed = 3000; seed < 3050; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed);
        dfu_image *img = random_image(&rng, DFU_FORMAT_IHEX);
        dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
        so.format = DFU_FORMAT_IHEX;
        uint8_t *hex, *s;
        size_t hex_len, s_len;
        assert_int_equal(dfu_image_serialize(&hex, &hex_len, ctx, img, &so), DFU_OK);
        dfu_image *a, *b;
        assert_int_equal(dfu_image_parse(&a, ctx, hex, hex_len, NULL, NULL), DFU_OK);
        so.format = DFU_FORMAT_SREC;
        assert_int_equal(dfu_image_serialize(&s, &s_len, ctx, a, &so), DFU_OK);
        assert_int_equal(dfu_image_parse(&b, ctx, s, s_len, NULL, NULL), DFU_OK);
        assert_same(img, b, seed, "hex then srec");
        dfu_image_free(a);
        dfu_image_free(b);
        dfu_image_free(img);
        dfu_free(hex);
        dfu_free(s);
    }
    dfu_ctx_free(ctx);
}

int main(void)
{
    tmp = tu_tmpdir("text_roundtrip");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ihex_round_trips),
        cmocka_unit_test(test_srec_round_trips),
        cmocka_unit_test(test_hex_to_srec_to_hex),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
