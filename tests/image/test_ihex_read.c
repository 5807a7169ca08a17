/* Intel HEX files that real tools write, and what they must load as. */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"
#include "textrec.h"

static dfu_image *parse_n(const char *s, size_t n)
{
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_IHEX;
    dfu_image *img = NULL;
    int rc = dfu_image_parse(&img, ctx, (const uint8_t *)s, n, "t.hex", &o);
    if (rc) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_IHEX);
    return img;
}

static dfu_image *parse(const text *t)
{
    return parse_n(t->s, t->n);
}

/* Asserts that segment i of the only target is [address, address + len) holding bytes. */
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

static void test_linear_addresses_and_start(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "0800");
    ihex(&t, 0, 0xFFF0, DATA16);
    ihex(&t, 4, 0, "0801");
    ihex(&t, 0, 0x0000, DATA16); /* continues across the 64 KiB boundary */
    ihex(&t, 0, 0xFFF8, DATA16); /* no new 04: runs linearly on into 0x08020000 */
    ihex(&t, 5, 0, "08000189");
    ihex(&t, 1, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_target_count(img), 1);
    assert_int_equal(dfu_image_target_alt(img, 0), -1);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    uint8_t both[32];
    memcpy(both, bytes16, 16);
    memcpy(both + 16, bytes16, 16);
    assert_segment(img, 0, 0x0800FFF0, both, 32);
    assert_segment(img, 1, 0x0801FFF8, bytes16, 16);
    uint32_t start = 0;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, 0x08000189);
    dfu_image_free(img);
}

static void test_no_start_record_means_no_start_address(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x0100, DATA16);
    ihex(&t, 1, 0, "");
    dfu_image *img = parse(&t);
    assert_false(dfu_image_start_address(img, NULL));
    assert_segment(img, 0, 0x100, bytes16, 16);
    dfu_image_free(img);
}

static void test_lower_case_equals_upper_case(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "ABCD");
    ihex(&t, 0, 0xEF00, "DEADBEEFCAFEBABE");
    ihex(&t, 5, 0, "ABCDEF01");
    ihex(&t, 1, 0, "");
    dfu_image *upper = parse(&t);
    for (size_t i = 0; i < t.n; i++)
        if (t.s[i] >= 'A' && t.s[i] <= 'F') t.s[i] = (char)(t.s[i] - 'A' + 'a');
    assert_non_null(strstr(t.s, "deadbeef"));
    dfu_image *lower = parse(&t);
    assert_true(dfu_image_equal(upper, lower));
    assert_segment(lower, 0, 0xABCDEF00, "\xDE\xAD\xBE\xEF\xCA\xFE\xBA\xBE", 8);
    uint32_t start;
    assert_true(dfu_image_start_address(lower, &start));
    assert_int_equal(start, 0xABCDEF01);
    dfu_image_free(upper);
    dfu_image_free(lower);
}

static void test_crlf_blank_lines_whitespace_bom_and_ctrl_z(void **state)
{
    (void)state;
    text lf = {.n = 0};
    ihex(&lf, 0, 0x0000, DATA16);
    ihex(&lf, 0, 0x0010, DATA16);
    ihex(&lf, 1, 0, "");
    dfu_image *plain = parse(&lf);

    /* The same records with CRLF, a BOM, blank lines, spaces and tabs, and a DOS EOF mark. */
    text t = {.n = 0};
    t.n = (size_t)sprintf(t.s, "\xEF\xBB\xBF\r\n");
    const char *p = lf.s;
    for (int line = 0; *p; line++) {
        const char *nl = strchr(p, '\n');
        t.n += (size_t)sprintf(t.s + t.n, "%s%.*s%s\r\n\r\n", line == 1 ? " \t" : "", (int)(nl - p),
                               p, line == 0 ? "  \t\r" : "");
        p = nl + 1;
    }
    t.n += (size_t)sprintf(t.s + t.n, "\x1A");
    dfu_image *messy = parse(&t);
    assert_true(dfu_image_equal(plain, messy));
    assert_int_equal(dfu_image_data_size(messy, 0), 32);
    dfu_image_free(plain);
    dfu_image_free(messy);
}

static void test_segment_addresses_and_start_segment(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 2, 0, "1000");      /* base 0x10000 */
    ihex(&t, 0, 0x0020, DATA16); /* 0x10020 */
    ihex(&t, 2, 0, "3000");      /* base 0x30000 */
    ihex(&t, 0, 0xFFF8, DATA16); /* wraps inside the segment: 0x3FFF8 and 0x30000 */
    ihex(&t, 3, 0, "12345678");  /* CS:IP = 0x1234:0x5678 */
    ihex(&t, 1, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 3);
    assert_segment(img, 0, 0x10020, bytes16, 16);
    assert_segment(img, 1, 0x30000, bytes16 + 8, 8);
    assert_segment(img, 2, 0x3FFF8, bytes16, 8);
    uint32_t start;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, 0x12340 + 0x5678);
    dfu_image_free(img);
}

