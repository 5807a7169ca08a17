/* dfuctl list on in-process simulated devices (no USB stack needed): JSON, text, and the exit
 * codes of a bad selector and of an unknown profile. */
#include <string.h>

#include "testutil.h"

static void test_sim_device_json(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "list", "-d", "sim:stm32f405", "--json", NULL);
    if (r.exit_code) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_json *root = tu_json_parse(r.out);
    assert_non_null(root);
    const tu_json *d = tu_json_path(root, "devices.0");
    assert_non_null(d);
    assert_string_equal(tu_json_get(d, "backend")->string, "sim");
    assert_string_equal(tu_json_get(d, "mode")->string, "dfu");
    assert_int_equal(tu_json_get(d, "vid")->integer, 0x0483);
    assert_int_equal(tu_json_get(d, "pid")->integer, 0xdf11);
    assert_int_equal(tu_json_path(d, "alts.0.layout.groups.2.size")->integer, 128 * 1024);
    assert_int_equal(tu_json_path(d, "dfu_descriptor.transfer_size")->integer, 2048);
    tu_json_free(root);
    tu_result_free(&r);
}

static void test_sim_device_text(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "list", "-d", "sim:dfu11", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "1209:0002  DFU mode  serial \"REF0001\""));
    assert_non_null(strstr(r.out, "alt 0 (interface 0): Application"));
    tu_result_free(&r);
}

static void test_errors(void **state)
{
    (void)state;
    tu_result r;
    tu_dfuctl(&r, "list", "-d", "0483:xyz", "--json", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "\"0483:xyz\""));
    assert_non_null(strstr(r.out, "\"type\":\"error\""));
    tu_result_free(&r);
    tu_dfuctl(&r, "list", "-d", "sim:no-such-board", NULL);
    assert_int_not_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "no-such-board"));
    tu_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_device_json),
        cmocka_unit_test(test_sim_device_text),
        cmocka_unit_test(test_errors),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
