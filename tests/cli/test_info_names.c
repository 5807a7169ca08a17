/* Target names come from the file: dfuctl shows them with control characters escaped, so that a
 * crafted DfuSe file can neither add lines to info's output nor send escape sequences to the
 * terminal (info, and the --alt list convert prints). JSON escapes them as JSON does. */
#include <stdlib.h>
#include <string.h>

#include "dfusefile.h"
#include "testutil.h"

#define EVIL "Flash\x1b]0;pwned\x07\nsegments: none\r"

static char *write_evil(const char *dir)
{
    static const uint8_t data[16] = {1, 2, 3};
    char *path = tu_path(dir, "evil.dfu");
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 2);
    tu_dfuse_target(&f, 0, 1, EVIL, 8 + 16, 1);
    tu_dfuse_element(&f, 0x08000000, data, 16);
    tu_dfuse_target(&f, 1, 1, "Option \"Bytes\"", 8 + 16, 1);
    tu_dfuse_element(&f, 0x1fff0000, data, 16);
    tu_dfuse_finish(&f, 0, 0x0483, 0xdf11, 0x2200);
    tu_write_file(path, f.p, f.len);
    free(f.p);
    return path;
}

static void expect_escaped(const char *text)
{
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\x07'));
    assert_null(strchr(text, '\r'));
    assert_null(strstr(text, "\nsegments: none"));
    assert_non_null(strstr(text, "Flash\\x1b]0;pwned\\x07\\nsegments: none\\x0d"));
}

static void test_info_text_escapes_names(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_names");
    char *path = write_evil(dir);
    tu_result r;
    tu_dfuctl(&r, "info", path, NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    expect_escaped(r.out);
    assert_non_null(strstr(r.out, "\"Option \\\"Bytes\\\"\""));
    tu_result_free(&r);
    tu_dfuctl(&r, "info", "--json", path, NULL);
    assert_int_equal(r.exit_code, 0);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_path(v, "targets.0.name")->string, EVIL);
    tu_json_free(v);
    tu_result_free(&r);
    free(path);
    free(dir);
}

static void test_convert_alt_list_escapes_names(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_names");
    char *path = write_evil(dir), *out = tu_path(dir, "fw.hex");
    tu_result r;
    tu_dfuctl(&r, "convert", path, "-o", out, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--alt 0"));
    expect_escaped(r.err);
    tu_result_free(&r);
    free(path);
    free(out);
    free(dir);
}

/* A name that fills szTargetName's 255 bytes (no NUL: dfuse-pack writes such names) is read, so
 * it is written back too: convert must not refuse a valid file because of a name it just read. */
static void test_convert_keeps_a_255_byte_name(void **state)
{
    (void)state;
    static const uint8_t data[16] = {1, 2, 3};
    char name[256];
    memset(name, 'N', 255);
    name[255] = 0;
    char *dir = tu_tmpdir("cli_convert_long_name");
    char *in = tu_path(dir, "in.dfu"), *out = tu_path(dir, "out.dfu");
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 1, name, 8 + 16, 1);
    tu_dfuse_element(&f, 0x08000000, data, 16);
    tu_dfuse_finish(&f, 0, 0x0483, 0xdf11, 0x2200);
    tu_write_file(in, f.p, f.len);
    free(f.p);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, "--vid", "0x1234", NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_result_free(&r);
    tu_dfuctl(&r, "info", "--json", out, NULL);
    assert_int_equal(r.exit_code, 0);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_path(v, "targets.0.name")->string, name);
    tu_json_free(v);
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

/* C1 control characters (U+0080-U+009F) act as ESC sequences on many terminals (0x9B is CSI):
 * escaped whether UTF-8-encoded or a raw byte outside UTF-8; UTF-8 whose bytes merely include
 * 0x9B (U+201B is E2 80 9B) is text and kept. JSON escapes the former as \u009b and replaces a
 * byte that is not UTF-8 with U+FFFD. */
static void test_c1_controls_are_escaped(void **state)
{
    (void)state;
    static const uint8_t data[4] = {1, 2, 3, 4};
    const char *name = "A\xc2\x9b"
                       "31mRED\x9b"
                       "31m\xc2\x85|\xe2\x80\x9b|\xc3\xa9";
    char *dir = tu_tmpdir("cli_info_c1");
    char *path = tu_path(dir, "c1.dfu");
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 1, name, 8 + 4, 1);
    tu_dfuse_element(&f, 0x08000000, data, 4);
    tu_dfuse_finish(&f, 0, 0x0483, 0xdf11, 0x2200);
    tu_write_file(path, f.p, f.len);
    free(f.p);
    tu_result r;
    tu_dfuctl(&r, "info", path, NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "\"A\\xc2\\x9b31mRED\\x9b31m\\xc2\\x85|\xe2\x80\x9b|\xc3\xa9\""));
    tu_result_free(&r);
    tu_dfuctl(&r, "info", "--json", path, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "\"A\\u009b31mRED\\ufffd31m\\u0085|\xe2\x80\x9b|\xc3\xa9\""));
    tu_result_free(&r);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_text_escapes_names),
        cmocka_unit_test(test_convert_alt_list_escapes_names),
        cmocka_unit_test(test_convert_keeps_a_255_byte_name),
        cmocka_unit_test(test_c1_controls_are_escaped),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
