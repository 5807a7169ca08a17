/*
 * The realistic fixtures in tests/data (made by objcopy and srec_cat from the .bin files beside
 * them, see tests/data/README.md) load as those bytes at the addresses the commands gave.
 */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

static dfu_image *load(const char *file, dfu_format want)
{
    char *path = tu_data_path(file);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    int rc = dfu_image_load(&img, ctx, path, NULL);
    if (rc) fail_msg("%s", dfu_ctx_error(ctx)->message);
    assert_int_equal(dfu_image_format(img), want);
    dfu_ctx_free(ctx);
    free(path);
    return img;
}

/* Segment i holds exactly the content of the given .bin file, at address. */
static void assert_segment_is(const dfu_image *img, size_t i, uint32_t address, const char *bin)
{
    char *path = tu_data_path(bin);
    size_t len;
    uint8_t *want = tu_read_file(path, &len);
    assert_non_null(want);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, i, &s), DFU_OK);
    assert_int_equal(s.address, address);
    assert_int_equal(s.size, len);
    assert_memory_equal(s.data, want, len);
    free(want);
    free(path);
}

static void assert_start(const dfu_image *img, uint32_t want)
{
    uint32_t start = 0;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, want);
}

static void test_arduino_mega_hex_with_segment_records(void **state)
{
    (void)state;
    dfu_image *img = load("avr-mega2560.hex", DFU_FORMAT_IHEX);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    assert_segment_is(img, 0, 0x00000, "avr-app.bin");
    assert_segment_is(img, 1, 0x3E000, "avr-boot.bin");
    assert_start(img, 0x3E000); /* CS:IP 3000:E000 */
    dfu_image_free(img);
}

static void test_stm32cube_hex_and_s37(void **state)
{
    (void)state;
    dfu_image *hex = load("stm32cube.hex", DFU_FORMAT_IHEX);
    dfu_image *s37 = load("stm32.s37", DFU_FORMAT_SREC);
    assert_int_equal(dfu_image_segment_count(hex, 0), 1);
    assert_segment_is(hex, 0, 0x08000000, "stm32-app.bin");
    assert_start(hex, 0x080001C5);
    assert_true(dfu_image_equal(hex, s37));
    assert_start(s37, 0x080001C5);
    dfu_image_free(hex);
    dfu_image_free(s37);
}

static void test_hcs12_s19(void **state)
{
    (void)state;
    dfu_image *img = load("hcs12.s19", DFU_FORMAT_SREC);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    assert_segment_is(img, 0, 0xC000, "hcs12.bin");
    assert_start(img, 0xC000);
    dfu_image_free(img);
}

static void test_sample_hex(void **state)
{
    (void)state;
    dfu_image *img = load("sample.hex", DFU_FORMAT_IHEX);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    assert_int_equal(dfu_image_data_size(img, 0), 12588);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x08000000);
    /* The vector table the README describes: initial SP, then the reset handler. */
    assert_memory_equal(s.data, "\x00\x00\x02\x20\x89\x01\x00\x08", 8);
    assert_start(img, 0x08000189);
    dfu_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arduino_mega_hex_with_segment_records),
        cmocka_unit_test(test_stm32cube_hex_and_s37),
        cmocka_unit_test(test_hcs12_s19),
        cmocka_unit_test(test_sample_hex),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
