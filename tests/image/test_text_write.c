/*
 * What the Intel HEX and S-record writers emit, read line by line here (not with the library's
 * readers): record sizes, 64 KiB boundaries, when type 04 appears, which S-record types are
 * chosen, counts, end records, start addresses, and the refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

typedef struct line_info {
    char kind;      /* ':' or 'S' */
    unsigned type;  /* HEX type, or the digit after 'S' */
    unsigned count; /* data bytes (HEX) or the byte count field (S-record) */
    uint32_t address;
    uint32_t value; /* a HEX 04/05 record's value */
} line_info;

static unsigned digit(char c)
{
    if (c >= '0' && c <= '9') return (unsigned)(c - '0');
    if (c >= 'A' && c <= 'F') return (unsigned)(c - 'A' + 10);
    fail_msg("'%c' is not an upper-case hex digit", c);
    return 0;
}

/* (Not sscanf: it measures the whole remaining text on every call.) */
static unsigned byte_at(const char *s)
{
    return digit(s[0]) << 4 | digit(s[1]);
}

/* Splits text into records, checking each one's checksum and length on the way. */
static size_t split(const char *text, line_info *out, size_t max)
{
    size_t n = 0;
    for (const char *p = text; *p; n++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(n < max);
        size_t len = (size_t)(nl - p);
        line_info *li = &out[n];
        li->kind = p[0];
        unsigned sum = 0, nbytes = (unsigned)(len - (p[0] == 'S' ? 2 : 1)) / 2;
        const char *d = p + (p[0] == 'S' ? 2 : 1);
        for (unsigned i = 0; i < nbytes; i++) sum += byte_at(d + 2 * i);
        if (p[0] == ':') {
            assert_int_equal(sum & 0xFF, 0);
            li->count = byte_at(d);
            assert_int_equal(len, 11 + 2 * li->count);
            li->address = byte_at(d + 2) << 8 | byte_at(d + 4);
            li->type = byte_at(d + 6);
            li->value = 0;
            for (unsigned i = 0; i < li->count && i < 4; i++)
                li->value = li->value << 8 | byte_at(d + 8 + 2 * i);
        } else {
            assert_int_equal(p[0], 'S');
            assert_int_equal(sum & 0xFF, 0xFF); /* ones' complement checksum */
            li->type = (unsigned)(p[1] - '0');
            li->count = byte_at(d);
            assert_int_equal(len, 4 + 2 * li->count);
            static const unsigned alen[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
            li->address = 0;
            for (unsigned i = 0; i < alen[li->type]; i++)
                li->address = li->address << 8 | byte_at(d + 2 + 2 * i);
        }
        p = nl + 1;
    }
    return n;
}

static dfu_image *image_with(const uint32_t *addresses, const uint32_t *sizes, size_t n)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, -1, NULL, NULL), DFU_OK);
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = malloc(sizes[i]);
        for (uint32_t k = 0; k < sizes[i]; k++) d[k] = (uint8_t)(k * 7 + i);
        assert_int_equal(dfu_image_add_data(NULL, img, 0, addresses[i], d, sizes[i]), DFU_OK);
        free(d);
    }
    return img;
}

static char *write_text(const dfu_image *img, dfu_format f, unsigned record_bytes)
{
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = f;
    so.record_bytes = record_bytes;
    uint8_t *out;
    size_t len;
    assert_int_equal(dfu_image_serialize(&out, &len, NULL, img, &so), DFU_OK);
    assert_int_equal(strlen((char *)out), len);
    return (char *)out;
}

static line_info lines[200000];

static void test_hex_extended_records_only_when_the_upper_bits_change(void **state)
{
    (void)state;
    const uint32_t at[] = {0x08000000, 0x08000100, 0x0801FFF0};
    const uint32_t size[] = {100, 40, 0x20}; /* the last one crosses into 0x0802xxxx */
    dfu_image *img = image_with(at, size, 3);
    char *text = write_text(img, DFU_FORMAT_IHEX, 0);
    size_t n = split(text, lines, 1000);
    uint32_t ext[8], next = 0, data = 0;
    for (size_t i = 0; i < n; i++) {
        if (lines[i].type == 4) ext[next++] = lines[i].value;
        if (lines[i].type == 0) {
            assert_true(lines[i].count <= 16); /* the default */
            assert_true(lines[i].address + lines[i].count <= 0x10000);
            data += lines[i].count;
        }
        assert_true(lines[i].type <= 1 || lines[i].type == 4);
    }
    assert_int_equal(next, 3);
    assert_int_equal(ext[0], 0x0800);
    assert_int_equal(ext[1], 0x0801);
    assert_int_equal(ext[2], 0x0802);
    assert_int_equal(data, 100 + 40 + 0x20);
    assert_string_equal(text + strlen(text) - 12, ":00000001FF\n");
    dfu_free(text);
    dfu_image_free(img);
}

static void test_hex_below_64k_has_no_extended_records_and_start_is_type_05(void **state)
{
    (void)state;
    const uint32_t at[] = {0x0000, 0x8000};
    const uint32_t size[] = {1000, 0x8000}; /* up to the very end of the first 64 KiB */
    dfu_image *img = image_with(at, size, 2);
    uint32_t start = 0x1234ABCD;
    dfu_image_set_start_address(img, &start);
    char *text = write_text(img, DFU_FORMAT_IHEX, 255);
    size_t n = split(text, lines, 2000);
    size_t starts = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(lines[i].type != 2 && lines[i].type != 4);
        if (lines[i].type == 0 && lines[i].count > max) max = lines[i].count;
        if (lines[i].type == 5) {
            starts++;
            assert_int_equal(lines[i].value, start);
            assert_int_equal(lines[i + 1].type, 1); /* right before the end */
        }
    }
    assert_int_equal(max, 255);
    assert_int_equal(starts, 1);
    assert_int_equal(lines[n - 1].type, 1);
    dfu_free(text);
    dfu_image_free(img);
}

