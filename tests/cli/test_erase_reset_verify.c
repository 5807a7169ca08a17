/*
 * dfuctl reset, erase --mass, flash --mass-erase, and verify/read of a device that cannot be read
 * back: what the board holds and how it shows on the bus afterwards, exit codes and messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

#define F405_FLASH      0x08000000u
#define F405_FLASH_SIZE (1024u * 1024u)

typedef struct board {
    char *dir;
    char spec[600];
    char *fw;
} board;

static void board_new(board *b, const char *name, const char *profile, const char *extra)
{
    b->dir = tu_tmpdir(name);
    tu_sim_spec(b->spec, sizeof(b->spec), profile, b->dir, extra);
    b->fw = tu_path(b->dir, "fw.bin");
}

static void board_free(board *b)
{
    free(b->dir);
    free(b->fw);
}

/* What `dfuctl list --json` shows of the board: its mode, VID and PID ("" when it is not on the
 * bus as a DFU device at all). */
static void expect_on_bus(const char *spec, const char *mode, unsigned vid, unsigned pid)
{
    tu_result r;
    tu_dfuctl(&r, "list", "-d", spec, "--json", NULL);
    tu_json *res = tu_json_parse_line(r.out, 0);
    if (!res) fail_msg("list --json: %s\nstderr: %s", r.out, r.err);
    const tu_json *devices = tu_json_get(res, "devices");
    if (!*mode) {
        tu_expect_exit(&r, 4, NULL);
        assert_int_equal(devices->count, 0);
    } else {
        tu_expect_exit(&r, 0, NULL);
        assert_int_equal(devices->count, 1);
        assert_string_equal(tu_json_path(res, "devices.0.mode")->string, mode);
        assert_int_equal(tu_json_path(res, "devices.0.vid")->integer, vid);
        assert_int_equal(tu_json_path(res, "devices.0.pid")->integer, pid);
    }
    tu_json_free(res);
    tu_result_free(&r);
}

/* Every byte of [address, address + len) is erased. */
static void expect_erased(const char *spec, uint32_t address, uint32_t len)
{
    uint8_t *got = malloc(len);
    tu_sim_peek(spec, address, got, len);
    for (uint32_t i = 0; i < len; i++)
        if (got[i] != 0xFF) fail_msg("0x%08x holds 0x%02x, not erased", address + i, got[i]);
    free(got);
}

/* Writes a recognisable pattern straight into the board, away from where images go. */
static void poke_pattern(const char *spec, uint32_t address, uint32_t len)
{
    uint8_t *d = malloc(len);
    for (uint32_t i = 0; i < len; i++) d[i] = (uint8_t)(i * 7 + 1);
    tu_sim_poke(spec, address, d, len);
    free(d);
}

/* A DFU 1.1 device restarts on a USB reset and runs the valid firmware it holds. */
static void test_reset_starts_the_firmware_of_a_dfu11_device(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_reset_dfu11", "dfu11", "runtime");
    uint8_t *app = tu_app_bytes(0x08008000, 4096, 0x20020000, 31);
    tu_sim_poke(b.spec, 0x08008000, app, 4096);
    expect_on_bus(b.spec, "dfu", 0x1209, 0x0002);
    tu_result r;
    tu_dfuctl(&r, "reset", "-d", b.spec, NULL);
    tu_expect_exit(&r, 0, "reset: USB reset sent");
    tu_result_free(&r);
    /* The application runs: only its run-time interface is on the bus. */
    expect_on_bus(b.spec, "runtime", 0x1209, 0x0001);
    uint8_t got[4096];
    tu_sim_peek(b.spec, 0x08008000, got, sizeof(got));
    assert_memory_equal(got, app, sizeof(got));
    free(app);
    board_free(&b);
}

/* The ST ROM keeps DFU mode across a USB reset: reset succeeds, and says so rather than claiming
 * the firmware starts; leave is what starts it. */
