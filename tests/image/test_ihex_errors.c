/*
 * Malformed Intel HEX: each class of damage is its own error (DFU_ERR_FORMAT), pointing at
 * file:line:column of the offending character, the same whether the file is parsed from memory or
 * streamed from disk; never a crash and never a silently wrong image.
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

/* The text must fail the same way from memory and from a file. */
static void expect_error_n(const char *s, size_t len, const char *where, const char *what)
{
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_IHEX;
    dfu_image *img = NULL;
    assert_int_equal(dfu_image_parse(&img, ctx, (const uint8_t *)s, len, "fw.hex", &o),
                     DFU_ERR_FORMAT);
    assert_null(img);
    check_message(dfu_ctx_error(ctx)->message, "fw.hex", where, what);

    char *path = tu_path(tmp, "fw.hex");
    tu_write_file(path, s, len);
    assert_int_equal(dfu_image_load(&img, ctx, path, &o), DFU_ERR_FORMAT);
    check_message(dfu_ctx_error(ctx)->message, path, where, what);
    free(path);
    dfu_ctx_free(ctx);
}

static void expect_error(const text *t, const char *where, const char *what)
{
    expect_error_n(t->s, t->n, where, what);
}

static void test_truncated_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    put(&t, ":100010");
    expect_error(&t, "2:8", "truncated record");
    /* The last line cut short, without its line end: the first missing digit is named. */
    t.n = 0;
    ihex(&t, 0, 0, DATA16);
    t.n += (size_t)snprintf(t.s + t.n, sizeof(t.s), ":1000100000112233");
    expect_error(&t, "2:18", "line too short for its byte count");
}

static void test_missing_characters(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    /* Byte count 0x10, but only 15 data bytes and the checksum. */
    put(&t, ":10001000000102030405060708090A0B0C0D0E0F");
    expect_error(&t, "2:42", "0x10 data bytes need 42 hex digits after ':', the line has 40");
}

static void test_non_hex_character(void **state)
{
    (void)state;
    text t = {.n = 0};
    put(&t, ":10000000000102030405060708090A0B0C0D0E0F78");
    put(&t, ":100010000011g233445566778899AABBCCDDEEFF78");
    expect_error(&t, "2:14", "'g' is not a hex digit");
    t.n = 0;
    put(&t, ":1X00000000");
    expect_error(&t, "1:3", "'X' is not a hex digit");
    t.n = 0;
    put(&t, ":10000000000102030405060708090A0B0C0D0E0F7G");
    expect_error(&t, "1:43", "'G' is not a hex digit");
    /* A control character is shown escaped. */
    expect_error_n(":10\x01"
                   "0000000\n",
                   12, "1:4", "\\x01 is not a hex digit");
}

static void test_bad_checksum(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x0000, DATA16);
    ihex(&t, 0, 0x0010, DATA16);
    char expected[8];
    snprintf(expected, sizeof(expected), "%.2s", t.s + t.n - 3);
    /* Damage the second record's checksum: the error gives both values. */
    char found = t.s[t.n - 2] == '0' ? '1' : '0';
    t.s[t.n - 2] = found;
    char what[64];
    snprintf(what, sizeof(what), "bad checksum: expected 0x%s, found 0x%c%c", expected,
             t.s[t.n - 3], found);
    expect_error(&t, "2:42", what);
}

static void test_byte_count_does_not_match_line(void **state)
{
    (void)state;
    text t = {.n = 0};
    /* Byte count 02 but three data bytes before the checksum. */
    put(&t, ":02000000AABBCCDD");
    expect_error(&t, "1:16", "line too long for its byte count");
    t.n = 0;
    put(&t, ":00000001FF;");
    expect_error(&t, "1:12", "unexpected ';' after the checksum");
}

static void test_unknown_record_type(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    ihex(&t, 6, 0, "");
    expect_error(&t, "2:8", "unknown record type 06");
}

static void test_data_after_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    ihex(&t, 1, 0, "");
    put(&t, "");
    ihex(&t, 0, 0x10, DATA16);
    expect_error(&t, "4:1", "data after the end-of-file record of line 2");
    /* A second end record is data after the end as well. */
    t.n = 0;
    ihex(&t, 1, 0, "");
    put(&t, "  :00000001FF");
    expect_error(&t, "2:3", "data after the end-of-file record");
    /* Padding after the end record is no licence for data after the padding. */
    t.n = 0;
    ihex(&t, 1, 0, "");
    put(&t, "\x1A\x1A\x1A");
    memcpy(t.s + t.n, "\0\0 \x1A:00000001FF\n", 16);
    t.n += 16;
    expect_error(&t, "3:5", "data after the end-of-file record of line 1");
    /* On the end record's line, only padding may follow its checksum. */
    t.n = 0;
    put(&t, ":00000001FF\x1A\x1AX");
    expect_error(&t, "1:12", "unexpected \\x1A after the checksum");
    /* And only the end record's line: elsewhere a Ctrl-Z is not padding. */
    t.n = 0;
    put(&t, ":0400000001020304F2\x1A");
    ihex(&t, 1, 0, "");
    expect_error(&t, "1:20", "unexpected \\x1A after the checksum");
    t.n = 0;
    put(&t, ":0400000001020304F2");
    put(&t, "\x1A");
    ihex(&t, 1, 0, "");
    expect_error(&t, "2:1", "expected ':' at the start of a record, found \\x1A");
}

