/* dfuctl convert to bin or dfu, which hold one contiguous run of bytes: gaps up to 1 MiB are
 * filled with 0xFF, a wider one (a HEX file spanning 256 MiB) is refused as a bad choice of
 * output format (exit 2) naming the formats that can hold it, and nothing is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Two bytes at 0x08000000 and two at 0x08000000 + gap + 2. */
static void write_two_runs(const char *path, uint32_t gap)
{
    uint32_t second = 0x08000000 + 2 + gap;
    unsigned hi = second >> 16, lo = second & 0xffff;
    unsigned s1 = (0x100 - ((2 + 4 + (hi >> 8) + (hi & 0xff)) & 0xff)) & 0xff;
    unsigned s2 = (0x100 - ((2 + (lo >> 8) + (lo & 0xff) + 0xcc + 0xdd) & 0xff)) & 0xff;
    char text[256];
    snprintf(text, sizeof(text),
             ":020000040800F2\n:02000000AABB99\n:02000004%04X%02X\n:02%04X00CCDD%02X\n"
             ":00000001FF\n",
             hi, s1, lo, s2);
    tu_write_file(path, text, strlen(text));
}

static void test_small_gap_filled(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_gap_small");
    char *in = tu_path(dir, "fw.hex"), *out = tu_path(dir, "fw.bin");
    write_two_runs(in, 0x10000);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_result_free(&r);
    size_t len;
    uint8_t *p = tu_read_file(out, &len);
    assert_non_null(p);
    assert_int_equal(len, 2 + 0x10000 + 2);
    assert_int_equal(p[0], 0xaa);
    assert_int_equal(p[2], 0xff);
    assert_int_equal(p[0x10001], 0xff);
    assert_int_equal(p[0x10002], 0xcc);
    free(p);
    free(in);
    free(out);
    free(dir);
}

static void test_wide_gap_refused(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_gap_wide");
    char *in = tu_path(dir, "fw.hex"), *bin = tu_path(dir, "fw.bin"), *dfu = tu_path(dir, "x");
    write_two_runs(in, 0x10000000);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", bin, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "write hex, srec or dfuse instead"));
    tu_result_free(&r);
    assert_int_equal(access(bin, F_OK), -1);
    tu_dfuctl(&r, "convert", in, "-o", dfu, "--to", "dfu", "--json", NULL);
    assert_int_equal(r.exit_code, 2);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_int_equal(tu_json_path(v, "exit_code")->integer, 2);
    tu_json_free(v);
    tu_result_free(&r);
    assert_int_equal(access(dfu, F_OK), -1);
    free(in);
    free(bin);
    free(dfu);
    free(dir);
}

/* convert --json: one object, as README's JSON table has it; size counts the data, not the 0xFF
 * that fills the gap in the file. */
static void test_json_object(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_gap_json");
    char *in = tu_path(dir, "fw.hex"), *out = tu_path(dir, "fw.bin");
    write_two_runs(in, 0x100);
    tu_result r;
    tu_dfuctl(&r, "convert", "--json", in, "-o", out, NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_int_equal(tu_json_line_count(r.out), 1);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_get(v, "type")->string, "convert");
    assert_string_equal(tu_json_get(v, "input")->string, in);
    assert_string_equal(tu_json_get(v, "input_format")->string, "hex");
    assert_string_equal(tu_json_get(v, "output")->string, out);
    assert_string_equal(tu_json_get(v, "output_format")->string, "bin");
    assert_int_equal(tu_json_get(v, "targets")->integer, 1);
    assert_int_equal(tu_json_get(v, "segments")->integer, 2);
    assert_int_equal(tu_json_get(v, "size")->integer, 4);
    tu_json_free(v);
    tu_result_free(&r);
    size_t len;
    uint8_t *bytes = tu_read_file(out, &len);
    assert_non_null(bytes);
    free(bytes);
    assert_int_equal(len, 2 + 0x100 + 2);
    free(in);
    free(out);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_gap_filled),
        cmocka_unit_test(test_wide_gap_refused),
        cmocka_unit_test(test_json_object),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
