/* Format detection: content first (DfuSe prefix, ELF magic, HEX/S-record, DFU suffix), then the
 * extension, then raw binary. */
#include <stdlib.h>
#include <string.h>

#include "image/formats.h"
#include "testutil.h"

static dfu_format detect(const void *data, size_t len, const char *name)
{
    const uint8_t *p = data;
    size_t tail = len < 16 ? len : 16;
    return dfu_format_detect(p, len, p + len - tail, tail, name);
}

/* 40 bytes of data followed by a suffix-shaped tail. */
static void suffixed(uint8_t f[56], uint8_t blength)
{
    memset(f, 0x5a, 56);
    memcpy(f + 48, "UFD", 3);
    f[51] = blength;
}

static void test_content_wins_over_extension(void **state)
{
    (void)state;
    uint8_t f[56];
    suffixed(f, 16);
    assert_int_equal(detect(f, sizeof(f), "firmware.bin"), DFU_FORMAT_DFU);
    assert_int_equal(detect(f, sizeof(f), "firmware.hex"), DFU_FORMAT_DFU);
    /* A DfuSe body followed by its suffix: the prefix decides, whatever the name. */
    memcpy(f, "DfuSe\x01", 6);
    assert_int_equal(detect(f, sizeof(f), "firmware.bin"), DFU_FORMAT_DFUSE);
    assert_int_equal(detect(f, sizeof(f), NULL), DFU_FORMAT_DFUSE);
    memcpy(f,
           "\x7f"
           "ELF\x01\x01\x01",
           7);
    assert_int_equal(detect(f, sizeof(f), "firmware.dfu"), DFU_FORMAT_ELF);
}

static void test_text_formats_by_first_record(void **state)
{
    (void)state;
    const char *hex = ":020000040800F2\n";
    assert_int_equal(detect(hex, strlen(hex), "fw.bin"), DFU_FORMAT_IHEX);
    const char *bom = "\xEF\xBB\xBF\r\n  :10000000";
    assert_int_equal(detect(bom, strlen(bom), NULL), DFU_FORMAT_IHEX);
    const char *srec = "S00600004844521B\n";
    assert_int_equal(detect(srec, strlen(srec), "fw.dfu"), DFU_FORMAT_SREC);
    const char *lower = "s1130000";
    assert_int_equal(detect(lower, strlen(lower), NULL), DFU_FORMAT_SREC);
    /* ':' or 'S' alone is not a record. */
    assert_int_equal(detect(":x", 2, NULL), DFU_FORMAT_BIN);
    assert_int_equal(detect("Sx00", 4, NULL), DFU_FORMAT_BIN);
}

static void test_extension_when_content_says_nothing(void **state)
{
    (void)state;
    uint8_t f[64];
    memset(f, 0, sizeof(f));
    assert_int_equal(detect(f, sizeof(f), "fw.hex"), DFU_FORMAT_IHEX);
    assert_int_equal(detect(f, sizeof(f), "FW.S19"), DFU_FORMAT_SREC);
    assert_int_equal(detect(f, sizeof(f), "fw.axf"), DFU_FORMAT_ELF);
    assert_int_equal(detect(f, sizeof(f), "fw.dfu"), DFU_FORMAT_DFUSE);
    assert_int_equal(detect(f, sizeof(f), "fw.bin"), DFU_FORMAT_BIN);
    assert_int_equal(detect(f, sizeof(f), "fw"), DFU_FORMAT_BIN);
    assert_int_equal(detect(f, sizeof(f), "dir.hex/fw"), DFU_FORMAT_BIN);
    /* Windows paths: a backslash separates components too. */
    assert_int_equal(detect(f, sizeof(f), "C:\\build\\fw.hex"), DFU_FORMAT_IHEX);
    assert_int_equal(detect(f, sizeof(f), "C:\\out.hex\\fw"), DFU_FORMAT_BIN);
    assert_int_equal(detect(f, 0, "fw.unknown"), DFU_FORMAT_BIN);
}

/* A suffix must sit in the last 16 bytes: "UFD" anywhere else, or a file shorter than a suffix,
 * is not one. */
static void test_suffix_signature_position(void **state)
{
    (void)state;
    uint8_t f[56];
    suffixed(f, 16);
    assert_int_equal(detect(f, sizeof(f) - 1, "x.bin"), DFU_FORMAT_BIN);
    assert_int_equal(detect(f + 44, 12, "x.bin"), DFU_FORMAT_BIN);
}

/* A .bin that merely ends in "UFD" + bLength is detected as dfu, and its (wrong) CRC is an error
 * that says how to read it raw; read as bin, every byte is kept. Never silently truncated. */
static void test_bin_ending_in_suffix_lookalike(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    uint8_t f[56];
    suffixed(f, 16);
    dfu_image *img;
    assert_int_equal(dfu_image_parse(&img, ctx, f, sizeof(f), "app.bin", NULL), DFU_ERR_FORMAT);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "app.bin: offset 52: DFU suffix CRC"));
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "read it as format bin"));
    suffixed(f, 3);
    assert_int_equal(dfu_image_parse(&img, ctx, f, sizeof(f), "app.bin", NULL), DFU_ERR_FORMAT);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "bLength is 3"));
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "read it as format bin"));
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_BIN;
    assert_int_equal(dfu_image_parse(&img, ctx, f, sizeof(f), "app.bin", &o), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, 0), sizeof(f));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

/* Through dfu_image_load: the head and tail it reads from disk give the same answer. */
static void test_load_detects_from_file(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("image_detect");
    char *path = tu_path(dir, "noext");
    uint8_t f[600];
    memset(f, 0x11, sizeof(f));
    tu_write_file(path, f, sizeof(f));
    dfu_image *img;
    assert_int_equal(dfu_image_load(&img, NULL, path, NULL), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_BIN);
    assert_int_equal(dfu_image_data_size(img, 0), sizeof(f));
    dfu_image_free(img);
    /* A DfuSe prefix without a suffix: read as DfuSe, which needs one. */
    memcpy(f, "DfuSe\x01", 6);
    tu_write_file(path, f, sizeof(f));
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_image_load(&img, ctx, path, NULL), DFU_ERR_FORMAT);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "offset 584: no DFU suffix"));
    dfu_ctx_free(ctx);
    free(path);
    free(dir);
}

static void test_format_names(void **state)
{
    (void)state;
    dfu_format f;
    assert_int_equal(dfu_format_from_name(&f, "DfuSe"), DFU_OK);
    assert_int_equal(f, DFU_FORMAT_DFUSE);
    assert_int_equal(dfu_format_from_name(&f, "mot"), DFU_OK);
    assert_int_equal(f, DFU_FORMAT_SREC);
    assert_int_equal(dfu_format_from_name(&f, "elf32"), DFU_ERR_ARG);
    assert_string_equal(dfu_format_name(DFU_FORMAT_DFU), "dfu");
    assert_string_equal(dfu_format_name((dfu_format)99), "unknown");
    assert_int_equal(dfu_format_from_path("a/b.c/fw.DFU"), DFU_FORMAT_DFUSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_wins_over_extension),
        cmocka_unit_test(test_text_formats_by_first_record),
        cmocka_unit_test(test_extension_when_content_says_nothing),
        cmocka_unit_test(test_suffix_signature_position),
        cmocka_unit_test(test_bin_ending_in_suffix_lookalike),
        cmocka_unit_test(test_load_detects_from_file),
        cmocka_unit_test(test_format_names),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
