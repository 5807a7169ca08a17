/* Motorola S-record files that real tools write, and what they must load as. */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"
#include "textrec.h"

static dfu_image *parse(const text *t)
{
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_image *img = NULL;
    /* Detected by content: no format forced, no extension. */
    int rc = dfu_image_parse(&img, ctx, (const uint8_t *)t->s, t->n, NULL, NULL);
    if (rc) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_SREC);
    return img;
}

static void assert_segment(const dfu_image *img, size_t i, uint32_t address, const void *bytes,
                           size_t len)
{
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, i, &s), DFU_OK);
    assert_int_equal(s.address, address);
    assert_int_equal(s.size, len);
    assert_memory_equal(s.data, bytes, len);
}

static const uint8_t bytes16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void assert_start(const dfu_image *img, uint32_t want)
{
    uint32_t start = 0;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, want);
}

static void test_s19_with_header_count_and_start(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "6669726D776172652E73313900"); /* "firmware.s19" */
    srec(&t, '1', 2, 0x1000, DATA16);
    srec(&t, '1', 2, 0x1010, DATA16);
    srec(&t, '5', 2, 2, "");
    srec(&t, '9', 2, 0x1004, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_target_count(img), 1);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    uint8_t both[32];
    memcpy(both, bytes16, 16);
    memcpy(both + 16, bytes16, 16);
    assert_segment(img, 0, 0x1000, both, 32);
    assert_start(img, 0x1004);
    dfu_image_free(img);
}

static void test_s28_and_s37(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '2', 3, 0xABCDEF, DATA16);
    srec(&t, '8', 3, 0xABCDEF, "");
    dfu_image *img = parse(&t);
    assert_segment(img, 0, 0xABCDEF, bytes16, 16);
    assert_start(img, 0xABCDEF);
    dfu_image_free(img);

    t.n = 0;
    srec(&t, '0', 2, 0, "");
    srec(&t, '3', 4, 0x08000000, DATA16);
    srec(&t, '3', 4, 0xFFFFFFF0, DATA16); /* the last 16 bytes of the address space */
    srec(&t, '5', 2, 2, "");
    srec(&t, '7', 4, 0x080001C5, "");
    img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    assert_segment(img, 0, 0x08000000, bytes16, 16);
    assert_segment(img, 1, 0xFFFFFFF0, bytes16, 16);
    assert_start(img, 0x080001C5);
    dfu_image_free(img);
}

static void test_without_s0_and_mixed_address_sizes(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x0010, DATA16);
    srec(&t, '3', 4, 0x00000000, DATA16);
    srec(&t, '2', 3, 0x020000, "AA");
    srec(&t, '9', 2, 0, ""); /* S9 with S3 data: tolerated */
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    uint8_t both[32];
    memcpy(both, bytes16, 16);
    memcpy(both + 16, bytes16, 16);
    assert_segment(img, 0, 0, both, 32);
    assert_segment(img, 1, 0x20000, "\xAA", 1);
    /* An end record with address 0 is what tools write without an entry point. */
    assert_false(dfu_image_start_address(img, NULL));
    dfu_image_free(img);
}

static void test_s6_count_and_count_so_far(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x00, DATA16);
    srec(&t, '5', 2, 1, "");
    srec(&t, '1', 2, 0x10, DATA16);
    srec(&t, '6', 3, 2, "");
    srec(&t, '9', 2, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_data_size(img, 0), 32);
    dfu_image_free(img);
}

/* srec_cat writes no S7/S8/S9 without a start address, but closes with a count record. */
static void test_closing_count_without_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "48445200");
    srec(&t, '1', 2, 0x0000, DATA16);
    srec(&t, '1', 2, 0x0010, DATA16);
    srec(&t, '5', 2, 2, "");
    put(&t, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_data_size(img, 0), 32);
    assert_false(dfu_image_start_address(img, NULL));
    dfu_image_free(img);
}

static void test_lower_case_crlf_and_whitespace(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "");
    srec(&t, '2', 3, 0xABCDEF, "DEADBEEF");
    srec(&t, '8', 3, 0xABCDEF, "");
    dfu_image *upper = parse(&t);
    text l = {.n = 0};
    for (size_t i = 0; i < t.n; i++) {
        char c = t.s[i];
        if (c == '\n') l.s[l.n++] = ' ', l.s[l.n++] = '\r';
        l.s[l.n++] = (c >= 'A' && c <= 'F') || c == 'S' ? (char)(c - 'A' + 'a') : c;
    }
    assert_non_null(strstr(l.s, "s2"));
    assert_non_null(strstr(l.s, "deadbeef"));
    dfu_image *lower = parse(&l);
    assert_true(dfu_image_equal(upper, lower));
    assert_segment(lower, 0, 0xABCDEF, "\xDE\xAD\xBE\xEF", 4);
    assert_start(lower, 0xABCDEF);
    dfu_image_free(upper);
    dfu_image_free(lower);
}

static void test_out_of_order_and_agreeing_overlaps(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x0108, "08090A0B0C0D0E0F");
    srec(&t, '1', 2, 0x0100, "0001020304050607");
    srec(&t, '1', 2, 0x0104, "0405060708"); /* overlaps both, agrees */
    srec(&t, '9', 2, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    assert_segment(img, 0, 0x100, bytes16, 16);
    dfu_image_free(img);
}

static const text_reader reader = {parse, "srec_read_padding", "fw.s19"};

/* XMODEM and DOS padding (Ctrl-Z or NUL to a 128-byte block) after the last record: after an
 * end record (on its line too, when the file had no last line end), and after the closing
 * count that srec_cat ends a file with when there is no start address. */
static void test_padding_after_last_record(void **state)
{
    (void)state;
    char pad[256];
    for (int kind = 0; kind < 2; kind++) {
        memset(pad, kind ? 0x00 : 0x1A, sizeof(pad));
        text t = {.n = 0};
        srec(&t, '1', 2, 0x0000, DATA16);
        srec(&t, '9', 2, 0, "");
        size_t n = 128 - t.n % 128;
        expect_padding_ignored(&reader, &t, pad, n, false);
        expect_padding_ignored(&reader, &t, pad, n + 1, true);
        t.n = 0;
        srec(&t, '1', 2, 0x0000, DATA16);
        srec(&t, '5', 2, 1, "");
        expect_padding_ignored(&reader, &t, pad, 128 - t.n % 128, false);
    }
    text t = {.n = 0};
    srec(&t, '3', 4, 0x08000000, DATA16);
    srec(&t, '7', 4, 0x08000000, "");
    expect_padding_ignored(&reader, &t, "\r\n \x1A\x1A\t\n\n\x00\x1A\x00\r\n\x1A", 14, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_padding_after_last_record),
        cmocka_unit_test(test_s19_with_header_count_and_start),
        cmocka_unit_test(test_s28_and_s37),
        cmocka_unit_test(test_without_s0_and_mixed_address_sizes),
        cmocka_unit_test(test_s6_count_and_count_so_far),
        cmocka_unit_test(test_closing_count_without_end_record),
        cmocka_unit_test(test_lower_case_crlf_and_whitespace),
        cmocka_unit_test(test_out_of_order_and_agreeing_overlaps),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
