/* The DFU 1.1 suffix and raw binaries: read, validate, strip, add; CRC; malformed suffixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/formats.h"
#include "dfusefile.h"
#include "testutil.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* payload + a suffix written by hand: bcdDevice, idProduct, idVendor, bcdDFU, "UFD", bLength. */
static uint8_t *with_suffix(const uint8_t *payload, size_t n, uint16_t vid, uint16_t pid,
                            uint16_t bcd, uint8_t blength, size_t *len)
{
    uint8_t *f = malloc(n + 16);
    memcpy(f, payload, n);
    uint8_t *s = f + n;
    put16(s, bcd);
    put16(s + 2, pid);
    put16(s + 4, vid);
    put16(s + 6, 0x0100);
    memcpy(s + 8, "UFD", 3);
    s[11] = blength;
    tu_fb_recrc(&(tu_fb){f, n + 16});
    *len = n + 16;
    return f;
}

static uint8_t *random_bytes(uint64_t seed, size_t n)
{
    tu_rng rng;
    tu_rng_seed(&rng, seed);
    uint8_t *p = malloc(n);
    tu_rng_fill(&rng, p, n);
    return p;
}

static int parse(dfu_image **img, dfu_ctx *ctx, const uint8_t *f, size_t len, const char *name,
                 dfu_format format, bool accept_bad)
{
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = format;
    o.accept_bad_crc = accept_bad;
    o.base_address = 0x08000000;
    return dfu_image_parse(img, ctx, f, len, name, &o);
}

static const char *msg(dfu_ctx *ctx)
{
    return dfu_ctx_error(ctx)->message;
}

static void test_suffix_is_read_and_stripped(void **state)
{
    (void)state;
    uint8_t *payload = random_bytes(1, 100);
    size_t len;
    uint8_t *f = with_suffix(payload, 100, 0x0483, 0xdf11, 0x2200, 16, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len, "fw.bin", DFU_FORMAT_AUTO, false), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_DFU);
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_int_equal(id.vid, 0x0483);
    assert_int_equal(id.pid, 0xdf11);
    assert_int_equal(id.bcd_device, 0x2200);
    assert_int_equal(id.bcd_dfu, 0x0100);
    assert_true(id.crc_valid);
    assert_int_equal(id.crc, tu_suffix_crc(f, len - 4));
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x08000000);
    assert_int_equal(s.size, 100);
    assert_memory_equal(s.data, payload, 100);
    dfu_image_free(img);
    free(f);
    free(payload);
}

static void test_bad_crc_names_offset_and_both_values(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t *payload = random_bytes(2, 100);
    size_t len;
    uint8_t *f = with_suffix(payload, 100, 0x1234, 0x5678, 0x0001, 16, &len);
    uint32_t stored = tu_suffix_crc(f, len - 4);
    f[7] ^= 0x20;
    char stored_hex[16], actual_hex[16];
    snprintf(stored_hex, sizeof(stored_hex), "0x%08x", stored);
    snprintf(actual_hex, sizeof(actual_hex), "0x%08x", tu_suffix_crc(f, len - 4));
    dfu_image *img = NULL;
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_AUTO, false), DFU_ERR_FORMAT);
    assert_null(img);
    assert_non_null(strstr(msg(ctx), "fw.dfu: offset 112: DFU suffix CRC mismatch"));
    assert_non_null(strstr(msg(ctx), stored_hex));
    assert_non_null(strstr(msg(ctx), actual_hex));
    assert_non_null(strstr(msg(ctx), "read it as format bin"));

    /* dfuctl info's view: described, flagged. */
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_AUTO, true), DFU_OK);
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_false(id.crc_valid);
    assert_int_equal(id.crc, stored);
    assert_int_equal(dfu_image_data_size(img, 0), 100);
    dfu_image_free(img);
    free(f);
    free(payload);
    dfu_ctx_free(ctx);
}

static void test_blength_below_16_is_an_error(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t *payload = random_bytes(3, 64);
    size_t len;
    uint8_t *f = with_suffix(payload, 64, 0xffff, 0xffff, 0xffff, 15, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, ctx, f, len, "x.dfu", DFU_FORMAT_DFU, false), DFU_ERR_FORMAT);
    assert_non_null(strstr(msg(ctx), "x.dfu: offset 75: DFU suffix bLength is 15"));
    free(f);
    free(payload);
    dfu_ctx_free(ctx);
}

