/*
 * dfuctl on Intel HEX and S-record files: `info` (text and --json) describes the fixtures as the
 * binaries they were made from; `convert` goes hex <-> srec <-> bin without losing a byte, needs
 * --address for a raw binary, never replaces an existing file without --force, never overwrites
 * its input, and exits 3 for a bad file (naming file:line:column) and 2 for usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

static char *tmp;

static uint32_t crc_of_file(const char *data_file, size_t *len)
{
    char *path = tu_data_path(data_file);
    uint8_t *bytes = tu_read_file(path, len);
    assert_non_null(bytes);
    uint32_t crc = (uint32_t)crc32(0L, bytes, (uInt)*len);
    free(bytes);
    free(path);
    return crc;
}

static void assert_json_segment(const tu_json *v, const char *at, uint64_t address, const char *bin)
{
    char key[64];
    size_t len;
    uint32_t crc = crc_of_file(bin, &len);
    snprintf(key, sizeof(key), "%s.address", at);
    assert_int_equal(tu_json_path(v, key)->integer, address);
    snprintf(key, sizeof(key), "%s.size", at);
    assert_int_equal(tu_json_path(v, key)->integer, len);
    snprintf(key, sizeof(key), "%s.crc32", at);
    assert_int_equal(tu_json_path(v, key)->integer, crc);
}

static void test_info_json_on_hex_and_srec(void **state)
{
    (void)state;
    char *hex = tu_data_path("avr-mega2560.hex"), *s37 = tu_data_path("stm32.s37");
    tu_result r;
    tu_dfuctl(&r, "info", hex, "--json", NULL);
    assert_int_equal(r.exit_code, 0);
    tu_json *v = tu_json_parse(r.out);
    assert_non_null(v);
    assert_string_equal(tu_json_get(v, "type")->string, "info");
    assert_string_equal(tu_json_get(v, "format")->string, "hex");
    assert_int_equal(tu_json_get(v, "identity")->type, TU_JSON_NULL);
    assert_int_equal(tu_json_get(v, "start_address")->integer, 0x3E000);
    assert_int_equal(tu_json_get(v, "total_size")->integer, 6144 + 1024);
    assert_int_equal(tu_json_path(v, "targets")->count, 1);
    assert_int_equal(tu_json_path(v, "targets.0.alt")->type, TU_JSON_NULL);
    assert_int_equal(tu_json_path(v, "targets.0.name")->type, TU_JSON_NULL);
    assert_int_equal(tu_json_path(v, "targets.0.segments")->count, 2);
    assert_json_segment(v, "targets.0.segments.0", 0, "avr-app.bin");
    assert_json_segment(v, "targets.0.segments.1", 0x3E000, "avr-boot.bin");
    tu_json_free(v);
    tu_result_free(&r);

    tu_dfuctl(&r, "info", s37, "--json", NULL);
    assert_int_equal(r.exit_code, 0);
    v = tu_json_parse(r.out);
    assert_non_null(v);
    assert_string_equal(tu_json_get(v, "format")->string, "srec");
    assert_int_equal(tu_json_get(v, "start_address")->integer, 0x080001C5);
    assert_json_segment(v, "targets.0.segments.0", 0x08000000, "stm32-app.bin");
    tu_json_free(v);
    tu_result_free(&r);

    tu_dfuctl(&r, "info", s37, NULL); /* the human form names the same things */
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "srec"));
    assert_non_null(strstr(r.out, "0x080001c5"));
    assert_non_null(strstr(r.out, "9000 bytes"));
    tu_result_free(&r);
    free(hex);
    free(s37);
}

static void test_bad_file_exits_3_naming_line_and_column(void **state)
{
    (void)state;
    char *bad = tu_path(tmp, "bad.hex");
    const char text[] = ":020000040800F2\n:10000000000102030405060708090A0B0C0D0E0F00\n";
    tu_write_file(bad, text, sizeof(text) - 1);
    char want[4096];
    snprintf(want, sizeof(want), "%s:2:42: bad checksum", bad);
    tu_result r;
    tu_dfuctl(&r, "info", bad, NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, want));
    tu_result_free(&r);

    tu_dfuctl(&r, "info", bad, "--json", NULL);
    assert_int_equal(r.exit_code, 3);
    tu_json *v = tu_json_parse(r.out);
    assert_non_null(v);
    assert_string_equal(tu_json_get(v, "type")->string, "error");
    assert_int_equal(tu_json_get(v, "exit_code")->integer, 3);
    assert_non_null(strstr(tu_json_get(v, "message")->string, want));
    tu_json_free(v);
    tu_result_free(&r);

    char *out = tu_path(tmp, "never.srec");
    tu_dfuctl(&r, "convert", bad, "-o", out, NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, want));
    assert_false(access(out, F_OK) == 0); /* nothing written */
    tu_result_free(&r);
    free(out);
    free(bad);
}

