/* A device's strings (serial, manufacturer, product, alternate setting names) and what a user
 * typed reach the terminal through `list` and through the library's error and log messages:
 * dfuctl escapes their control characters there, so that a hostile or broken device cannot send
 * the terminal escape sequences or add lines of its own. JSON carries them as they are, escaped
 * as JSON does. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define EVIL         "A\x1b]0;pwned\x07\nfake line\r"
#define EVIL_ESCAPED "A\\x1b]0;pwned\\x07\\nfake line\\x0d"

static void expect_escaped(const char *text)
{
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\x07'));
    assert_null(strchr(text, '\r'));
    assert_null(strstr(text, "\nfake line"));
    if (!strstr(text, EVIL_ESCAPED)) fail_msg("no escaped string in: %s", text);
}

static void test_list_escapes_the_devices_strings(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "list", "-d", "sim:stm32f405,serial=" EVIL, NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    expect_escaped(r.out);
    assert_non_null(strstr(r.out, "serial \"" EVIL_ESCAPED "\""));
    tu_result_free(&r);

    /* A product string shaped like the listing's own indented lines cannot add one. */
    tu_dfuctl(&r, "list", "-d", "sim:stm32f405,product=X\n  alt 9 (interface 0): @Fake /0x0/1*1Kg",
              NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_null(strstr(r.out, "\n  alt 9"));
    assert_non_null(strstr(r.out, "X\\n  alt 9 (interface 0)"));
    tu_result_free(&r);

    tu_dfuctl(&r, "list", "--json", "-d", "sim:stm32f405,serial=" EVIL, NULL);
    assert_int_equal(r.exit_code, 0);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_path(v, "devices.0.serial")->string, EVIL);
    tu_json_free(v);
    tu_result_free(&r);
}

static void test_library_errors_are_escaped_on_the_terminal(void **state)
{
    (void)state;
    char *hex = tu_data_path("sample.hex");
    tu_result r;
    /* The library's message quotes the name asked for, and keeps its quotes. */
    tu_dfuctl(&r, "flash", "-d", "sim:stm32f405", "--alt", EVIL, hex, NULL);
    assert_int_equal(r.exit_code, 2);
    expect_escaped(r.err);
    assert_non_null(strstr(r.err, "no alternate setting named \"" EVIL_ESCAPED "\""));
    tu_result_free(&r);

    tu_dfuctl(&r, "flash", "--json", "-d", "sim:stm32f405", "--alt", EVIL, hex, NULL);
    assert_int_equal(r.exit_code, 2);
    expect_escaped(r.err);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_path(v, "type")->string, "error");
    assert_non_null(strstr(tu_json_path(v, "message")->string, "named \"" EVIL "\""));
    tu_json_free(v);
    tu_result_free(&r);
    free(hex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_escapes_the_devices_strings),
        cmocka_unit_test(test_library_errors_are_escaped_on_the_terminal),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
