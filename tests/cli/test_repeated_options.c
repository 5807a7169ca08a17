/*
 * An option that takes a value, given twice, is a usage error: "-d A -d B" in a script must not
 * quietly flash B, nor "-o a -o b" write b. Flags (-v -v, --json twice) stay repeatable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

static void expect_usage(const tu_result *r, const char *needle)
{
    if (r->exit_code != 2) fail_msg("exit %d, expected 2\nstderr: %s", r->exit_code, r->err);
    if (!strstr(r->err, needle)) fail_msg("stderr lacks \"%s\": %s", needle, r->err);
}

static void test_two_devices_are_refused_before_either_is_opened(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_repeated_device");
    char a[600], b[600];
    tu_sim_spec(a, sizeof(a), "stm32f405", dir, NULL);
    tu_sim_spec(b, sizeof(b), "stm32h743", dir, NULL);
    /* Another profile's file would be refused on opening: b is its own board. */
    memcpy(strstr(b, "board.img"), "other.img", 9);
    char *fw = tu_data_path("sample.hex");
    size_t len;
    uint8_t *before = tu_sim_snapshot(b, &len);
    tu_result r;
    tu_dfuctl(&r, "flash", fw, "-d", a, "-d", b, "--json", NULL);
    expect_usage(&r, "--device given twice");
    assert_non_null(strstr(r.err, "stm32f405"));
    assert_non_null(strstr(r.err, "stm32h743"));
    /* The error is the last (and only) JSON line. */
    assert_int_equal(tu_json_line_count(r.out), 1);
    tu_json *e = tu_json_parse_line(r.out, 0);
    assert_non_null(e);
    assert_string_equal(tu_json_get(e, "type")->string, "error");
    assert_string_equal(tu_json_get(e, "error")->string, "arg");
    assert_int_equal(tu_json_get(e, "exit_code")->integer, 2);
    tu_json_free(e);
    tu_result_free(&r);
    tu_sim_expect_unchanged(b, before, len);
    free(before);
    free(fw);
    free(dir);
}

static void test_other_value_options_given_twice_are_refused(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_repeated_output");
    char *a = tu_path(dir, "a.bin"), *b = tu_path(dir, "b.bin");
    char output_b[600], want[1400];
    snprintf(output_b, sizeof(output_b), "--output=%s", b);
    snprintf(want, sizeof(want), "--output given twice ('%s' and '%s')", a, b);
    tu_result r;
    tu_dfuctl(&r, "read", "-d", "sim:dfu11", "-o", a, output_b, NULL);
    expect_usage(&r, want);
    tu_result_free(&r);
    /* Neither was written. */
    assert_null(tu_read_file(a, NULL));
    assert_null(tu_read_file(b, NULL));
    free(b);
    free(a);
    free(dir);
    tu_dfuctl(&r, "erase", "-d", "sim:stm32f405", "--address", "0x08000000", "--address",
              "0x08004000", "--size", "1", NULL);
    expect_usage(&r, "--address given twice");
    tu_result_free(&r);
    /* Flags and counts may repeat. */
    tu_dfuctl(&r, "--json", "list", "-d", "sim:dfu11", "-v", "-v", "--json", NULL);
    assert_int_equal(r.exit_code, 0);
    tu_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_devices_are_refused_before_either_is_opened),
        cmocka_unit_test(test_other_value_options_given_twice_are_refused),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
