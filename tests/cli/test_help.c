/* dfuctl's help: the command list, each command's own help (also as `dfuctl help COMMAND`, which
 * people type out of habit from git and friends) and the version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The command names of `dfuctl --help`: the indented lines after "commands:". */
static size_t command_names(const char *help, char names[][16], size_t cap)
{
    const char *p = strstr(help, "commands:\n");
    assert_non_null(p);
    p += strlen("commands:\n");
    size_t n = 0;
    while (n < cap && sscanf(p, "  %15s", names[n]) == 1 && p[0] == ' ') {
        n++;
        p = strchr(p, '\n');
        if (!p) break;
        p++;
    }
    return n;
}

static void test_help_lists_commands_and_each_has_its_own(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    char names[32][16];
    size_t n = command_names(r.out, names, 32);
    tu_result_free(&r);
    assert_true(n >= 12);
    for (size_t i = 0; i < n; i++) {
        tu_result own, via_help;
        tu_dfuctl(&own, names[i], "--help", NULL);
        if (own.exit_code != 0) fail_msg("%s --help: exit %d", names[i], own.exit_code);
        char head[600];
        snprintf(head, sizeof(head), "usage: dfuctl %s", names[i]);
        if (strncmp(own.out, head, strlen(head)) != 0)
            fail_msg("%s --help begins: %.60s", names[i], own.out);
        tu_dfuctl(&via_help, "help", names[i], NULL);
        assert_int_equal(via_help.exit_code, 0);
        assert_string_equal(via_help.out, own.out);
        tu_result_free(&own);
        tu_result_free(&via_help);
    }
}

static void test_help_for_an_unknown_command_is_a_usage_error(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "help", "frobnicate", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "help: unknown command 'frobnicate'"));
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    /* A word after the command is not dropped in silence. */
    tu_dfuctl(&r, "help", "flash", "junk", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "help: one command at a time ('junk' is one too many)"));
    assert_string_equal(r.out, "");
    tu_result_free(&r);
}

/* `help -h` is help about help: the general usage, as `help` alone. */
static void test_help_dash_h_is_the_general_usage(void **state)
{
    (void)state;
    tu_result plain, dash;
    tu_dfuctl(&plain, "help", NULL);
    tu_dfuctl(&dash, "help", "-h", NULL);
    assert_int_equal(dash.exit_code, 0);
    assert_string_equal(dash.out, plain.out);
    assert_non_null(strstr(dash.out, "usage: dfuctl COMMAND"));
    tu_result_free(&plain);
    tu_result_free(&dash);
}

static void test_version(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "--version", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(strncmp(r.out, "dfuctl ", 7), 0);
    assert_non_null(strstr(r.out, "(libdfu "));
    tu_result v;
    tu_dfuctl(&v, "version", NULL);
    assert_int_equal(v.exit_code, 0);
    assert_string_equal(v.out, r.out);
    tu_result_free(&v);
    tu_result_free(&r);
}

/* help and version are listed, apart from the commands (they take no options), so that the
 * shell completion, which reads its commands from this text, offers them too. */
static void test_help_lists_help_and_version(void **state)
{
    (void)state;
    tu_result r, h;
    tu_dfuctl(&r, "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    const char *other = strstr(r.out, "\nother commands:\n");
    assert_non_null(other);
    assert_non_null(strstr(other, "\n  help "));
    assert_non_null(strstr(other, "\n  version "));
    tu_dfuctl(&h, "help", NULL);
    assert_int_equal(h.exit_code, 0);
    assert_string_equal(h.out, r.out);
    tu_result_free(&h);
    tu_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_lists_commands_and_each_has_its_own),
        cmocka_unit_test(test_help_for_an_unknown_command_is_a_usage_error),
        cmocka_unit_test(test_help_dash_h_is_the_general_usage),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_help_lists_help_and_version),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
