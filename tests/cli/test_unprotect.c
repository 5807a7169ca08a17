/*
 * dfuctl unprotect --confirm says what the device did. Every ST-style device answers Read
 * Unprotect's first status request with dfuDNBUSY; the ST ROM then erases everything and resets,
 * while a device without the command reports dfuERROR on the next one. unprotect used to take
 * dfuDNBUSY for the reset: it reported "read protection removed" on boards that had refused
 * (mboot, the GD32 clone), erased nothing and stayed in dfuERROR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

/* The GD32 clone's ROM does not know the command (errSTALLEDPKT): refused, exit 9, nothing
 * erased, and the board is left in dfuIDLE for the next command. */
static void test_a_device_without_the_command_is_refused(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_unprotect_gd32"), *hex = tu_data_path("sample.hex");
    char spec[600], replug[700];
    tu_sim_spec(spec, sizeof(spec), "gd32vf103", dir, NULL);
    snprintf(replug, sizeof(replug), "%s,replug", spec);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", spec, hex, "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "unprotect", "--confirm", "-d", replug, NULL);
    tu_expect_exit(&r, 9, "does not support Read Unprotect");
    assert_non_null(strstr(r.err, "errSTALLEDPKT"));
    assert_null(strstr(r.out, "read protection removed"));
    tu_result_free(&r);
    /* Where unprotect left it (no replug): clean, and still holding the image. */
    tu_dfuctl(&r, "verify", "-v", "-d", spec, hex, NULL);
    tu_expect_exit(&r, 0, "the device holds the image");
    assert_null(strstr(r.err, "dfuERROR"));
    tu_result_free(&r);
    free(hex);
    free(dir);
}

/* mboot answers dfuERROR with status OK: a device error naming both, nothing erased. */
static void test_a_refusal_without_a_reason_names_the_status(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_unprotect_mboot");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "mboot-f4", dir, NULL);
    tu_sim_fill_used(spec, 0x08008000, 3);
    size_t len;
    uint8_t *before = tu_sim_snapshot(spec, &len);
    tu_result r;
    tu_dfuctl(&r, "unprotect", "--confirm", "-d", spec, "--json", NULL);
    tu_expect_exit(&r, 6, "refused the command without a reason");
    tu_json *v = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_non_null(v);
    assert_string_equal(tu_json_get(v, "type")->string, "error");
    assert_int_equal(tu_json_get(v, "exit_code")->integer, 6);
    assert_string_equal(tu_json_get(v, "dfu_status")->string, "OK");
    assert_string_equal(tu_json_get(v, "dfu_state")->string, "dfuERROR");
    tu_json_free(v);
    tu_result_free(&r);
    tu_sim_expect_unchanged(spec, before, len);
    free(before);
    free(dir);
}

/* The ST ROMs erase and reset: success, and the board is no longer protected. */
static void test_st_roms_erase_and_reset(void **state)
{
    (void)state;
    static const char *const profiles[] = {"stm32f405", "stm32l476", "stm32h743"};
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        char name[64], spec[600];
        snprintf(name, sizeof(name), "cli_unprotect_%s", profiles[i]);
        char *dir = tu_tmpdir(name), *out = tu_path(dir, "head.bin");
        tu_sim_spec(spec, sizeof(spec), profiles[i], dir, "rdp=1");
        tu_result r;
        tu_dfuctl(&r, "read", "-d", spec, "--address", "0x08000000", "--size", "16", "-o", out,
                  NULL);
        tu_expect_exit(&r, 6, "errVENDOR");
        tu_result_free(&r);
        tu_dfuctl(&r, "unprotect", "--confirm", "-d", spec, NULL);
        tu_expect_exit(&r, 0, "read protection removed; the device erased its flash and reset");
        tu_result_free(&r);
        tu_dfuctl(&r, "read", "-d", spec, "--address", "0x08000000", "--size", "16", "-o", out,
                  "--wait", "5", NULL);
        tu_expect_exit(&r, 0, NULL);
        tu_result_free(&r);
        size_t len;
        uint8_t *head = tu_read_file(out, &len), blank[16];
        assert_non_null(head);
        memset(blank, 0xFF, sizeof(blank));
        assert_int_equal(len, 16);
        assert_memory_equal(head, blank, sizeof(blank));
        free(head);
        free(out);
        free(dir);
    }
}

/* A device that answers after dfuDNBUSY without an error has not reset: whether it removed its
 * protection is unknown, and success would be a guess. */
static void test_a_device_that_does_not_reset_is_an_error(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_unprotect_stays");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, "rdp=1,fault=lie@command:0:dfuDNLOAD-IDLE");
    tu_result r;
    tu_dfuctl(&r, "unprotect", "--confirm", "-d", spec, NULL);
    tu_expect_exit(&r, 6, "the device did not reset");
    assert_non_null(strstr(r.err, "unknown"));
    assert_null(strstr(r.out, "read protection removed"));
    tu_result_free(&r);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_device_without_the_command_is_refused),
        cmocka_unit_test(test_a_refusal_without_a_reason_names_the_status),
        cmocka_unit_test(test_st_roms_erase_and_reset),
        cmocka_unit_test(test_a_device_that_does_not_reset_is_an_error),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
