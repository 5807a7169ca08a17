/* Round trips over many seeded random sparse images: DfuSe (several targets, named and unnamed)
 * gives back the same image; bin and dfu (one target, small gaps) give back the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "imagegen.h"
#include "testutil.h"

enum { SEEDS = 300 };

static uint8_t *serialize(const dfu_image *img, dfu_format format, size_t *len)
{
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = format;
    uint8_t *out;
    assert_int_equal(dfu_image_serialize(&out, len, NULL, img, &o), DFU_OK);
    return out;
}

static dfu_image *parse(const uint8_t *buf, size_t len, dfu_format format, uint32_t base)
{
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = format;
    o.base_address = base;
    dfu_image *img;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    int rc = dfu_image_parse(&img, ctx, buf, len, "roundtrip", &o);
    if (rc) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    return img;
}

static dfu_identity random_identity(tu_rng *rng)
{
    dfu_identity id = {(uint16_t)tu_rng_next(rng),
                       (uint16_t)tu_rng_next(rng),
                       (uint16_t)tu_rng_next(rng),
                       0x011a,
                       true,
                       0};
    if (tu_rng_below(rng, 4) == 0) id.vid = id.pid = id.bcd_device = DFU_IDENTITY_WILDCARD;
    return id;
}

static void test_dfuse_roundtrip(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed);
        tu_imagegen g = {1 + tu_rng_below(&rng, 4), 8, 3000, 1 << 20, 0, 0xf0000000u, true};
        dfu_image *img = tu_random_image(&rng, &g);
        dfu_identity id = random_identity(&rng);
        dfu_image_set_identity(img, &id);
        size_t len;
        uint8_t *out = serialize(img, DFU_FORMAT_DFUSE, &len);
        dfu_image *back = parse(out, len, DFU_FORMAT_AUTO, 0);
        if (!dfu_image_equal(img, back))
            fail_msg("seed %llu: images differ", (unsigned long long)seed);
        assert_int_equal(dfu_image_format(back), DFU_FORMAT_DFUSE);
        dfu_identity got;
        assert_true(dfu_image_identity(back, &got));
        assert_int_equal(got.vid, id.vid);
        assert_int_equal(got.pid, id.pid);
        assert_int_equal(got.bcd_device, id.bcd_device);
        assert_int_equal(got.bcd_dfu, 0x011a);
        assert_true(got.crc_valid);
        /* Written again: the very same bytes. */
        size_t len2;
        uint8_t *out2 = serialize(back, DFU_FORMAT_DFUSE, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(out2, out, len);
        free(out2);
        dfu_image_free(back);
        free(out);
        dfu_image_free(img);
    }
}

/* The bytes a raw binary of img holds: lowest to highest address, gaps 0xFF. */
static uint8_t *expected_span(const dfu_image *img, uint32_t *base, size_t *len)
{
    dfu_segment first, last;
    dfu_image_segment(img, 0, 0, &first);
    dfu_image_segment(img, 0, dfu_image_segment_count(img, 0) - 1, &last);
    *base = first.address;
    *len = (size_t)last.address + last.size - first.address;
    uint8_t *buf = malloc(*len);
    dfu_image_read(img, 0, *base, buf, *len, 0xff);
    return buf;
}

static void roundtrip_single(dfu_format format)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed * 7919);
        tu_imagegen g = {1, 6, 2000, 64, 0x08000000, 0x08100000, false};
        dfu_image *img = tu_random_image(&rng, &g);
        dfu_identity id = random_identity(&rng);
        if (format == DFU_FORMAT_DFU) dfu_image_set_identity(img, &id);
        uint32_t base;
        size_t span_len, len;
        uint8_t *span = expected_span(img, &base, &span_len);
        uint8_t *out = serialize(img, format, &len);
        size_t extra = format == DFU_FORMAT_DFU ? 16 : 0;
        assert_int_equal(len, span_len + extra);
        assert_memory_equal(out, span, span_len);

        dfu_image *back = parse(out, len, format, base);
        assert_int_equal(dfu_image_format(back), format);
        assert_int_equal(dfu_image_segment_count(back, 0), 1);
        dfu_segment s;
        dfu_image_segment(back, 0, 0, &s);
        assert_int_equal(s.address, base);
        assert_int_equal(s.size, span_len);
        assert_memory_equal(s.data, span, span_len);
        if (format == DFU_FORMAT_DFU) {
            dfu_identity got;
            assert_true(dfu_image_identity(back, &got));
            assert_int_equal(got.vid, id.vid);
            assert_int_equal(got.pid, id.pid);
            assert_int_equal(got.bcd_device, id.bcd_device);
            assert_int_equal(got.bcd_dfu, 0x0100);
            assert_true(got.crc_valid);
        }
        size_t len2;
        uint8_t *out2 = serialize(back, format, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(out2, out, len);
        free(out2);
        dfu_image_free(back);
        free(out);
        free(span);
        dfu_image_free(img);
    }
}

static void test_bin_roundtrip(void **state)
{
    (void)state;
    roundtrip_single(DFU_FORMAT_BIN);
}

static void test_dfu_roundtrip(void **state)
{
    (void)state;
    roundtrip_single(DFU_FORMAT_DFU);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfuse_roundtrip),
        cmocka_unit_test(test_bin_roundtrip),
        cmocka_unit_test(test_dfu_roundtrip),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
