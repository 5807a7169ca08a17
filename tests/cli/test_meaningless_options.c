/*
 * An option that cannot do what its user meant is refused, never silently dropped: --address or
 * --alt with a file that places its own data (flash, verify and recover alike), --transfer-size
 * 0, --diff with --mass-erase, leave --address on a DFU 1.1 device, erase --mass of one. The
 * board is untouched each time. And the messages around them point the right way: the --address
 * example for a raw binary is where the selected alternate setting's memory can be written, and
 * a one-byte mismatch says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

static void test_dfuse_options_refused_untouched(void **state)
{
    (void)state;
    char spec[600];
    char *dir = tu_tmpdir("cli_meaningless_dfuse");
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    tu_sim_fill_used(spec, 0x08000000, 3);
    size_t len;
    uint8_t *before = tu_sim_snapshot(spec, &len);
    char *hex = tu_data_path("sample.hex");
    tu_result r;

    tu_dfuctl(&r, "flash", "-d", spec, hex, "--address", "0x08004000", "--no-journal", NULL);
    tu_expect_exit(&r, 2, "--address places a raw binary, but");
    tu_expect_exit(&r, 2, "(hex) says where its data goes");
    tu_result_free(&r);
    tu_dfuctl(&r, "verify", "-d", spec, hex, "--address", "0x08004000", NULL);
    tu_expect_exit(&r, 2, "--address places a raw binary");
    tu_result_free(&r);
    /* recover FILE reads the file as flash does, and refuses the same options. */
    char *jdir = tu_path(dir, "journals");
    tu_dfuctl(&r, "recover", "-d", spec, hex, "--address", "0x08004000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 2, "--address places a raw binary");
    tu_result_free(&r);
    char *dfuse = tu_path(dir, "fw.dfu");
    tu_dfuctl(&r, "convert", hex, "-o", dfuse, "--to", "dfuse", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", spec, dfuse, "--alt", "1", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 2, "--alt cannot move them");
    tu_result_free(&r);
    free(dfuse);
    free(jdir);
    tu_dfuctl(&r, "flash", "-d", spec, hex, "--transfer-size", "0", "--no-journal", NULL);
    tu_expect_exit(&r, 2, "--transfer-size 0");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", spec, hex, "--diff", "--mass-erase", "--no-journal", NULL);
    tu_expect_exit(&r, 2, "choose one");
    tu_result_free(&r);
    tu_sim_expect_unchanged(spec, before, len);

    /* A raw binary for the option bytes (alt 1): the example address is theirs. */
    char *ob = tu_path(dir, "ob.bin");
    uint8_t zeros[16] = {0};
    tu_write_file(ob, zeros, sizeof(zeros));
    tu_dfuctl(&r, "flash", "-d", spec, ob, "--alt", "1", "--no-journal", NULL);
    tu_expect_exit(&r, 2, "for example --address 0x1fffc000");
    tu_result_free(&r);
    tu_sim_expect_unchanged(spec, before, len);
    free(ob);
    free(before);
    free(hex);
    free(dir);
}

static void test_example_address_skips_protected_sectors(void **state)
{
    (void)state;
    char spec[600];
    char *dir = tu_tmpdir("cli_meaningless_mboot");
    tu_sim_spec(spec, sizeof(spec), "mboot-f4", dir, NULL);
    char *fw = tu_path(dir, "fw.bin");
    tu_write_app(fw, 0x08008000, 4096, 0x20020000, 1);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", spec, fw, "--no-journal", NULL);
    tu_expect_exit(&r, 2, "for example --address 0x08008000");
    tu_result_free(&r);
    free(fw);
    free(dir);
}

static void test_dfu11_cannot_jump_or_mass_erase(void **state)
{
    (void)state;
    char spec[600];
    char *dir = tu_tmpdir("cli_meaningless_dfu11");
    tu_sim_spec(spec, sizeof(spec), "tinyusb", dir, NULL);
    size_t len;
    uint8_t *before = tu_sim_snapshot(spec, &len);
    tu_result r;
    tu_dfuctl(&r, "leave", "-d", spec, "--address", "0x08010000", NULL);
    tu_expect_exit(&r, 9, "cannot be told to jump to 0x08010000");
    tu_result_free(&r);
    tu_dfuctl(&r, "erase", "-d", spec, "--mass", NULL);
    tu_expect_exit(&r, 9, "mass erase is a DfuSe command");
    /* Refused: not announced as if it were starting. */
    if (strstr(r.out, "erases its whole flash") || strstr(r.err, "erases its whole flash"))
        fail_msg("a refused mass erase was announced:\n%s%s", r.out, r.err);
    tu_result_free(&r);
    tu_sim_expect_unchanged(spec, before, len);
    free(before);
    free(dir);
}

static void test_one_byte_mismatch_named(void **state)
{
    (void)state;
    char spec[600];
    char *dir = tu_tmpdir("cli_meaningless_onebyte");
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    char *hex = tu_data_path("sample.hex");
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", spec, hex, "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t b;
    tu_sim_peek(spec, 0x08000100, &b, 1);
    b ^= 0x01; /* flash can only clear bits, but the test pokes the memory directly */
    tu_sim_poke(spec, 0x08000100, &b, 1);
    tu_dfuctl(&r, "verify", "-d", spec, hex, NULL);
    tu_expect_exit(&r, 7, "0x08000100 holds");
    tu_expect_exit(&r, 7, "(the only byte that differs)");
    tu_result_free(&r);
    free(hex);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfuse_options_refused_untouched),
        cmocka_unit_test(test_example_address_skips_protected_sectors),
        cmocka_unit_test(test_dfu11_cannot_jump_or_mass_erase),
        cmocka_unit_test(test_one_byte_mismatch_named),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
