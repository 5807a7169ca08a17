/* dfuctl convert -o OUT where OUT cannot be a file: a directory, or a path under a directory that
 * does not exist. Refused up front as a bad command line (exit 2) that says why, before the
 * input is read, and never "exists: use --force" for something --force cannot replace. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void expect_refused(tu_result *r, const char *why)
{
    if (r->exit_code != 2) fail_msg("exit %d, expected 2: %s", r->exit_code, r->err);
    if (!strstr(r->err, why)) fail_msg("'%s' not in: %s", why, r->err);
    assert_null(strstr(r->err, "--force option overwrites"));
    assert_null(strstr(r->err, ".tmp"));
}

static void test_output_is_a_directory(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_dir");
    char *in = tu_path(dir, "fw.bin"), *sub = tu_path(dir, "out.hex");
    tu_write_file(in, "\x01\x02\x03\x04", 4);
    char *cmd[] = {"mkdir", sub, NULL};
    tu_result r;
    tu_run(&r, false, (const char *const *)cmd);
    assert_int_equal(r.exit_code, 0);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", sub, "--address", "0x08000000", NULL);
    expect_refused(&r, "is a directory");
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", sub, "--address", "0x08000000", "--force", NULL);
    expect_refused(&r, "is a directory");
    tu_result_free(&r);
    free(in);
    free(sub);
    free(dir);
}

static void test_output_directory_missing(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_missing");
    char *in = tu_path(dir, "fw.hex"), *out = tu_path(dir, "no/such/fw.bin");
    tu_write_file(in, ":0400000001020304F2\n:00000001FF\n", 32);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    expect_refused(&r, "No such file or directory");
    tu_result_free(&r);
    /* Checked before the input is read: a bad input is not what the user hears about first. */
    tu_write_file(in, "not a hex file", 14);
    tu_dfuctl(&r, "convert", in, "-o", out, "--from", "hex", NULL);
    expect_refused(&r, "No such file or directory");
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

/* -o "" (an unset shell variable) names no file: not a failed rename after the work. */
static void test_output_empty(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_empty");
    char *in = tu_path(dir, "fw.hex");
    tu_write_file(in, ":0400000001020304F2\n:00000001FF\n", 32);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", "", "--to", "bin", NULL);
    expect_refused(&r, "needs -o OUT");
    tu_result_free(&r);
    free(in);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_a_directory),
        cmocka_unit_test(test_output_directory_missing),
        cmocka_unit_test(test_output_empty),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