static void test_out_of_order_records_merge(void **state)
{
    (void)state;
    text t = {.n = 0};
    for (int i = 15; i >= 0; i--) {
        char hex[3];
        snprintf(hex, sizeof(hex), "%02X", i);
        ihex(&t, 0, (unsigned)i, hex);
    }
    ihex(&t, 0, 0x1000, "AA");
    ihex(&t, 1, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    assert_segment(img, 0, 0, bytes16, 16);
    assert_segment(img, 1, 0x1000, "\xAA", 1);
    dfu_image_free(img);
}

static void test_agreeing_overlaps_are_accepted(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x0000, DATA16);
    ihex(&t, 0, 0x0004, "0405060708");   /* inside, same bytes */
    ihex(&t, 0, 0x000C, "0C0D0E0F1011"); /* overlaps the end, extends it */
    ihex(&t, 0, 0x0000, DATA16);         /* the same record twice */
    ihex(&t, 1, 0, "");
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    uint8_t want[18];
    for (int i = 0; i < 18; i++) want[i] = (uint8_t)i;
    assert_segment(img, 0, 0, want, 18);
    dfu_image_free(img);
}

static void test_edge_records(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x1234, ""); /* an empty data record */
    ihex(&t, 4, 0, "FFFF");
    ihex(&t, 0, 0xFFF0, DATA16); /* the last 16 bytes of the 4 GiB space */
    ihex(&t, 5, 0, "00000100");
    ihex(&t, 1, 0xFFFF, ""); /* an end record's address does not override a start record */
    dfu_image *img = parse(&t);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    assert_segment(img, 0, 0xFFFFFFF0, bytes16, 16);
    uint32_t start;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, 0x100);
    dfu_image_free(img);
}

/* The original 8-bit format puts the start address in the end record (srec_cat does so). */
static void test_start_address_in_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x0100, DATA16);
    ihex(&t, 1, 0x0104, "");
    dfu_image *img = parse(&t);
    uint32_t start;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, 0x0104);
    dfu_image_free(img);
}

static void test_end_record_only_is_an_empty_image(void **state)
{
    (void)state;
    dfu_image *img = parse_n(":00000001FF", 11);
    assert_int_equal(dfu_image_target_count(img), 1);
    assert_int_equal(dfu_image_segment_count(img, 0), 0);
    dfu_image_free(img);
}

/* A whole file streamed from disk in small pieces loads like the same bytes in memory, and is
 * detected as Intel HEX by content. */
static void test_file_and_memory_agree(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 7);
    text *t = calloc(1, sizeof(*t));
    ihex(t, 4, 0, "0800");
    for (unsigned a = 0; a < 0x1000; a += 16) {
        uint8_t b[16];
        char hex[33];
        tu_rng_fill(&rng, b, sizeof(b));
        for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02X", b[i]);
        ihex(t, 0, a, hex);
    }
    ihex(t, 1, 0, "");
    dfu_image *mem = parse(t);
    char *dir = tu_tmpdir("ihex_read_file");
    char *path = tu_path(dir, "fw.txt"); /* no telling extension */
    tu_write_file(path, t->s, t->n);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *file;
    assert_int_equal(dfu_image_load(&file, ctx, path, NULL), DFU_OK);
    assert_int_equal(dfu_image_format(file), DFU_FORMAT_IHEX);
    assert_true(dfu_image_equal(mem, file));
    assert_int_equal(dfu_image_data_size(file, 0), 0x1000);
    dfu_image_free(mem);
    dfu_image_free(file);
    dfu_ctx_free(ctx);
    free(path);
    free(dir);
    free(t);
}

static const text_reader reader = {parse, "ihex_read_padding", "fw.hex"};

/* A file sent by XMODEM, or kept by a DOS tool, ends in padding to a 128-byte block: Ctrl-Z
 * (0x1A) or NUL bytes, on the lines after the end record or on its own line when the file had
 * no last line end. objcopy and srec_cat accept them. */
static void test_padding_after_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "0800");
    ihex(&t, 0, 0x0000, DATA16);
    ihex(&t, 1, 0, "");
    char pad[256];
    size_t n = 128 - t.n % 128; /* up to 128: pad holds the n + 1 bytes used below */
    memset(pad, 0x1A, sizeof(pad));
    expect_padding_ignored(&reader, &t, pad, n, false);
    expect_padding_ignored(&reader, &t, pad, n + 1, true);
    memset(pad, 0x00, sizeof(pad));
    expect_padding_ignored(&reader, &t, pad, n, false);
    expect_padding_ignored(&reader, &t, pad, n + 1, true);
    expect_padding_ignored(&reader, &t, "\r\n \x1A\x1A\t\n\n\x00\x1A\x00\r\n\x1A", 14, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_padding_after_end_record),
        cmocka_unit_test(test_linear_addresses_and_start),
        cmocka_unit_test(test_no_start_record_means_no_start_address),
        cmocka_unit_test(test_lower_case_equals_upper_case),
        cmocka_unit_test(test_crlf_blank_lines_whitespace_bom_and_ctrl_z),
        cmocka_unit_test(test_segment_addresses_and_start_segment),
        cmocka_unit_test(test_out_of_order_records_merge),
        cmocka_unit_test(test_agreeing_overlaps_are_accepted),
        cmocka_unit_test(test_edge_records),
        cmocka_unit_test(test_start_address_in_end_record),
        cmocka_unit_test(test_end_record_only_is_an_empty_image),
        cmocka_unit_test(test_file_and_memory_agree),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