static void test_missing_end_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    ihex(&t, 0, 0x10, DATA16);
    expect_error(&t, "2:44", "without an end-of-file record");
    expect_error_n("", 0, "1:1", "without an end-of-file record");
}

static void test_end_record_with_data(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 1, 0, "AA");
    expect_error(&t, "1:2", "end-of-file record (type 01) needs byte count 00, found 01");
}

static void test_data_past_4gib(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "FFFF");
    ihex(&t, 0, 0xFFF0, DATA16); /* ends exactly at 4 GiB: fine */
    ihex(&t, 0, 0xFFF8, DATA16); /* 8 bytes beyond */
    ihex(&t, 1, 0, "");
    expect_error(&t, "3:4", "runs past the 4 GiB address space");
}

static void test_malformed_extended_address_records(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "080000");
    expect_error(&t, "1:2",
                 "extended linear address record (type 04) needs byte count 02, found 03");
    t.n = 0;
    ihex(&t, 4, 0x0010, "0800");
    expect_error(&t, "1:4", "must have address field 0000, found 0010");
    t.n = 0;
    ihex(&t, 2, 0, "10");
    expect_error(&t, "1:2", "extended segment address record (type 02) needs byte count 02");
    t.n = 0;
    ihex(&t, 5, 0, "080001");
    expect_error(&t, "1:2", "start linear address record (type 05) needs byte count 04");
    t.n = 0;
    ihex(&t, 3, 0x0100, "30000000");
    expect_error(&t, "1:4", "start segment address record (type 03) must have address field");
}

static void test_conflict_names_both_lines(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 4, 0, "0800");
    ihex(&t, 0, 0x0000, DATA16);
    ihex(&t, 0, 0x0004, "0405");       /* overlaps and agrees */
    ihex(&t, 0, 0x0004, "0405FF0708"); /* 0x08000006: 0x06 before, 0xFF now */
    ihex(&t, 1, 0, "");
    expect_error(&t, "4:14", "data for 0x08000006 conflicts with line 2 (0x06 vs 0xFF)");
}

/* Records out of order: the lower address comes later in the file, and is the one named. */
static void test_conflict_out_of_order(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0x0108, "41424344");
    ihex(&t, 0, 0x0200, DATA16);
    ihex(&t, 0, 0x0100, "00000000000000004142434544"); /* 0x010B: 0x44 vs 0x45 */
    ihex(&t, 1, 0, "");
    expect_error(&t, "3:32", "data for 0x0000010B conflicts with line 1 (0x44 vs 0x45)");
}

static void test_conflicting_start_addresses(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 5, 0, "08000189");
    ihex(&t, 0, 0, DATA16);
    ihex(&t, 5, 0, "08000191");
    ihex(&t, 1, 0, "");
    expect_error(&t, "3:10", "start address 0x08000191 conflicts with 0x08000189 from line 1");
}

static void test_not_a_record(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    put(&t, "  S1130000");
    expect_error(&t, "2:3", "expected ':' at the start of a record, found 'S'");
}

static void test_overlong_line(void **state)
{
    (void)state;
    text t = {.n = 0};
    ihex(&t, 0, 0, DATA16);
    t.s[t.n++] = ':';
    memset(t.s + t.n, '0', 70000);
    t.n += 70000;
    t.s[t.n++] = '\n';
    expect_error(&t, "2:65537", "line is longer than 65536 characters");
    /* Longer than the stream reader's whole buffer, and without a line end. */
    char *big = malloc(400001);
    big[0] = ':';
    memset(big + 1, '0', 400000);
    expect_error_n(big, 400001, "1:65537", "line is longer than 65536 characters");
    free(big);
}

int main(void)
{
    tmp = tu_tmpdir("ihex_errors");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_missing_characters),
        cmocka_unit_test(test_non_hex_character),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_byte_count_does_not_match_line),
        cmocka_unit_test(test_unknown_record_type),
        cmocka_unit_test(test_data_after_end_record),
        cmocka_unit_test(test_missing_end_record),
        cmocka_unit_test(test_end_record_with_data),
        cmocka_unit_test(test_data_past_4gib),
        cmocka_unit_test(test_malformed_extended_address_records),
        cmocka_unit_test(test_conflict_names_both_lines),
        cmocka_unit_test(test_conflict_out_of_order),
        cmocka_unit_test(test_conflicting_start_addresses),
        cmocka_unit_test(test_not_a_record),
        cmocka_unit_test(test_overlong_line),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