static void test_blength_beyond_file_is_an_error(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t *payload = random_bytes(4, 20);
    size_t len;
    uint8_t *f = with_suffix(payload, 20, 0xffff, 0xffff, 0xffff, 200, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, ctx, f, len, "x.dfu", DFU_FORMAT_AUTO, false), DFU_ERR_FORMAT);
    assert_non_null(strstr(msg(ctx), "offset 31: DFU suffix bLength 200 is larger than the "
                                     "36-byte file"));
    free(f);
    free(payload);
    dfu_ctx_free(ctx);
}

/* bLength counts the whole suffix (DFU 1.1 allows longer ones): all of it is stripped. */
static void test_longer_suffix_is_stripped_whole(void **state)
{
    (void)state;
    uint8_t *payload = random_bytes(5, 50);
    size_t len;
    uint8_t *f = with_suffix(payload, 50, 0xffff, 0xffff, 0xffff, 20, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len, "x.dfu", DFU_FORMAT_AUTO, false), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, 0), 46);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_memory_equal(s.data, payload, 46);
    dfu_image_free(img);
    free(f);
    free(payload);
}

/* "bin" means raw: a forced bin keeps every byte, even a valid-looking suffix. */
static void test_forced_bin_keeps_every_byte(void **state)
{
    (void)state;
    uint8_t *payload = random_bytes(6, 40);
    size_t len;
    uint8_t *f = with_suffix(payload, 40, 1, 2, 3, 16, &len);
    f[0] ^= 1; /* and a CRC that no longer matches */
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len, "x.bin", DFU_FORMAT_BIN, false), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_BIN);
    assert_false(dfu_image_identity(img, NULL));
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.size, len);
    assert_memory_equal(s.data, f, len);
    dfu_image_free(img);
    free(f);
    free(payload);
}

static void test_forced_dfu_without_suffix_is_an_error(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t *payload = random_bytes(7, 40);
    dfu_image *img;
    assert_int_equal(parse(&img, ctx, payload, 40, "x.dfu", DFU_FORMAT_DFU, false), DFU_ERR_FORMAT);
    assert_non_null(strstr(msg(ctx), "x.dfu: offset 24: no DFU suffix"));
    assert_int_equal(parse(&img, ctx, payload, 5, "x.dfu", DFU_FORMAT_DFU, false), DFU_ERR_FORMAT);
    assert_non_null(strstr(msg(ctx), "offset 0: no DFU suffix"));
    free(payload);
    dfu_ctx_free(ctx);
}

static uint8_t *serialize(const dfu_image *img, dfu_format format, size_t *len)
{
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = format;
    uint8_t *out;
    assert_int_equal(dfu_image_serialize(&out, len, NULL, img, &o), DFU_OK);
    return out;
}

/* The dfu writer: the bytes (gaps 0xFF), then a suffix whose CRC dfu-util would accept. */
static void test_dfu_writer_output_is_exact(void **state)
{
    (void)state;
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    dfu_image_add_data(NULL, img, 0, 0x100, (const uint8_t *)"abc", 3);
    dfu_image_add_data(NULL, img, 0, 0x105, (const uint8_t *)"de", 2);
    size_t len;
    uint8_t *out = serialize(img, DFU_FORMAT_DFU, &len);
    assert_int_equal(len, 7 + 16);
    assert_memory_equal(out,
                        "abc\xff\xff"
                        "de",
                        7);
    /* No identity in the image: wildcards, bcdDFU 0x0100. */
    assert_memory_equal(out + 7, "\xff\xff\xff\xff\xff\xff\x00\x01UFD\x10", 12);
    uint32_t crc = tu_suffix_crc(out, len - 4);
    assert_int_equal(out[19] | out[20] << 8 | out[21] << 16 | (uint32_t)out[22] << 24, crc);
    free(out);

    /* An identity from a DfuSe file (bcdDFU 0x011A) becomes a DFU 1.x one. */
    dfu_identity id = {0x0483, 0xdf11, 0x2200, 0x011A, true, 0};
    dfu_image_set_identity(img, &id);
    out = serialize(img, DFU_FORMAT_DFU, &len);
    assert_memory_equal(out + 7, "\x00\x22\x11\xdf\x83\x04\x00\x01UFD\x10", 12);
    free(out);
    dfu_image_free(img);
}