static void test_srec_chooses_the_smallest_address_size(void **state)
{
    (void)state;
    struct {
        uint32_t address, size;
        bool has_start;
        uint32_t start;
        unsigned data_type, end_type;
    } cases[] = {
        {0x0000, 0x10000, false, 0, 1, 9},           /* ends at 0xFFFF: S1 */
        {0x0000, 0x10001, false, 0, 2, 8},           /* one byte more: S2 */
        {0x1000, 16, true, 0x10000, 2, 8},           /* the start address needs 24 bits */
        {0xFFFF00, 0x100, true, 0xFFFF00, 2, 8},     /* ends at 0xFFFFFF: S2 */
        {0xFFFF00, 0x101, false, 0, 3, 7},           /* S3 */
        {0x1000, 16, true, 0x08000000, 3, 7},        /* S3 for the start address */
        {0xFFFFFF00, 0x100, true, 0xFFFFFF01, 3, 7}, /* the top of the address space */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        dfu_image *img = image_with(&cases[c].address, &cases[c].size, 1);
        if (cases[c].has_start) dfu_image_set_start_address(img, &cases[c].start);
        char *text = write_text(img, DFU_FORMAT_SREC, 0);
        size_t n = split(text, lines, 10000), records = 0;
        assert_int_equal(lines[0].type, 0);
        for (size_t i = 1; i + 2 < n; i++) {
            assert_int_equal(lines[i].type, cases[c].data_type);
            assert_true(lines[i].count - cases[c].data_type - 2 <= 32); /* the default size */
            records++;
        }
        assert_int_equal(lines[n - 2].type, 5);
        assert_int_equal(lines[n - 2].address, records);
        assert_int_equal(lines[n - 1].type, cases[c].end_type);
        assert_int_equal(lines[n - 1].address, cases[c].has_start ? cases[c].start : 0);
        dfu_free(text);
        dfu_image_free(img);
    }
}

static void test_srec_counts_above_65535_records_in_s6(void **state)
{
    (void)state;
    const uint32_t at = 0x20000000, size = 70000;
    dfu_image *img = image_with(&at, &size, 1);
    char *text = write_text(img, DFU_FORMAT_SREC, 1);
    size_t n = split(text, lines, sizeof(lines) / sizeof(lines[0]));
    assert_int_equal(n, 1 + 70000 + 2);
    assert_int_equal(lines[n - 2].type, 6);
    assert_int_equal(lines[n - 2].address, 70000);
    assert_int_equal(lines[n - 1].type, 7);
    dfu_free(text);
    dfu_image_free(img);
}

static void test_record_size_limits(void **state)
{
    (void)state;
    const uint32_t at = 0x100, size = 600;
    dfu_image *img = image_with(&at, &size, 1);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    uint8_t *out;
    size_t len;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    so.format = DFU_FORMAT_IHEX;
    so.record_bytes = 256;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "256"));
    so.format = DFU_FORMAT_SREC;
    so.record_bytes = 253; /* S1: 255 - 2 address bytes - checksum = 252 */
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_ERR_ARG);
    so.record_bytes = 252;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_OK);
    size_t n = split((char *)out, lines, 100);
    assert_int_equal(n, 1 + 3 + 2);
    assert_int_equal(lines[1].count, 255);
    dfu_free(out);
    dfu_ctx_free(ctx);
    dfu_image_free(img);
}

static void test_several_targets_are_refused_and_empty_images_are_valid(void **state)
{
    (void)state;
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, 0, "Internal Flash", NULL);
    dfu_image_add_target(img, 1, "Option Bytes", NULL);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    uint8_t *out;
    size_t len;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    /* No data at all: an end record alone (HEX), or header, count 0 and end (S-record). */
    so.format = DFU_FORMAT_IHEX;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_OK);
    assert_string_equal((char *)out, ":00000001FF\n");
    dfu_free(out);
    so.format = DFU_FORMAT_SREC;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_OK);
    size_t n = split((char *)out, lines, 10);
    assert_int_equal(n, 3);
    assert_int_equal(lines[1].type, 5);
    assert_int_equal(lines[1].address, 0);
    assert_int_equal(lines[2].type, 9);
    dfu_free(out);
    /* Data in one target is fine; in two, the caller must choose. */
    assert_int_equal(dfu_image_add_data(ctx, img, 1, 0x1FFFC000, (const uint8_t *)"ob", 2), 0);
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_OK);
    dfu_free(out);
    assert_int_equal(dfu_image_add_data(ctx, img, 0, 0x08000000, (const uint8_t *)"fw", 2), 0);
    for (int f = 0; f < 2; f++) {
        so.format = f ? DFU_FORMAT_SREC : DFU_FORMAT_IHEX;
        assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &so), DFU_ERR_UNSUPPORTED);
        assert_non_null(strstr(dfu_ctx_error(ctx)->message, "2 targets with data"));
    }
    dfu_ctx_free(ctx);
    dfu_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_extended_records_only_when_the_upper_bits_change),
        cmocka_unit_test(test_hex_below_64k_has_no_extended_records_and_start_is_type_05),
        cmocka_unit_test(test_srec_chooses_the_smallest_address_size),
        cmocka_unit_test(test_srec_counts_above_65535_records_in_s6),
        cmocka_unit_test(test_record_size_limits),
        cmocka_unit_test(test_several_targets_are_refused_and_empty_images_are_valid),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