static void test_reset_of_a_dfuse_rom_leaves_it_in_dfu_mode_and_says_so(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_reset_dfuse", "stm32f405", "runtime");
    uint8_t *app = tu_app_bytes(F405_FLASH, 8192, 0x20020000, 32);
    tu_sim_poke(b.spec, F405_FLASH, app, 8192);
    free(app);
    tu_result r;
    tu_dfuctl(&r, "reset", "-d", b.spec, NULL);
    tu_expect_exit(&r, 0, "stay in DFU mode");
    tu_expect_exit(&r, 0, "dfuctl leave starts the firmware");
    if (strstr(r.out, "starting its firmware")) fail_msg("%s", r.out);
    tu_result_free(&r);
    tu_dfuctl(&r, "reset", "-d", b.spec, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *res = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(res, "command")->string, "reset");
    assert_true(tu_json_get(res, "ok")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    expect_on_bus(b.spec, "dfu", 0x0483, 0xDF11);
    /* Not for want of firmware: leave starts it. */
    tu_dfuctl(&r, "leave", "-d", b.spec, NULL);
    tu_expect_exit(&r, 0, "leave: the device was told to start its firmware");
    tu_result_free(&r);
    expect_on_bus(b.spec, "runtime", 0x1209, 0x0001);
    board_free(&b);
}

static void test_erase_mass_blanks_the_whole_flash(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_erase_mass", "stm32f405", NULL);
    uint8_t *app = tu_app_bytes(F405_FLASH, 8192, 0x20020000, 33);
    tu_sim_poke(b.spec, F405_FLASH, app, 8192);
    free(app);
    poke_pattern(b.spec, 0x08040000, 4096);                      /* sector 6 */
    poke_pattern(b.spec, F405_FLASH + F405_FLASH_SIZE - 16, 16); /* the last bytes of sector 11 */
    tu_result r;
    tu_dfuctl(&r, "erase", "-d", b.spec, "--mass", NULL);
    tu_expect_exit(&r, 0, "erased the whole flash");
    /* Said before the wait, which may be half a minute, where progress goes; the result is
     * what stdout carries. */
    assert_non_null(strstr(r.err, "dfuctl erase: mass erase: the device erases its whole flash"));
    assert_null(strstr(r.out, "mass erase:"));
    tu_result_free(&r);
    expect_erased(b.spec, F405_FLASH, F405_FLASH_SIZE);
    /* The same as a JSON result line. */
    tu_dfuctl(&r, "erase", "-d", b.spec, "--mass", "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_true(tu_json_get(res, "ok")->boolean);
    assert_true(tu_json_get(res, "mass")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

/* mboot has no chip erase: its mass erase takes every sector but its own, ten on an F4 with
 * 1 MiB, one after another. All of them are blank afterwards; its own are untouched. */
static void test_erase_mass_on_mboot_spares_only_the_bootloader(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_erase_mass_mboot", "mboot-f4", NULL);
    uint8_t boot[32];
    tu_sim_peek(b.spec, F405_FLASH, boot, sizeof(boot));
    poke_pattern(b.spec, 0x08008000, 4096);
    poke_pattern(b.spec, 0x080C0000, 4096);                      /* sector 10 */
    poke_pattern(b.spec, F405_FLASH + F405_FLASH_SIZE - 16, 16); /* the last bytes of sector 11 */
    tu_result r;
    tu_dfuctl(&r, "erase", "-d", b.spec, "--mass", NULL);
    tu_expect_exit(&r, 0, "erased the whole flash");
    tu_result_free(&r);
    expect_erased(b.spec, 0x08008000, F405_FLASH_SIZE - 0x8000);
    uint8_t after[32];
    tu_sim_peek(b.spec, F405_FLASH, after, sizeof(after));
    assert_memory_equal(after, boot, sizeof(boot));
    board_free(&b);
}

/* A DFU 1.1 device takes no erase command: refused (exit 9), saying why, nothing changed. */
static void test_erase_of_a_dfu11_device_is_refused(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_erase_dfu11", "dfu11", NULL);
    uint8_t *app = tu_app_bytes(0x08008000, 4096, 0x20020000, 34);
    tu_sim_poke(b.spec, 0x08008000, app, 4096);
    free(app);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    tu_result r;
    tu_dfuctl(&r, "erase", "-d", b.spec, "--mass", NULL);
    tu_expect_exit(&r, 9, "mass erase is a DfuSe command; DFU 1.1 devices erase by themselves");
    tu_result_free(&r);
    tu_dfuctl(&r, "erase", "-d", b.spec, "--mass", "--json", NULL);
    tu_expect_exit(&r, 9, NULL);
    tu_json *res = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(res, "type")->string, "error");
    assert_string_equal(tu_json_get(res, "error")->string, "unsupported");
    assert_int_equal(tu_json_get(res, "exit_code")->integer, 9);
    tu_json_free(res);
    tu_result_free(&r);
    tu_dfuctl(&r, "erase", "-d", b.spec, "--address", "0x08008000", "--size", "1", NULL);
    tu_expect_exit(&r, 9, "only DfuSe devices take erase commands");
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len);
    free(before);
    board_free(&b);
}

static size_t count_steps(const tu_json *plan, const char *kind)
{
    const tu_json *steps = tu_json_get(plan, "steps");
    size_t n = 0;
    for (size_t i = 0; i < steps->count; i++)
        if (!strcmp(tu_json_get(steps->items[i], "kind")->string, kind)) n++;
    return n;
}

/* --mass-erase: one mass erase first instead of sector erases; afterwards the image is there and
 * every other byte of the flash is erased. */
static void test_flash_mass_erase_plans_one_mass_erase_and_blanks_the_rest(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_flash_mass", "stm32f405", NULL);
    const uint32_t size = 40 * 1024;
    tu_write_app(b.fw, F405_FLASH, size, 0x20020000, 35);
    poke_pattern(b.spec, 0x0800C000, 4096); /* sector 3: beyond the image */
    poke_pattern(b.spec, 0x08040000, 4096);
    poke_pattern(b.spec, F405_FLASH + F405_FLASH_SIZE - 16, 16);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--mass-erase",
              "--dry-run", "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *plan = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(plan, "type")->string, "plan");
    assert_int_equal(count_steps(plan, "mass-erase"), 1);
    assert_int_equal(count_steps(plan, "erase"), 0);
    assert_string_equal(tu_json_path(plan, "steps.0.kind")->string, "mass-erase");
    assert_true(count_steps(plan, "write") >= 1);
    tu_json_free(plan);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--mass-erase",
              "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t *want = tu_app_bytes(F405_FLASH, size, 0x20020000, 35);
    uint8_t *got = malloc(size);
    tu_sim_peek(b.spec, F405_FLASH, got, size);
    assert_memory_equal(got, want, size);
    expect_erased(b.spec, F405_FLASH + size, F405_FLASH_SIZE - size);
    free(got);
    free(want);
    board_free(&b);
}

/* A quirks file that says the F405 ROM cannot upload (keeping its built-in entry). */
static char *no_upload_quirks(const board *b)
{
    char *path = tu_path(b->dir, "no-upload.quirks");
    const char line[] = "0483:df11 no-upload\n";
    tu_write_file(path, line, sizeof(line) - 1);
    return path;
}

/* verify of a device that cannot be read back: refused (exit 9, not "other failure"), saying
 * that verification is impossible; read likewise. flash still works, with a note. */
static void test_verify_of_a_device_that_cannot_upload_is_refused(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_verify_no_upload", "stm32f405", NULL);
    char *q = no_upload_quirks(&b), *out = tu_path(b.dir, "back.bin");
    tu_write_app(b.fw, F405_FLASH, 8192, 0x20020000, 36);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--quirks", q,
              "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, "the device cannot upload: verification is not possible");
    tu_result_free(&r);
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", "--quirks", q, NULL);
    tu_expect_exit(&r, 9, "the device cannot be read back");
    tu_expect_exit(&r, 9, "verification is impossible");
    tu_result_free(&r);
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", "--quirks", q, "--json",
              NULL);
    tu_expect_exit(&r, 9, NULL);
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_false(tu_json_get(res, "ok")->boolean);
    assert_int_equal(tu_json_get(res, "exit_code")->integer, 9);
    assert_string_equal(tu_json_get(res, "error")->string, "unsupported");
    assert_false(tu_json_get(res, "verified")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", out, "--size", "1K", "--quirks", q, NULL);
    tu_expect_exit(&r, 9, "cannot be read back");
    tu_result_free(&r);
    assert_null(tu_read_file(out, NULL));
    /* The control: the same board, read back as it can be, holds the image. */
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 0, "the device holds the image");
    tu_result_free(&r);
    free(out);
    free(q);
    board_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_starts_the_firmware_of_a_dfu11_device),
        cmocka_unit_test(test_reset_of_a_dfuse_rom_leaves_it_in_dfu_mode_and_says_so),
        cmocka_unit_test(test_erase_mass_blanks_the_whole_flash),
        cmocka_unit_test(test_erase_mass_on_mboot_spares_only_the_bootloader),
        cmocka_unit_test(test_erase_of_a_dfu11_device_is_refused),
        cmocka_unit_test(test_flash_mass_erase_plans_one_mass_erase_and_blanks_the_rest),
        cmocka_unit_test(test_verify_of_a_device_that_cannot_upload_is_refused),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