static void test_bin_writer_fills_gaps_and_refuses_huge_ones(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    dfu_image_add_data(NULL, img, 0, 0x08000000, (const uint8_t *)"ab", 2);
    dfu_image_add_data(NULL, img, 0, 0x08000004, (const uint8_t *)"cd", 2);
    size_t len;
    uint8_t *out = serialize(img, DFU_FORMAT_BIN, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(out,
                        "ab\xff\xff"
                        "cd",
                        6);
    free(out);
    dfu_image_add_data(NULL, img, 0, 0x08200000, (const uint8_t *)"x", 1);
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = DFU_FORMAT_BIN;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_ERR_UNSUPPORTED);
    assert_non_null(strstr(msg(ctx), "0x08000006 and 0x08200000"));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

/* A raw binary placed so that it would run past 4 GiB. */
static void test_bin_past_4gib_is_an_error(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t data[32] = {0};
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_BIN;
    o.base_address = 0xfffffff0;
    dfu_image *img;
    assert_int_equal(dfu_image_parse(&img, ctx, data, sizeof(data), "x.bin", &o), DFU_ERR_FORMAT);
    assert_non_null(strstr(msg(ctx), "32 bytes at base address 0xfffffff0"));
    o.base_address = 0xffffffe0;
    assert_int_equal(dfu_image_parse(&img, ctx, data, sizeof(data), "x.bin", &o), DFU_OK);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

/* A suffix with bcdDFU 0x011A (DfuSe's) on a file without the "DfuSe" prefix: the container of a
 * damaged DfuSe file would otherwise be read as plain data at address 0. Refused when detected,
 * saying so and how to read it anyway; taken as asked when forced to dfu or bin. */
static void test_dfuse_suffix_without_prefix_is_refused(void **state)
{
    (void)state;
    uint8_t *payload = random_bytes(11, 300);
    memcpy(payload, "DfuSx", 5); /* a damaged signature */
    size_t len;
    uint8_t *f = with_suffix(payload, 300, 0x0483, 0xdf11, 0x2200, 16, &len);
    put16(f + 300 + 6, 0x011A);
    tu_fb_recrc(&(tu_fb){f, len});
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = NULL;
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_AUTO, false), DFU_ERR_FORMAT);
    assert_null(img);
    const char *m = msg(ctx);
    if (!strstr(m, "fw.dfu: offset 306: the DFU suffix has bcdDFU 0x011A") ||
        !strstr(m, "a damaged DfuSe file") || !strstr(m, "read it as format bin"))
        fail_msg("%s", m);
    /* info describes a file with a bad CRC; this one it still refuses. */
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_AUTO, true), DFU_ERR_FORMAT);
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_DFU, false), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, 0), 300);
    dfu_image_free(img);
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_BIN, false), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, 0), 316);
    dfu_image_free(img);
    /* bcdDFU 0x0100, the plain DFU 1.1 value: read as dfu, as always. */
    free(f);
    f = with_suffix(payload, 300, 0x0483, 0xdf11, 0x2200, 16, &len);
    assert_int_equal(parse(&img, ctx, f, len, "fw.dfu", DFU_FORMAT_AUTO, false), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_DFU);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(f);
    free(payload);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suffix_is_read_and_stripped),
        cmocka_unit_test(test_bad_crc_names_offset_and_both_values),
        cmocka_unit_test(test_blength_below_16_is_an_error),
        cmocka_unit_test(test_blength_beyond_file_is_an_error),
        cmocka_unit_test(test_longer_suffix_is_stripped_whole),
        cmocka_unit_test(test_forced_bin_keeps_every_byte),
        cmocka_unit_test(test_forced_dfu_without_suffix_is_an_error),
        cmocka_unit_test(test_dfu_writer_output_is_exact),
        cmocka_unit_test(test_bin_writer_fills_gaps_and_refuses_huge_ones),
        cmocka_unit_test(test_bin_past_4gib_is_an_error),
        cmocka_unit_test(test_dfuse_suffix_without_prefix_is_refused),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
