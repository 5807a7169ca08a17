/* dfuctl convert options that cannot act on this input or output are warned about, not silently
 * dropped: --address with a file that has addresses, --vid/--pid/--bcd without a DFU suffix,
 * --name/--alt without targets. The conversion still happens (exit 0); -q silences the warning;
 * options that act draw no warning. */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

static const char hex[] = ":020000040800F2\n:0400000001020304F2\n:00000001FF\n";

static void run_ok(tu_result *r, const char *const *args)
{
    tu_dfuctl_argv(r, args);
    if (r->exit_code != 0) fail_msg("exit %d: %s", r->exit_code, r->err);
}

static void test_ignored_options_warned(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_ignored");
    char *in = tu_path(dir, "fw.hex"), *out = tu_path(dir, "out.hex");
    tu_write_file(in, hex, strlen(hex));
    tu_result r;
    run_ok(&r, (const char *const[]){"convert", in, "-o", out, "--address", "0x1000", "--vid",
                                     "0x1234", "--name", "Flash", "--alt", "1", NULL});
    assert_non_null(strstr(r.err, "--address is ignored"));
    assert_non_null(strstr(r.err, "--vid/--pid/--bcd are ignored: a hex file has no DFU suffix"));
    assert_non_null(strstr(r.err, "--name is ignored"));
    assert_non_null(strstr(r.err, "--alt is ignored"));
    tu_result_free(&r);
    /* The data stayed where the file put it. */
    dfu_image *img;
    assert_int_equal(dfu_image_load(&img, NULL, out, NULL), DFU_OK);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x08000000);
    dfu_image_free(img);
    run_ok(&r, (const char *const[]){"convert", in, "-o", out, "--force", "-q", "--address",
                                     "0x1000", NULL});
    assert_string_equal(r.err, "");
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

static void test_options_that_act_draw_no_warning(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_not_ignored");
    char *in = tu_path(dir, "fw.bin"), *out = tu_path(dir, "fw.dfu");
    tu_write_file(in, "\x01\x02\x03\x04", 4);
    tu_result r;
    run_ok(&r, (const char *const[]){"convert", in, "-o", out, "--address", "0x08000000", "--vid",
                                     "0x1234", "--name", "Flash", "--alt", "1", NULL});
    assert_null(strstr(r.err, "warning"));
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ignored_options_warned),
        cmocka_unit_test(test_options_that_act_draw_no_warning),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
