/*
 * The ranges read and erase take: a read running past the end of the memory is refused before
 * the first request (exit 9, naming the range), --size 0 is a usage error rather than "the whole
 * region", and erase reports the whole sectors it erased.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simutil.h"

static void test_read_past_the_end_of_flash_is_refused_before_reading(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_read_past_end");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    char *out = tu_path(dir, "out.bin");
    tu_result r;
    /* 16 bytes inside the 1 MiB flash, 16 past its end. */
    tu_dfuctl(&r, "read", "-d", spec, "-o", out, "--address", "0x080FFFF0", "--size", "32",
              "--json", NULL);
    tu_expect_exit(&r, 9,
                   "0x080ffff0-0x0810000f runs past the end of alt 0 \"Internal Flash\" at "
                   "0x08100000");
    /* Refused, not a device error after reading: no progress, no warning, the error last. */
    assert_null(strstr(r.out, "\"progress\""));
    assert_int_equal(tu_json_line_count(r.out), 1);
    tu_json *e = tu_json_parse_line(r.out, 0);
    assert_non_null(e);
    assert_string_equal(tu_json_get(e, "error")->string, "refused");
    assert_int_equal(tu_json_get(e, "dfu_status")->type, TU_JSON_NULL);
    tu_json_free(e);
    assert_int_not_equal(access(out, F_OK), 0);
    tu_result_free(&r);
    /* Twice the flash: refused as well, before the first megabyte is read. */
    tu_dfuctl(&r, "read", "-d", spec, "-o", out, "--size", "2M", NULL);
    tu_expect_exit(&r, 9, "0x08000000-0x081fffff runs past the end");
    assert_null(strstr(r.err, "50%"));
    tu_result_free(&r);
    /* The control: up to the last byte is fine. */
    tu_dfuctl(&r, "read", "-d", spec, "-o", out, "--address", "0x080FFFF0", "--size", "16", NULL);
    tu_expect_exit(&r, 0, "read 16 bytes from 0x080ffff0");
    tu_result_free(&r);
    free(out);
    free(dir);
}

static void test_read_size_zero_is_a_usage_error(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_read_size_zero");
    char *out = tu_path(dir, "out.bin");
    tu_result r;
    tu_dfuctl(&r, "read", "-d", "sim:stm32f405", "-o", out, "--size", "0", "--json", NULL);
    tu_expect_exit(&r, 2, "--size 0 reads nothing");
    assert_int_equal(tu_json_line_count(r.out), 1);
    assert_non_null(strstr(r.out, "\"error\":\"arg\""));
    assert_int_not_equal(access(out, F_OK), 0);
    tu_result_free(&r);
    free(out);
    free(dir);
}

static void test_erase_reports_the_whole_sectors_it_erased(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_erase_sectors");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    tu_result r;
    /* One byte in the second 16 KiB sector. */
    tu_dfuctl(&r, "erase", "-d", spec, "--address", "0x08004001", "--size", "1", NULL);
    tu_expect_exit(&r, 0, "erased 1 sector (16384 bytes) at 0x08004000-0x08007fff");
    tu_result_free(&r);
    /* The last 16 KiB sector and the 64 KiB one. */
    tu_dfuctl(&r, "erase", "-d", spec, "--address", "0x0800C000", "--size", "0x4001", "--json",
              NULL);
    tu_expect_exit(&r, 0, NULL);
    size_t n = tu_json_line_count(r.out);
    tu_json *res = tu_json_parse_line(r.out, n - 1);
    assert_non_null(res);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_int_equal(tu_json_get(res, "address")->integer, 0x0800C000);
    assert_int_equal(tu_json_get(res, "size")->integer, 0x4001);
    assert_int_equal(tu_json_get(res, "erased_address")->integer, 0x0800C000);
    assert_int_equal(tu_json_get(res, "erased_bytes")->integer, 16384 + 65536);
    assert_int_equal(tu_json_get(res, "sectors_erased")->integer, 2);
    tu_json_free(res);
    tu_result_free(&r);
    /* A mass erase is the device's to scope: null, not 0 bytes. */
    tu_dfuctl(&r, "erase", "-d", spec, "--mass", "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_non_null(res);
    assert_true(tu_json_get(res, "mass")->boolean);
    assert_int_equal(tu_json_get(res, "erased_bytes")->type, TU_JSON_NULL);
    assert_int_equal(tu_json_get(res, "sectors_erased")->type, TU_JSON_NULL);
    tu_json_free(res);
    tu_result_free(&r);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_past_the_end_of_flash_is_refused_before_reading),
        cmocka_unit_test(test_read_size_zero_is_a_usage_error),
        cmocka_unit_test(test_erase_reports_the_whole_sectors_it_erased),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
