/*
 * Malformed Motorola S-records: each class of damage is its own error (DFU_ERR_FORMAT) naming
 * file:line:column, the same from memory and from a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"
#include "textrec.h"

static char *tmp;

static void check_message(const char *msg, const char *name, const char *where, const char *what)
{
    char prefix[4096];
    snprintf(prefix, sizeof(prefix), "%s:%s: ", name, where);
    if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, what))
        fail_msg("expected \"%s...%s...\", got \"%s\"", prefix, what, msg);
}

static void expect_error(const text *t, const char *where, const char *what)
{
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_SREC;
    dfu_image *img = NULL;
    assert_int_equal(dfu_image_parse(&img, ctx, (const uint8_t *)t->s, t->n, "fw.s19", &o),
                     DFU_ERR_FORMAT);
    assert_null(img);
    check_message(dfu_ctx_error(ctx)->message, "fw.s19", where, what);

    char *path = tu_path(tmp, "fw.s19");
    tu_write_file(path, t->s, t->n);
    assert_int_equal(dfu_image_load(&img, ctx, path, &o), DFU_ERR_FORMAT);
    check_message(dfu_ctx_error(ctx)->message, path, where, what);
    free(path);
    dfu_ctx_free(ctx);
}

static void test_truncated_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "");
    put(&t, "S");
    expect_error(&t, "2:2", "truncated record: nothing follows the 'S'");
    t.n = 0;
    put(&t, "S1");
    expect_error(&t, "1:3", "truncated record: no byte count after 'S1'");
    t.n = 0;
    put(&t, "S3090800");
    expect_error(&t, "1:9", "truncated record: an S3 record needs at least 12 hex digits");
}

static void test_missing_characters(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x0000, DATA16);
    /* Count 0x13 (address, 16 bytes, checksum), but one data byte is missing. */
    put(&t, "S1130010000102030405060708090A0B0C0D0E64");
    expect_error(&t, "2:41", "0x13 bytes need 40 hex digits after 'S1', the line has 38");
}

static void test_non_hex_character(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x0000, DATA16);
    put(&t, "S1130010000102030405060708090A0B0C0D0E0F.4");
    expect_error(&t, "2:41", "'.' is not a hex digit");
    t.n = 0;
    put(&t, "S2Z4");
    expect_error(&t, "1:3", "'Z' is not a hex digit");
}

static void test_bad_checksum(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '2', 3, 0x010000, DATA16);
    char expected[4];
    snprintf(expected, sizeof(expected), "%.2s", t.s + t.n - 3);
    char found = t.s[t.n - 2] == 'A' ? 'B' : 'A';
    t.s[t.n - 2] = found;
    char what[64];
    snprintf(what, sizeof(what), "bad checksum: expected 0x%s, found 0x%c%c", expected,
             t.s[t.n - 3], found);
    expect_error(&t, "1:43", what);
}

static void test_byte_count_does_not_match_line(void **state)
{
    (void)state;
    text t = {.n = 0};
    put(&t, "S1050000AABBCCDD"); /* count 5: address, 2 bytes, checksum; one byte extra */
    expect_error(&t, "1:15", "line too long for its byte count: 0x05 bytes");
    t.n = 0;
    put(&t, "S1020000FD");
    expect_error(&t, "1:3", "byte count 0x02 is too small for an S1 record");
    t.n = 0;
    put(&t, "S9030000FC x");
    expect_error(&t, "1:11", "unexpected ' ' after the checksum");
}

static void test_unknown_record_type(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '4', 2, 0, "");
    expect_error(&t, "2:2", "unknown record type '4' after 'S'");
    t.n = 0;
    put(&t, "SA030000FC");
    expect_error(&t, "1:2", "unknown record type 'A'");
}