static void convert_ok(const char *in, const char *out, const char *more, const char *value)
{
    tu_result r;
    if (more)
        tu_dfuctl(&r, "convert", in, "-o", out, more, value, NULL);
    else
        tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    if (r.exit_code != 0) fail_msg("convert %s -> %s: exit %d: %s", in, out, r.exit_code, r.err);
    tu_result_free(&r);
}

static bool same_file_content(const char *a, const char *b)
{
    size_t la, lb;
    uint8_t *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* hex -> srec -> bin gives the very binary the hex was made from; bin -> hex -> srec comes back
 * to the same bytes at the address given. */
static void test_convert_hex_srec_bin(void **state)
{
    (void)state;
    char *hex = tu_data_path("stm32cube.hex"), *app = tu_data_path("stm32-app.bin");
    char *s19 = tu_path(tmp, "app.s19"), *bin = tu_path(tmp, "app.bin");
    char *hex2 = tu_path(tmp, "app2.hex"), *mot = tu_path(tmp, "app2.mot");
    convert_ok(hex, s19, NULL, NULL);
    convert_ok(s19, bin, NULL, NULL);
    assert_true(same_file_content(bin, app));

    tu_result r;
    tu_dfuctl(&r, "convert", bin, "-o", hex2, NULL); /* a binary does not say where it goes */
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--address"));
    tu_result_free(&r);
    convert_ok(bin, hex2, "--address", "0x08000000");
    convert_ok(hex2, mot, "--to", "srec");

    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *want, *got;
    assert_int_equal(dfu_image_load(&want, ctx, hex, NULL), DFU_OK);
    assert_int_equal(dfu_image_load(&got, ctx, mot, NULL), DFU_OK);
    assert_int_equal(dfu_image_format(got), DFU_FORMAT_SREC);
    assert_true(dfu_image_equal(want, got));
    dfu_image_free(got);
    assert_int_equal(dfu_image_load(&got, ctx, s19, NULL), DFU_OK);
    assert_true(dfu_image_equal(want, got));
    uint32_t start;
    assert_true(dfu_image_start_address(got, &start)); /* kept through hex -> srec */
    assert_int_equal(start, 0x080001C5);
    dfu_image_free(got);
    dfu_image_free(want);
    dfu_ctx_free(ctx);
    char *paths[] = {hex, app, s19, bin, hex2, mot};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) free(paths[i]);
}

static void test_convert_refuses_to_overwrite(void **state)
{
    (void)state;
    char *hex = tu_data_path("avr-mega2560.hex");
    char *out = tu_path(tmp, "existing.srec"), *copy = tu_path(tmp, "input.hex");
    tu_write_file(out, "keep me\n", 8);
    tu_result r;
    tu_dfuctl(&r, "convert", hex, "-o", out, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--force"));
    uint8_t *kept = tu_read_file(out, NULL);
    assert_memory_equal(kept, "keep me\n", 8);
    free(kept);
    tu_result_free(&r);
    convert_ok(hex, out, "--force", NULL);
    dfu_image *a, *b;
    assert_int_equal(dfu_image_load(&a, NULL, hex, NULL), DFU_OK);
    assert_int_equal(dfu_image_load(&b, NULL, out, NULL), DFU_OK);
    assert_true(dfu_image_equal(a, b));
    dfu_image_free(a);
    dfu_image_free(b);

    /* The input is never the output, even with --force, and even by another name. */
    size_t len;
    uint8_t *orig = tu_read_file(hex, &len);
    tu_write_file(copy, orig, len);
    char *other_name = tu_path(tmp, "./input.hex");
    const char *targets[] = {copy, other_name};
    for (int i = 0; i < 2; i++) {
        tu_dfuctl(&r, "convert", copy, "-o", targets[i], "--to", "srec", "--force", NULL);
        assert_int_equal(r.exit_code, 2);
        assert_non_null(strstr(r.err, "input"));
        tu_result_free(&r);
        assert_true(same_file_content(copy, hex));
    }
    char *paths[] = {(char *)orig, other_name, hex, out, copy};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) free(paths[i]);
}

static void test_convert_usage_errors_exit_2(void **state)
{
    (void)state;
    char *hex = tu_data_path("sample.hex"), *out = tu_path(tmp, "x.out");
    tu_result r;
    tu_dfuctl(&r, "convert", hex, "-o", out, NULL); /* no format from ".out" for writing */
    assert_int_equal(r.exit_code, 2);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", hex, "-o", out, "--to", "nonsense", NULL);
    assert_int_equal(r.exit_code, 2);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", hex, NULL);
    assert_int_equal(r.exit_code, 2);
    tu_result_free(&r);
    free(hex);
    free(out);
}

int main(void)
{
    tmp = tu_tmpdir("cli_hex_srec");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_json_on_hex_and_srec),
        cmocka_unit_test(test_bad_file_exits_3_naming_line_and_column),
        cmocka_unit_test(test_convert_hex_srec_bin),
        cmocka_unit_test(test_convert_refuses_to_overwrite),
        cmocka_unit_test(test_convert_usage_errors_exit_2),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