static void test_data_after_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '9', 2, 0, "");
    srec(&t, '1', 2, 0x10, DATA16);
    expect_error(&t, "3:1", "data after the end record (S7/S8/S9) of line 2");
    /* Padding after the last record is no licence for data after the padding. */
    t.n = 0;
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '9', 2, 0, "");
    put(&t, "\x1A\x1A");
    put(&t, " S9030000FC");
    expect_error(&t, "4:2", "data after the end record (S7/S8/S9) of line 2");
    t.n = 0;
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '5', 2, 1, "");
    put(&t, "\x1A\x1A");
    srec(&t, '1', 2, 0x10, DATA16);
    expect_error(&t, "4:1",
                 "data after the padding that ends the file after the count record "
                 "(S5/S6) of line 2");
    /* On a record's own line only the end record may be followed by padding. */
    t.n = 0;
    put(&t, "S1130000000102030405060708090A0B0C0D0E0F74\x1A");
    srec(&t, '9', 2, 0, "");
    expect_error(&t, "1:43", "unexpected \\x1A after the checksum");
    /* Padding before the last record is not padding. */
    t.n = 0;
    srec(&t, '1', 2, 0, DATA16);
    put(&t, "\x1A");
    srec(&t, '9', 2, 0, "");
    expect_error(&t, "2:1", "expected 'S' at the start of a record, found \\x1A");
}

static void test_missing_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "");
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '1', 2, 0x10, DATA16);
    put(&t, "");
    expect_error(&t, "4:1", "without an end record (S7, S8 or S9) or a closing count");
    /* A count that is not the last record does not vouch for what follows it. */
    t.n = 0;
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '5', 2, 1, "");
    srec(&t, '1', 2, 0x10, DATA16);
    expect_error(&t, "3:43", "without an end record");
}

static void test_bad_record_count(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0x00, DATA16);
    srec(&t, '1', 2, 0x10, DATA16);
    srec(&t, '5', 2, 3, "");
    srec(&t, '9', 2, 0, "");
    expect_error(&t, "3:5", "record count mismatch: S5 says 3 data records, the file has 2");
    t.n = 0;
    srec(&t, '1', 2, 0x00, DATA16);
    srec(&t, '6', 3, 0, "");
    srec(&t, '9', 2, 0, "");
    expect_error(&t, "2:5", "S6 says 0 data records, the file has 1");
    t.n = 0;
    srec(&t, '5', 2, 0, "00");
    expect_error(&t, "1:3", "an S5 record needs byte count 03 (no data), found 04");
}

static void test_data_past_4gib(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '3', 4, 0xFFFFFFF0, DATA16); /* ends exactly at 4 GiB: fine */
    srec(&t, '3', 4, 0xFFFFFFF8, DATA16);
    srec(&t, '7', 4, 0, "");
    expect_error(&t, "2:5", "S3 record of 16 bytes at 0xFFFFFFF8 runs past the 4 GiB");
}

static void test_malformed_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0, DATA16);
    srec(&t, '9', 2, 0, "00");
    expect_error(&t, "2:3", "an S9 record needs byte count 03 (no data), found 04");
}

static void test_conflict_names_both_lines(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '0', 2, 0, "48445200");
    srec(&t, '3', 4, 0x08000000, DATA16);
    srec(&t, '3', 4, 0x08000008, "08090A0B");
    srec(&t, '3', 4, 0x0800000E, "0E0E");
    srec(&t, '7', 4, 0x08000000, "");
    expect_error(&t, "4:15", "data for 0x0800000F conflicts with line 2 (0x0F vs 0x0E)");
}

static void test_not_a_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    srec(&t, '1', 2, 0, DATA16);
    put(&t, ":10000000");
    expect_error(&t, "2:1", "expected 'S' at the start of a record, found ':'");
}

int main(void)
{
    tmp = tu_tmpdir("srec_errors");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_missing_characters),
        cmocka_unit_test(test_non_hex_character),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_byte_count_does_not_match_line),
        cmocka_unit_test(test_unknown_record_type),
        cmocka_unit_test(test_data_after_end_record),
        cmocka_unit_test(test_missing_end_record),
        cmocka_unit_test(test_bad_record_count),
        cmocka_unit_test(test_data_past_4gib),
        cmocka_unit_test(test_malformed_end_record),
        cmocka_unit_test(test_conflict_names_both_lines),
        cmocka_unit_test(test_not_a_record),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
