/*
 * dfuctl's device commands as a script sees them: refusals before anything is erased, JSON
 * lines, exit codes, quirks, and read/erase/detach/leave, on simulated boards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simutil.h"

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

static void test_refusals_happen_before_anything_is_erased(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_refusals", "mboot-f4", NULL);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    tu_result r;
    /* Into the bootloader's own sectors. */
    tu_write_app(b.fw, 0x08000000, 40 * 1024, 0x20020000, 1);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal", NULL);
    tu_expect_exit(&r, 9, "marks read-only");
    tu_result_free(&r);
    /* --force is about vector tables: it never unlocks the bootloader. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--force", NULL);
    tu_expect_exit(&r, 9, "read-only");
    tu_result_free(&r);
    /* The classic mistake: built for 0x08000000, written behind the bootloader. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08008000", "--no-journal", NULL);
    tu_expect_exit(&r, 9, "built to run without the bootloader");
    tu_expect_exit(&r, 9, "link it) for the application start, 0x08008000");
    /* The library names its option (`force`); dfuctl's users read the flag that sets it. */
    tu_expect_exit(&r, 9, "The --force option writes it anyway.");
    tu_result_free(&r);
    /* An application 2 bytes off: no Cortex-M can use its vector table there. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08008002", "--dry-run", NULL);
    tu_expect_exit(&r, 9, "0x08008002 is not");
    tu_result_free(&r);
    /* Beyond the end of flash. */
    tu_write_app(b.fw, 0x080FF000, 8192, 0x20020000, 1);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x080FF000", "--no-journal", NULL);
    tu_expect_exit(
        &r, 9, "0x08100000-0x08100fff, outside every memory region of alt 0 \"Internal Flash\"");
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len);
    /* And --force does write an image whose vector table does not fit. */
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 1);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08008000", "--force", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    free(before);
    board_free(&b);
}

static void test_dfu11_device_with_known_application_base(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_dapboot_base", "dapboot-f103", NULL);
    tu_result r;
    tu_write_app(b.fw, 0x08000000, 8192, 0x20005000, 2);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal", NULL);
    tu_expect_exit(&r, 9, "writes its application at 0x08002000");
    tu_result_free(&r);
    /* A raw binary without --address goes to the application base the quirk table knows. */
    tu_write_app(b.fw, 0x08002000, 8192, 0x20005000, 2);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t got[8];
    tu_sim_peek(b.spec, 0x08002000, got, sizeof(got));
    assert_int_equal(got[4], 0x89); /* reset vector 0x08002189 */
    /* The same bytes said to be for 0x08000000: the device reads back from its base, so verify
     * would compare them with the wrong memory (and here find them equal). Refused instead. */
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 9,
                   "holds its application at 0x08002000, but the image starts at 0x08000000");
    tu_result_free(&r);
    /* Blocks of another size than the device's 1024: refused, as a DFU 1.1 device may place them
     * by number; dapboot stores them one after the other, so --force writes and verifies. */
    tu_write_app(b.fw, 0x08002000, 6000, 0x20005000, 3);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--transfer-size", "256", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 9, "could land in the wrong places");
    tu_result_free(&r);
    tu_sim_peek(b.spec, 0x08002000, got, sizeof(got));
    assert_int_equal(got[4], 0x89); /* untouched */
    /* Longer blocks than the device's buffer would be stalled every time: a usage error. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--transfer-size", "2048", "--force", "--no-journal",
              NULL);
    tu_expect_exit(&r, 2,
                   "blocks of 2048 bytes are more than the device takes (its wTransferSize "
                   "is 1024)");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--transfer-size", "256", "--force", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, "the read-back uses its own size");
    tu_result_free(&r);
    uint8_t *forced = tu_app_bytes(0x08002000, 6000, 0x20005000, 3), back[6000];
    tu_sim_peek(b.spec, 0x08002000, back, sizeof(back));
    assert_memory_equal(back, forced, sizeof(back));
    free(forced);
    tu_write_app(b.fw, 0x08002000, 8192, 0x20005000, 2);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* Read back, the data sits where flash put it and verify reports it: at the base. */
    char *hex = tu_path(b.dir, "back.hex");
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, NULL);
    tu_expect_exit(&r, 0, "from 0x08002000");
    tu_result_free(&r);
    /* An empty name (an unset shell variable) is refused before the device is read. */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", "", NULL);
    tu_expect_exit(&r, 2, "-o '': the output file name is empty");
    tu_result_free(&r);
    dfu_image *img;
    assert_int_equal(dfu_image_load(&img, NULL, hex, NULL), DFU_OK);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x08002000);
    assert_int_equal(s.size, 120 * 1024); /* the whole application area: 128K less 8K */
    uint8_t *want = tu_app_bytes(0x08002000, 8192, 0x20005000, 2);
    assert_memory_equal(s.data, want, 8192);
    free(want);
    dfu_image_free(img);
    /* --address says where the file puts it, as before. */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, "--force", "--address", "0", "--size", "1K",
              NULL);
    tu_expect_exit(&r, 0, "read 1024 bytes from 0x00000000");
    tu_result_free(&r);
    /* Of unknown length, progress never claims a total it does not know: 0 until the device
     * ends the upload, then the whole. */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, "--force", "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    size_t n = tu_json_line_count(r.out), events = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        tu_json *ev = tu_json_parse_line(r.out, i);
        assert_string_equal(tu_json_get(ev, "type")->string, "progress");
        uint64_t done = tu_json_get(ev, "done")->integer, total = tu_json_get(ev, "total")->integer;
        if (i + 2 < n) assert_int_equal(total, 0);
        if (i + 2 == n) assert_int_equal(total, 120 * 1024);
        if (i + 2 == n) assert_int_equal(done, 120 * 1024);
        tu_json_free(ev);
        events++;
    }
    assert_true(events >= 3); /* first block, each 64 KiB, the end */
    tu_json *res = tu_json_parse_line(r.out, n - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_int_equal(tu_json_get(res, "address")->integer, 0x08002000);
    assert_int_equal(tu_json_get(res, "size")->integer, 120 * 1024);
    tu_json_free(res);
    tu_result_free(&r);
    free(hex);
    board_free(&b);
}

static void test_usage_and_file_errors(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_usage", "stm32f405", NULL);
    tu_result r;
    tu_write_app(b.fw, 0x08000000, 4096, 0x20020000, 3);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, NULL); /* a raw binary needs an address */
    tu_expect_exit(&r, 2, "--address");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, "/nonexistent/fw.hex", NULL);
    tu_expect_exit(&r, 3, "/nonexistent/fw.hex");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "--bogus", b.fw, NULL);
    tu_expect_exit(&r, 2, "unknown option");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", "sim:nosuchprofile", b.fw, NULL);
    tu_expect_exit(&r, 2, "nosuchprofile");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--order", "random",
              NULL);
    tu_expect_exit(&r, 2, "--order");
    tu_result_free(&r);
    /* A format read cannot write is refused before the device is read. */
    char *elf = tu_path(b.dir, "back.elf");
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", elf, NULL);
    tu_expect_exit(&r, 2, "cannot write ELF files");
    assert_null(strstr(r.err, "%"));
    tu_result_free(&r);
    free(elf);
    board_free(&b);
}

/* The one line a failing --json command prints: the README's error object, every field there
 * (dfu_status and dfu_state null when the device said nothing). */
static void expect_json_error(const tu_result *r, const char *command, const char *error, int code,
                              const char *needle)
{
    tu_expect_exit(r, code, needle);
    if (tu_json_line_count(r->out) != 1) fail_msg("stdout: \"%s\"\nstderr: %s", r->out, r->err);
    tu_json *e = tu_json_parse_line(r->out, 0);
    assert_non_null(e);
    assert_string_equal(tu_json_get(e, "type")->string, "error");
    assert_string_equal(tu_json_get(e, "command")->string, command);
    assert_string_equal(tu_json_get(e, "error")->string, error);
    assert_int_equal(tu_json_get(e, "exit_code")->integer, code);
    assert_non_null(strstr(tu_json_get(e, "message")->string, needle));
    assert_non_null(tu_json_get(e, "dfu_status"));
    assert_int_equal(tu_json_get(e, "dfu_status")->type, TU_JSON_NULL);
    assert_non_null(tu_json_get(e, "dfu_state"));
    assert_int_equal(tu_json_get(e, "dfu_state")->type, TU_JSON_NULL);
    tu_json_free(e);
}

/* A script that asked for --json gets the error object for command-line mistakes too, wherever
 * --json stands: it used to get an empty stdout for these. */
static void test_json_usage_errors_print_the_error_object(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_json_usage", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 4096, 0x20020000, 3);
    char *out = tu_path(b.dir, "out.hex");
    tu_result r;
    tu_dfuctl(&r, "flash", "--bogus", "--json", b.fw, NULL);
    expect_json_error(&r, "flash", "arg", 2, "unknown option '--bogus'");
    tu_result_free(&r);
    tu_dfuctl(&r, "read", "--json", NULL);
    expect_json_error(&r, "read", "arg", 2, "needs -o FILE");
    tu_result_free(&r);
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", out, "--size", "lots", "--json", NULL);
    expect_json_error(&r, "read", "arg", 2, "not a number");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--json", NULL); /* raw binary, no --address */
    expect_json_error(&r, "flash", "arg", 2, "--address");
    tu_result_free(&r);
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", b.fw, "--json", NULL);
    expect_json_error(&r, "read", "exists", 2, "exists");
    tu_result_free(&r);
    tu_dfuctl(&r, "erase", "-d", b.spec, "--json", NULL);
    expect_json_error(&r, "erase", "arg", 2, "--mass");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", "sim:nosuchprofile", b.fw, "--json", NULL);
    expect_json_error(&r, "flash", "arg", 2, "nosuchprofile");
    tu_result_free(&r);
    tu_dfuctl(&r, "frobnicate", "--json", NULL);
    expect_json_error(&r, "frobnicate", "arg", 2, "unknown command");
    tu_result_free(&r);
    /* Without --json stdout stays empty. */
    tu_dfuctl(&r, "read", NULL);
    tu_expect_exit(&r, 2, "needs -o FILE");
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    free(out);
    board_free(&b);
}

/* --json, -q and -v before the command name apply as if given after it (people write
 * `dfuctl --json flash FW` out of habit; it used to be "unknown command '--json'"); any other
 * option there is still a usage error, with the error object when --json is anywhere. */
static void test_common_options_may_come_before_the_command(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_leading_options", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 4096, 0x20020000, 3);
    tu_result r;
    tu_dfuctl(&r, "--json", "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    size_t n = tu_json_line_count(r.out);
    assert_true(n >= 2);
    tu_json *res = tu_json_parse_line(r.out, n - 1);
    assert_non_null(res);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_string_equal(tu_json_get(res, "command")->string, "flash");
    assert_true(tu_json_get(res, "ok")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    /* -q as well (nothing at all on success), and before a "--" that ends the options. */
    tu_dfuctl(&r, "-q", "flash", "-d", b.spec, "--address", "0x08000000", "--no-journal",
              "--no-leave", "--", b.fw, NULL);
    tu_expect_exit(&r, 0, NULL);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    tu_result_free(&r);
    char *hex = tu_data_path("sample.hex");
    tu_dfuctl(&r, "-v", "--json", "info", "--", hex, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *info = tu_json_parse_line(r.out, 0);
    assert_non_null(info);
    assert_string_equal(tu_json_get(info, "type")->string, "info");
    tu_json_free(info);
    tu_result_free(&r);
    free(hex);

    tu_dfuctl(&r, "-v", "--json", "--bogus", "flash", b.fw, NULL);
    expect_json_error(&r, "flash", "arg", 2, "unknown option '--bogus' before the command");
    tu_result_free(&r);
    tu_dfuctl(&r, "--bogus", "flash", b.fw, NULL);
    tu_expect_exit(&r, 2, "unknown option '--bogus' before the command");
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    tu_dfuctl(&r, "--json", "frobnicate", NULL);
    expect_json_error(&r, "frobnicate", "arg", 2, "unknown command");
    tu_result_free(&r);
    /* No command at all: the error object has a null command. */
    tu_dfuctl(&r, "--json", NULL);
    tu_expect_exit(&r, 2, "no command given");
    assert_int_equal(tu_json_line_count(r.out), 1);
    tu_json *e = tu_json_parse_line(r.out, 0);
    assert_non_null(e);
    assert_string_equal(tu_json_get(e, "type")->string, "error");
    assert_int_equal(tu_json_get(e, "command")->type, TU_JSON_NULL);
    assert_string_equal(tu_json_get(e, "error")->string, "arg");
    assert_int_equal(tu_json_get(e, "exit_code")->integer, 2);
    tu_json_free(e);
    tu_result_free(&r);
    board_free(&b);
}

/* A number that does not fit says so and gives the range; only what is no number at all is
 * "not a number" (--address 0x5000000000 used to be that). */
static void test_numbers_that_do_not_fit_are_out_of_range(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_number_range", "stm32f405", NULL);
    char *hex = tu_data_path("sample.hex"), *out = tu_path(b.dir, "out.dfu");
    static const struct {
        const char *option, *value, *message;
    } cases[] = {
        {"--address", "0x5000000000",
         "--address: '0x5000000000' is out of range: it takes 0 to 4294967295 (0xffffffff)"},
        {"--address", "0x100000000", "'0x100000000' is out of range"},
        {"--address", "4096M", "'4096M' is out of range: it takes 0 to 4294967295"},
        {"--address", "99999999999999999999999", "is out of range: it takes 0 to 4294967295"},
        {"--address", "-1", "'-1' is out of range"},
        {"--address", "12Q", "--address: '12Q' is not a number"},
        {"--address", "0x", "'0x' is not a number"},
        {"--transfer-size", "70000",
         "--transfer-size: '70000' is out of range: it takes 0 to 65535 (0xffff)"},
        {"--wait", "100000", "--wait: '100000' is out of range: it takes 0 to 86400"},
        {"--wait", "99999999999", "it takes 0 to 86400"},
        {"--alt", "300", "--alt: '300' is out of range: it takes 0 to 255 (0xff)"},
        {"--alt", "-1", "--alt: '-1' is out of range"},
    };
    tu_result r;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_dfuctl(&r, "flash", "--dry-run", "-d", b.spec, hex, cases[i].option, cases[i].value,
                  NULL);
        tu_expect_exit(&r, 2, cases[i].message);
        assert_string_equal(r.out, "");
        tu_result_free(&r);
    }
    tu_dfuctl(&r, "convert", hex, "-o", out, "--vid", "0x10000", NULL);
    tu_expect_exit(&r, 2, "--vid: '0x10000' is out of range: it takes 0 to 65535 (0xffff)");
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", hex, "-o", out, "--alt", "256", "--json", NULL);
    expect_json_error(&r, "convert", "arg", 2, "--alt: '256' is out of range: it takes 0 to 255");
    tu_result_free(&r);
    /* The ends of each range are taken. */
    tu_dfuctl(&r, "info", hex, "--address", "0xffffffff", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "info", hex, "--address", "4095M", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "--dry-run", "-d", b.spec, hex, "--wait", "86400", "--alt", "255", NULL);
    tu_expect_exit(&r, 2, "no alternate setting 255"); /* a number in range: looked up */
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", hex, "-o", out, "--vid", "0xffff", "--alt", "255", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    free(out);
    free(hex);
    board_free(&b);
}

/* While something holds a simulated board (here this test, as a program serving it would),
 * dfuctl is refused as by a USB device another program has claimed: exit 6, "busy", naming the
 * state file, and nothing written. Once the holder lets go, the same command works. */
static void test_a_board_held_elsewhere_is_busy(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_busy", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 4096, 0x20020000, 5);
    char *state_file = tu_path(b.dir, "board.img");
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, b.spec), DFU_OK);
    size_t len;
    uint8_t *before = tu_sim_memory(sim, &len);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 6, "another process has this simulated board open");
    assert_non_null(strstr(r.err, state_file));
    tu_result_free(&r);
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", "--json", NULL);
    expect_json_error(&r, "verify", "busy", 6, state_file);
    tu_result_free(&r);
    uint8_t *now = tu_sim_memory(sim, &len);
    assert_memory_equal(now, before, len);
    free(now);
    free(before);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    free(state_file);
    board_free(&b);
}

static void test_dry_run_json_plan_changes_nothing(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_dry_run", "stm32f405", NULL);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    tu_write_app(b.fw, 0x08000000, 40 * 1024, 0x20020000, 4);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--dry-run", "--json",
              NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *plan = tu_json_parse_line(r.out, 0);
    assert_non_null(plan);
    assert_string_equal(tu_json_get(plan, "type")->string, "plan");
    const tu_json *steps = tu_json_get(plan, "steps");
    assert_int_equal(steps->count, 11);
    assert_string_equal(tu_json_path(plan, "steps.0.kind")->string, "erase");
    assert_int_equal(tu_json_path(plan, "steps.0.address")->integer, 0x08000000);
    assert_string_equal(tu_json_path(plan, "steps.6.kind")->string, "write"); /* vector last */
    assert_int_equal(tu_json_path(plan, "steps.6.address")->integer, 0x08000000);
    assert_int_equal(tu_json_path(plan, "steps.6.size")->integer, 32);
    assert_string_equal(tu_json_path(plan, "steps.10.kind")->string, "leave");
    assert_true(tu_json_get(plan, "estimate_us")->integer > 0);
    assert_string_equal(tu_json_path(plan, "device.path")->string, "sim-1");
    tu_json_free(plan);
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len);
    free(before);
    board_free(&b);
}

static void test_json_lines_progress_then_result(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_json", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 40 * 1024, 0x20020000, 5);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--json", "--no-journal",
              NULL);
    tu_expect_exit(&r, 0, NULL);
    size_t n = tu_json_line_count(r.out);
    assert_true(n > 5);
    uint64_t last_done = 0;
    size_t moves = 0;
    bool saw[4] = {false};
    for (size_t i = 0; i + 1 < n; i++) {
        tu_json *ev = tu_json_parse_line(r.out, i);
        assert_non_null(ev);
        assert_string_equal(tu_json_get(ev, "type")->string, "progress");
        const char *phase = tu_json_get(ev, "phase")->string;
        if (!strcmp(phase, "erase")) saw[0] = true;
        if (!strcmp(phase, "write")) saw[1] = true;
        if (!strcmp(phase, "verify")) saw[2] = true;
        if (!strcmp(phase, "leave")) saw[3] = true;
        uint64_t done = tu_json_get(ev, "overall_done")->integer;
        assert_true(done >= last_done);
        if (done > last_done) moves++;
        last_done = done;
        assert_int_equal(tu_json_get(ev, "overall_total")->integer, 3 * 16384 + 2 * 40 * 1024);
        tu_json_free(ev);
    }
    assert_true(saw[0] && saw[1] && saw[2] && saw[3]);
    /* Progress moves within steps, not only between them: with each of the 20 blocks written,
     * not only at the plan's 9 step ends. */
    assert_true(moves >= 20);
    tu_json *res = tu_json_parse_line(r.out, n - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_true(tu_json_get(res, "ok")->boolean);
    assert_int_equal(tu_json_get(res, "exit_code")->integer, 0);
    assert_int_equal(tu_json_get(res, "written_bytes")->integer, 40 * 1024);
    assert_int_equal(tu_json_get(res, "verified_bytes")->integer, 40 * 1024);
    assert_int_equal(tu_json_get(res, "sectors_erased")->integer, 3);
    assert_true(tu_json_get(res, "verified")->boolean);
    assert_true(tu_json_get(res, "left")->boolean);
    assert_int_equal(tu_json_path(res, "device.vid")->integer, 0x0483);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

static void test_device_error_exit_code_names_the_status(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_rdp", "stm32f405", "rdp=1");
    tu_write_app(b.fw, 0x08000000, 4096, 0x20020000, 6);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--json", "--no-journal",
              NULL);
    tu_expect_exit(&r, 6, "errVENDOR");
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_false(tu_json_get(res, "ok")->boolean);
    assert_string_equal(tu_json_get(res, "dfu_status")->string, "errVENDOR");
    assert_string_equal(tu_json_get(res, "dfu_state")->string, "dfuERROR");
    assert_int_equal(tu_json_get(res, "exit_code")->integer, 6);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

/* After a failure, dfuctl tells where the device is before naming the recover command: it said
 * "left in dfuIDLE" even of a device stuck in dfuDNBUSY that needs a power cycle. */
static void test_failed_flash_says_what_state_the_device_is_in(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_stuck", "stm32f405", "fault=busy@block:4");
    tu_write_app(b.fw, 0x08000000, 40 * 1024, 0x20020000, 6);
    char *jdir = tu_path(b.dir, "journal");
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "stays in dfuDNBUSY");
    tu_expect_exit(&r, 6, "the device is stuck in dfuDNBUSY; power-cycle it");
    tu_expect_exit(&r, 6, "dfuctl recover");
    if (strstr(r.err, "left in dfuIDLE")) fail_msg("%s", r.err);
    tu_result_free(&r);
    /* A permanent error: the device was brought back to dfuIDLE, and that is what is said. */
    board c;
    board_new(&c, "cli_idle_after", "stm32f405", "fault=lie@block:4:dfuERROR:errADDRESS");
    tu_write_app(c.fw, 0x08000000, 40 * 1024, 0x20020000, 6);
    tu_dfuctl(&r, "flash", "-d", c.spec, c.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "errADDRESS");
    tu_expect_exit(&r, 6, "the device was left in dfuIDLE");
    tu_result_free(&r);
    free(jdir);
    board_free(&b);
    board_free(&c);
}

static void test_verify_mismatch_exit_code(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_verify_mismatch", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20020000, 7);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-leave",
              "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20020000, 8); /* another image */
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 7, "verify: 0x080000");
    tu_result_free(&r);
    /* The failed result lists every field, the device's status and state null: it said none. */
    tu_dfuctl(&r, "verify", "-d", b.spec, b.fw, "--address", "0x08000000", "--json", NULL);
    tu_expect_exit(&r, 7, NULL);
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_false(tu_json_get(res, "ok")->boolean);
    assert_string_equal(tu_json_get(res, "error")->string, "verify");
    assert_non_null(tu_json_get(res, "dfu_status"));
    assert_int_equal(tu_json_get(res, "dfu_status")->type, TU_JSON_NULL);
    assert_non_null(tu_json_get(res, "dfu_state"));
    assert_int_equal(tu_json_get(res, "dfu_state")->type, TU_JSON_NULL);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

/* Without the quirk table the ST ROMs that need it fail, each in its own way. */
static void test_quirk_profiles_fail_without_their_quirks(void **state)
{
    (void)state;
    static const struct {
        const char *profile, *why;
    } cases[] = {
        {"stm32h743", "erasing the 131072-byte sector at 0x08000000: device still in dfuDNBUSY"},
        {"stm32l476", "erasing the 2048-byte sector at 0x08000000: DFU_GETSTATUS: the device "
                      "stalled the request"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        board b;
        char name[64];
        snprintf(name, sizeof(name), "cli_quirk_%s", cases[i].profile);
        board_new(&b, name, cases[i].profile, NULL);
        tu_write_app(b.fw, 0x08000000, 8192, 0x20010000, 9);
        tu_result r;
        tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-quirks",
                  "--no-journal", "--no-leave", NULL);
        tu_expect_exit(&r, 6, cases[i].why);
        tu_result_free(&r);
        tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
                  "--no-leave", NULL);
        tu_expect_exit(&r, 0, NULL);
        tu_result_free(&r);
        board_free(&b);
    }
}

/* A user quirks file: "none" forgets the built-in entry for the device, the rest of the line
 * is the entry as the table has it, less the quirk under test (or whole, for the control). */
static char *quirks_file(const board *b, const char *line)
{
    char *path = tu_path(b->dir, "user.quirks");
    tu_write_file(path, line, strlen(line));
    return path;
}

/* flash (--no-leave) the board's FW with the quirks of line, at address unless NULL. */
static void flash_with_quirks(tu_result *r, const board *b, const char *line, const char *address)
{
    char *q = quirks_file(b, line);
    if (address)
        tu_dfuctl(r, "flash", "-d", b->spec, b->fw, "--address", address, "--quirks", q,
                  "--no-journal", "--no-leave", NULL);
    else
        tu_dfuctl(r, "flash", "-d", b->spec, b->fw, "--quirks", q, "--no-journal", "--no-leave",
                  NULL);
    free(q);
}

/* Each ST ROM quirk, taken out alone (mass-erase-poll is left out of these lines: the poll is
 * sized to the mass erase without it). */
static void test_each_st_rom_quirk_is_needed(void **state)
{
    (void)state;
    static const struct {
        const char *profile, *without, *why;
    } cases[] = {
        {"stm32l476", "0483:df11 none stuck-dnbusy\n",
         "erasing the 2048-byte sector at 0x08000000: DFU_GETSTATUS: the device stalled the "
         "request"},
        {"stm32h743", "0483:df11 none poll-stalls=3\n",
         "erasing the 131072-byte sector at 0x08000000: device still in dfuDNBUSY"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        board b;
        char name[64];
        snprintf(name, sizeof(name), "cli_quirk_less_%s", cases[i].profile);
        board_new(&b, name, cases[i].profile, NULL);
        tu_write_app(b.fw, 0x08000000, 8192, 0x20010000, 9);
        tu_result r;
        flash_with_quirks(&r, &b, cases[i].without, "0x08000000");
        tu_expect_exit(&r, 6, cases[i].why);
        tu_result_free(&r);
        flash_with_quirks(&r, &b, "0483:df11 none poll-stalls=3 stuck-dnbusy\n", "0x08000000");
        tu_expect_exit(&r, 0, NULL);
        tu_result_free(&r);
        board_free(&b);
    }
}

/* gd32-layout alone: on a used board every other 1 KiB page is left unerased, and verify says
 * so. (utf8-serial cannot be taken out this way: serial strings are decoded by the built-in
 * table alone.) */
static void test_gd32_layout_quirk_is_needed(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_quirk_less_gd32", "gd32vf103", NULL);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20008000, 13);
    tu_result r;
    flash_with_quirks(&r, &b, "28e9:0189 none utf8-serial gd32-layout\n", "0x08000000");
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20008000, 14);
    flash_with_quirks(&r, &b, "28e9:0189 none utf8-serial\n", "0x08000000");
    tu_expect_exit(&r, 7, "verify: 0x08000400 holds");
    tu_result_free(&r);
    flash_with_quirks(&r, &b, "28e9:0189 none utf8-serial gd32-layout\n", "0x08000000");
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* RISC-V firmware starts with an instruction (j 0x8c), not a Cortex-M vector table: with
     * the built-in not-cortex-m entry it is written as it is; without, it takes --force. */
    uint8_t rv[6000];
    for (size_t i = 0; i < sizeof(rv); i++) rv[i] = (uint8_t)(i * 13 + 5);
    memcpy(rv, "\x6f\x00\xc0\x08", 4);
    FILE *fp = fopen(b.fw, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(rv, 1, sizeof(rv), fp), sizeof(rv));
    fclose(fp);
    flash_with_quirks(&r, &b, "28e9:0189 none utf8-serial gd32-layout\n", "0x08000000");
    tu_expect_exit(&r, 9, "the initial stack pointer, is 0x08c0006f");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t got[sizeof(rv)];
    tu_sim_peek(b.spec, 0x08000000, got, sizeof(got));
    assert_memory_equal(got, rv, sizeof(rv));
    board_free(&b);
}

/* A typo in a user quirks file is refused before anything is done to the board, naming the
 * file, the line and the word, even on a line for another device. */
static void test_bad_quirks_file_names_file_and_line(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_quirks_typo", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 4096, 0x20010000, 3);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    char *q = quirks_file(&b, "# ours\n0483:df11 stuck-dnbusy\n1234:5678 stuck-dnbsy\n");
    char want[1024];
    snprintf(want, sizeof(want), "%s:3: unknown quirk 'stuck-dnbsy'", q);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--quirks", q,
              "--no-journal", NULL);
    tu_expect_exit(&r, 2, want);
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len);
    free(before);
    free(q);
    board_free(&b);
}

/* One flash of a fresh dapboot board (a DFU 1.1 device that cannot verify leaves DFU mode
 * even with --no-leave) holding an application linked for base with stack pointer sp. */
static void dapboot_flash(tu_result *r, const char *name, const char *line, uint32_t base,
                          uint32_t sp, const char *address)
{
    board b;
    board_new(&b, name, "dapboot-f103", NULL);
    tu_write_app(b.fw, base, 8192, sp, 2);
    flash_with_quirks(r, &b, line, address);
    board_free(&b);
}

/* dapboot's entry, one quirk at a time: verify-before-manifest makes it verifiable, app-base
 * and ram make the vector-table check refuse what it would otherwise write. */
static void test_each_dapboot_quirk_is_needed(void **state)
{
    (void)state;
    static const char full[] =
        "1209:db42 none app-base=0x08002000 ram=0x20000000-0x20005000 verify-before-manifest\n";
    tu_result r;
    dapboot_flash(&r, "cli_dapboot_all", full, 0x08002000, 0x20005000, NULL);
    tu_expect_exit(&r, 0, "wrote 8192 bytes, verified 8192 bytes");
    tu_result_free(&r);
    dapboot_flash(&r, "cli_dapboot_no_vbm",
                  "1209:db42 none app-base=0x08002000 ram=0x20000000-0x20005000\n", 0x08002000,
                  0x20005000, NULL);
    tu_expect_exit(&r, 0, "cannot be read back: verification is not possible");
    assert_null(strstr(r.out, "verified"));
    tu_result_free(&r);
    dapboot_flash(&r, "cli_dapboot_no_base",
                  "1209:db42 none ram=0x20000000-0x20005000 verify-before-manifest\n", 0x08002000,
                  0x20005000, NULL);
    tu_expect_exit(&r, 0, "cannot check the vector table");
    tu_result_free(&r);

    /* Linked for 0x08000000 (the classic mistake behind a bootloader). */
    dapboot_flash(&r, "cli_dapboot_all", full, 0x08000000, 0x20005000, "0x08000000");
    tu_expect_exit(&r, 9, "writes its application at 0x08002000");
    tu_result_free(&r);
    dapboot_flash(&r, "cli_dapboot_no_base",
                  "1209:db42 none ram=0x20000000-0x20005000 verify-before-manifest\n", 0x08000000,
                  0x20005000, "0x08000000");
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);

    /* A stack pointer past the F103's 20 KiB of RAM. */
    dapboot_flash(&r, "cli_dapboot_all", full, 0x08002000, 0x20008000, NULL);
    tu_expect_exit(&r, 9, "is 0x20008000, which is not in RAM");
    tu_result_free(&r);
    dapboot_flash(&r, "cli_dapboot_no_ram",
                  "1209:db42 none app-base=0x08002000 verify-before-manifest\n", 0x08002000,
                  0x20008000, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
}

static void test_read_erase_detach_leave(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_read_erase", "stm32f405", "runtime");
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 10);
    tu_result r;
    /* The run-time application is detached into DFU mode and followed by its port path. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* An output that cannot be written is refused before the device is read (and detached),
     * naming the file the user gave, not a temporary one. */
    char *nowhere = tu_path(b.dir, "no/such/dir/back.bin");
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", nowhere, NULL);
    tu_expect_exit(&r, 2, "No such file or directory");
    assert_null(strstr(r.err, ".tmp"));
    tu_result_free(&r);
    free(nowhere);
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", b.dir, "--force", NULL);
    tu_expect_exit(&r, 2, "is a directory");
    tu_result_free(&r);
    char *dangling = tu_path(b.dir, "dangling.bin"), *target = tu_path(b.dir, "not-there.bin");
    assert_int_equal(symlink(target, dangling), 0);
    /* A link is a file to keep; one to nothing is not written through, even with --force
     * (with stdout closed, /dev/stdout is one). */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", dangling, NULL);
    tu_expect_exit(&r, 2, "is a symbolic link to nothing");
    tu_result_free(&r);
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", dangling, "--force", NULL);
    tu_expect_exit(&r, 2, "is a symbolic link to nothing");
    tu_result_free(&r);
    struct stat st;
    assert_int_equal(lstat(dangling, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    free(dangling);
    free(target);
    tu_dfuctl(&r, "list", "-d", b.spec, NULL);
    tu_expect_exit(&r, 0, "run-time mode"); /* never detached */
    tu_result_free(&r);
    tu_dfuctl(&r, "detach", "-d", b.spec, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *res = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_path(res, "device.mode")->string, "dfu");
    assert_int_equal(tu_json_path(res, "device.vid")->integer, 0x0483);
    tu_json_free(res);
    tu_result_free(&r);
    char *hex = tu_path(b.dir, "back.hex");
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, "--address", "0x08000000", "--size", "20K",
              NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* What was read is the image, at its address. */
    dfu_image *img;
    assert_int_equal(dfu_image_load(&img, NULL, hex, NULL), DFU_OK);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x08000000);
    uint8_t *want = tu_app_bytes(0x08000000, 20 * 1024, 0x20020000, 10);
    assert_int_equal(s.size, 20 * 1024);
    assert_memory_equal(s.data, want, 20 * 1024);
    dfu_image_free(img);
    /* Never overwrite a user's file without --force. */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, "--address", "0x08000000", "--size", "1K", NULL);
    tu_expect_exit(&r, 2, "exists");
    tu_result_free(&r);
    /* An address the device's memory map does not have is refused as erase and flash refuse it. */
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", hex, "--force", "--address", "0x30000000", "--size",
              "16", NULL);
    tu_expect_exit(&r, 9, "0x30000000 is outside every memory region of alt 0 \"Internal Flash\"");
    tu_result_free(&r);
    tu_dfuctl(&r, "erase", "-d", b.spec, "--address", "0x30000000", "--size", "16", NULL);
    tu_expect_exit(&r, 9, "0x30000000 is outside every memory region");
    tu_result_free(&r);
    /* Erase touches whole sectors. */
    tu_dfuctl(&r, "erase", "-d", b.spec, "--address", "0x08004000", "--size", "1", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t got[16384];
    tu_sim_peek(b.spec, 0x08004000, got, sizeof(got));
    for (size_t i = 0; i < sizeof(got); i++) assert_int_equal(got[i], 0xFF);
    tu_sim_peek(b.spec, 0x08000000, got, 16);
    assert_memory_equal(got, want, 16);
    /* Leave: the application runs; the board shows only its run-time interface (list says
     * what is on the bus; read would detach it again). Without --address too: the ROM jumps to
     * its address pointer, which the 20K read left at 0x08004000, so dfuctl sets it to the
     * application's start first. */
    tu_dfuctl(&r, "leave", "-d", b.spec, NULL);
    tu_expect_exit(&r, 0, "leave: the device was told to start its firmware");
    tu_result_free(&r);
    tu_dfuctl(&r, "list", "-d", b.spec, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    res = tu_json_parse_line(r.out, 0);
    assert_int_equal(tu_json_path(res, "devices")->count, 1);
    assert_string_equal(tu_json_path(res, "devices.0.mode")->string, "runtime");
    assert_int_equal(tu_json_path(res, "devices.0.vid")->integer, 0x1209);
    assert_int_equal(tu_json_path(res, "devices.0.pid")->integer, 0x0001);
    tu_json_free(res);
    tu_result_free(&r);
    free(want);
    free(hex);
    board_free(&b);
}

static void test_unprotect_needs_confirmation_then_erases_everything(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_unprotect", "stm32f405", "rdp=1");
    tu_write_app(b.fw, 0x08000000, 8192, 0x20020000, 12);
    tu_result r;
    tu_dfuctl(&r, "unprotect", "-d", b.spec, NULL);
    tu_expect_exit(&r, 2, "--confirm");
    tu_result_free(&r);
    tu_dfuctl(&r, "unprotect", "-d", b.spec, "--confirm", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* Read protection is gone (the device erased itself and reset): the board takes an image. */
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", "--wait", "5", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    board_free(&b);
}

static void test_gd32_needs_its_layout_quirk_on_a_used_board(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_gd32", "gd32vf103", NULL);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20008000, 13);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* Its layout claims 2 KiB pages where there are 1 KiB: without the quirk every other page
     * is never erased, and the device says nothing (the field's "reports success but read-out
     * not matching"). Verification catches it. */
    tu_write_app(b.fw, 0x08000000, 8192, 0x20008000, 14);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", "--no-quirks", NULL);
    tu_expect_exit(&r, 7, "verify:");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    board_free(&b);
}

static void test_dfuse_file_targets_go_to_their_alternate_settings(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_dfuse_targets", "stm32f405", NULL);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, 0, "Internal Flash", NULL);
    dfu_image_add_target(img, 2, "OTP Memory", NULL);
    uint8_t *app = tu_app_bytes(0x08000000, 6000, 0x20020000, 15);
    dfu_image_add_data(NULL, img, 0, 0x08000000, app, 6000);
    const uint8_t otp[16] = "board rev B 0042";
    dfu_image_add_data(NULL, img, 1, 0x1FFF7800, otp, sizeof(otp));
    char *file = tu_path(b.dir, "fw.dfu");
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_DFUSE;
    assert_int_equal(dfu_image_save(NULL, img, file, &so), DFU_OK);
    tu_result r;
    /* The file says where each target goes: --alt would be ignored, so it is refused. */
    tu_dfuctl(&r, "flash", "-d", b.spec, file, "--alt", "1", "--no-journal", NULL);
    tu_expect_exit(&r, 2, "(alt 0 \"Internal Flash\", 2 \"OTP Memory\"): --alt cannot move them");
    tu_result_free(&r);
    tu_dfuctl(&r, "verify", "-d", b.spec, file, "--alt", "OTP Memory", NULL);
    tu_expect_exit(&r, 2, "--alt cannot move them");
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, file, "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    uint8_t got[6000];
    tu_sim_peek(b.spec, 0x08000000, got, sizeof(got));
    assert_memory_equal(got, app, sizeof(got));
    tu_sim_peek(b.spec, 0x1FFF7800, got, sizeof(otp));
    assert_memory_equal(got, otp, sizeof(otp));
    free(app);
    free(file);
    dfu_image_free(img);
    board_free(&b);
}

static void test_exit_codes_for_missing_devices_and_bad_alternate_settings(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_exit_codes", "dfu11", NULL);
    tu_write_app(b.fw, 0x08008000, 4096, 0x20020000, 16);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--alt", "No Such Memory", NULL);
    tu_expect_exit(&r, 2, "no alternate setting named");
    tu_result_free(&r);
    /* The board runs its application (no DFU interface): waiting for it ends with exit 4. */
    uint8_t *app = tu_app_bytes(0x08008000, 4096, 0x20020000, 16);
    tu_sim_poke(b.spec, 0x08008000, app, 4096);
    free(app);
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, b.spec), DFU_OK);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--wait", "2", NULL);
    tu_expect_exit(&r, 4, "appeared within 2000 ms");
    tu_result_free(&r);
    board_free(&b);
}

static void test_an_unwritable_journal_does_not_stop_the_update(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_journal_unwritable", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20020000, 17);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--journal-dir",
              "/proc/no-such-dir/journal", NULL);
    tu_expect_exit(&r, 0, "continuing without a journal");
    tu_result_free(&r);
    board_free(&b);
}

static void test_a_damaged_journal_is_skipped_and_can_be_discarded(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_damaged_journal", "stm32f405", NULL);
    char *jdir = tu_path(b.dir, "journal"), *bad = tu_path(jdir, "other-board.journal");
    tu_result r;
    /* An interrupted update of this board, and a damaged journal of another beside it. */
    char faulty[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", b.spec);
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 18);
    tu_dfuctl(&r, "flash", "-d", faulty, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    const char junk[] = "libdfu-journal 1\nstarted 9223372036854775807\nsteps 99999999\n";
    tu_write_file(bad, junk, sizeof(junk) - 1);
    tu_dfuctl(&r, "recover", "-d", b.spec, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "skipped"); /* the damaged one is named, and does not block this one */
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--discard", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "removed 1 damaged journal");
    tu_result_free(&r);
    assert_null(tu_read_file(bad, NULL));
    free(bad);
    free(jdir);
    board_free(&b);
}

/* --retries N: N further attempts per block; 0 means none (it used to mean the default). */
static void test_retries_option_bounds_the_attempts(void **state)
{
    (void)state;
    const char *counts[] = {"0", NULL};
    for (size_t i = 0; i < 2; i++) {
        board b;
        board_new(&b, i ? "cli_retries_default" : "cli_retries_none", "stm32f405",
                  "fault=stall@block:3");
        tu_write_app(b.fw, 0x08000000, 16 * 1024, 0x20020000, 7);
        tu_result r;
        if (counts[i])
            tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--json",
                      "--no-journal", "--retries", counts[i], NULL);
        else
            tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--json",
                      "--no-journal", NULL);
        tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
        assert_non_null(res);
        if (counts[i]) {
            tu_expect_exit(&r, 6, "stall");
            assert_false(tu_json_get(res, "ok")->boolean);
        } else {
            tu_expect_exit(&r, 0, NULL);
            assert_int_equal(tu_json_get(res, "retries")->integer, 1);
        }
        tu_json_free(res);
        tu_result_free(&r);
        board_free(&b);
    }
}

/* A recover that is itself interrupted keeps the journal and, like flash, names the command
 * that finishes the update (without the fault that stopped it). */
static void test_interrupted_recover_names_the_recover_command(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_recover_again", "stm32f405", NULL);
    char *jdir = tu_path(b.dir, "journal");
    char faulty[700], again[700], command[1400];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", b.spec);
    snprintf(again, sizeof(again), "%s,replug,fault=unplug@block:2", b.spec);
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 19);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", again, "--journal-dir", jdir, NULL);
    snprintf(command, sizeof(command), "dfuctl recover -d '%s,replug' --journal-dir '%s'", b.spec,
             jdir);
    tu_expect_exit(&r, 6, "dfuctl recover: the update is incomplete and its journal is kept");
    tu_expect_exit(&r, 6, command);
    tu_result_free(&r);
    snprintf(again, sizeof(again), "%s,replug", b.spec);
    tu_dfuctl(&r, "recover", "-d", again, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "found an interrupted update");
    tu_result_free(&r);
    free(jdir);
    board_free(&b);
}

/* The recover command printed after a failure is whole however long the journal directory
 * is: cut short, it would name another directory. */
static void test_recover_command_is_whole_for_a_long_journal_dir(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_recover_long_dir", "stm32f405", NULL);
    char part[201];
    memset(part, 'q', 200);
    part[0] = '\''; /* each quote takes four bytes quoted */
    part[200] = '\0';
    size_t cap = strlen(b.dir) + 8 * 202 + 1;
    char *jdir = malloc(cap);
    assert_non_null(jdir);
    snprintf(jdir, cap, "%s", b.dir);
    for (int i = 0; i < 8; i++) {
        strcat(jdir, "/");
        strcat(jdir, part);
    }
    char faulty[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", b.spec);
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 21);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "the update is incomplete and its journal is kept");
    char *tail = strstr(r.err, "--journal-dir '");
    assert_non_null(tail);
    char *want = malloc(strlen(jdir) * 4 + 3);
    assert_non_null(want);
    size_t o = 0;
    want[o++] = '\'';
    for (const char *p = jdir; *p; p++) {
        if (*p == '\'') {
            memcpy(want + o, "'\\''", 4);
            o += 4;
        } else {
            want[o++] = *p;
        }
    }
    want[o++] = '\'';
    want[o] = '\0';
    if (strncmp(tail + strlen("--journal-dir "), want, o) != 0)
        fail_msg("recover command cut short:\n%s", r.err);
    tu_result_free(&r);
    free(want);
    free(jdir);
    board_free(&b);
}

/* A DFU 1.1 bootloader that starts the half-written application after an unplug: recover
 * finds no device and says to hold the button; with it held (the sim's button), it finishes. */
static void test_recover_asks_for_the_button_when_the_board_does_not_come_back(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_recover_button", "dapboot-f103", NULL);
    char *jdir = tu_path(b.dir, "journal");
    char faulty[700], plugged[700], button[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", b.spec);
    snprintf(plugged, sizeof(plugged), "%s,replug", b.spec);
    snprintf(button, sizeof(button), "%s,replug,button", b.spec);
    tu_write_app(b.fw, 0x08002000, 12 * 1024, 0x20005000, 21);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, b.fw, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", plugged, "--journal-dir", jdir, "--wait", "2", NULL);
    tu_expect_exit(&r, 4, "hold its bootloader button");
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", button, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "the image written again whole");
    tu_result_free(&r);
    free(jdir);
    board_free(&b);
}

/* A data image away from the application's start: after it, the board starts the application
 * it holds (the ROM's address pointer, left after the data, is set back to the flash's start). */
static void test_flash_of_data_starts_the_application_it_holds(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_data_leave", "stm32f405", "runtime");
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 22);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    char *data = tu_path(b.dir, "data.bin");
    uint8_t bytes[3000];
    for (size_t i = 0; i < sizeof(bytes); i++) bytes[i] = (uint8_t)(i * 7 + 1);
    tu_write_file(data, bytes, sizeof(bytes));
    tu_dfuctl(&r, "flash", "-d", b.spec, data, "--address", "0x08020000", "--no-journal", NULL);
    tu_expect_exit(&r, 0, "the device is starting its firmware");
    tu_result_free(&r);
    tu_dfuctl(&r, "list", "-d", b.spec, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_json *res = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_path(res, "devices.0.mode")->string, "runtime");
    tu_json_free(res);
    tu_result_free(&r);
    free(data);
    board_free(&b);
}

/* A read-protected board refuses the first erase: the advice is to remove the protection, not
 * a recover that would be refused the same way; the journal stays until discarded. */
static void test_read_protected_board_gets_the_unprotect_advice(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_rdp_advice", "stm32f405", "rdp=1");
    char *jdir = tu_path(b.dir, "journal");
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 24);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "which on STM32 ROMs is read protection");
    tu_expect_exit(&r, 6, "dfuctl unprotect --confirm");
    assert_null(strstr(r.err, "Finish it with"));
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--discard", "-d", b.spec, "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    assert_int_equal(tu_json_line_count(r.out), 2); /* what was forgotten, then the result */
    tu_json *line = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(line, "type")->string, "recovery");
    assert_true(tu_json_get(line, "discarded")->boolean);
    assert_true(tu_json_get(line, "steps")->integer > 0);
    tu_json_free(line);
    line = tu_json_parse_line(r.out, 1);
    assert_string_equal(tu_json_get(line, "type")->string, "result");
    assert_true(tu_json_get(line, "ok")->boolean);
    tu_json_free(line);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "nothing to recover");
    tu_result_free(&r);
    /* Reading it: the refusal's reason at once, not three stalls retried. */
    char *out = tu_path(b.dir, "back.bin");
    tu_dfuctl(&r, "read", "-d", b.spec, "-o", out, "--size", "4096", NULL);
    tu_expect_exit(&r, 6, "errVENDOR");
    tu_expect_exit(&r, 6, "dfuctl unprotect --confirm -d '");
    assert_null(strstr(r.err, "retrying"));
    assert_int_equal(access(out, F_OK), -1);
    tu_result_free(&r);
    free(out);
    free(jdir);
    board_free(&b);
}

/* A journal meeting another board: refused without advice to do the same again, and --discard
 * takes the selector recover was told to use. Nothing pending afterwards is no failure. */
static void test_another_boards_journal_is_discarded_by_its_selector(void **state)
{
    (void)state;
    board b, other;
    board_new(&b, "cli_other_board", "stm32f405", NULL);
    board_new(&other, "cli_other_board2", "mboot-f4", NULL);
    char *jdir = tu_path(b.dir, "journal");
    char faulty[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", b.spec);
    tu_write_app(b.fw, 0x08000000, 20 * 1024, 0x20020000, 25);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", other.spec, "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&r, 9, "another board");
    assert_null(strstr(r.err, "Finish it with"));
    tu_json *rec = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(rec, "type")->string, "recovery");
    assert_true(tu_json_get(rec, "journal_found")->boolean);
    /* What the refused journal holds, as the text says it ("N of M steps confirmed"). */
    assert_true(tu_json_get(rec, "steps")->integer > 0);
    assert_true(tu_json_get(rec, "steps_confirmed")->integer > 0);
    assert_true(tu_json_get(rec, "steps_confirmed")->integer < tu_json_get(rec, "steps")->integer);
    if (!strstr(tu_json_get(rec, "image")->string, "fw.bin"))
        fail_msg("%s", tu_json_get(rec, "image")->string);
    tu_json_free(rec);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--discard", "-d", other.spec, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 2, "the journal records -d");
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--discard", "-d", faulty, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "discarded the interrupted update");
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", b.spec, "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    rec = tu_json_parse_line(r.out, 0);
    assert_false(tu_json_get(rec, "journal_found")->boolean);
    tu_json_free(rec);
    tu_result_free(&r);
    /* With FILE and no journal: a differential flash of FILE, and the line names it. */
    tu_dfuctl(&r, "recover", "-d", b.spec, b.fw, "--address", "0x08000000", "--journal-dir", jdir,
              "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    size_t at; /* after the progress lines, before the result */
    for (at = 0; at < tu_json_line_count(r.out); at++) {
        rec = tu_json_parse_line(r.out, at);
        if (!strcmp(tu_json_get(rec, "type")->string, "recovery")) break;
        tu_json_free(rec);
    }
    assert_true(at < tu_json_line_count(r.out));
    assert_false(tu_json_get(rec, "journal_found")->boolean);
    assert_string_equal(tu_json_get(rec, "image")->string, b.fw);
    assert_int_equal(tu_json_get(rec, "steps")->integer, 0);
    assert_int_equal(tu_json_get(rec, "steps_confirmed")->integer, 0);
    tu_json_free(rec);
    tu_result_free(&r);
    /* reset takes no address (it used to, and ignored it). */
    tu_dfuctl(&r, "reset", "-d", b.spec, "--address", "0x08000000", NULL);
    tu_expect_exit(&r, 2, "unknown option");
    tu_result_free(&r);
    free(jdir);
    board_free(&other);
    board_free(&b);
}

/* A production line swaps boards on one port: flashing the next board must not throw away the
 * journal of the one whose update was interrupted there (its recover would then say "nothing to
 * recover" on a half-written board). The same board's journal is simply superseded. */
static void test_flash_keeps_another_boards_pending_journal(void **state)
{
    (void)state;
    board a, b;
    board_new(&a, "cli_keep_journal_a", "stm32f405", "serial=AAA");
    board_new(&b, "cli_keep_journal_b", "stm32f405", "serial=BBB");
    char *jdir = tu_path(a.dir, "journal");
    char faulty[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:3", a.spec);
    tu_write_app(a.fw, 0x08000000, 20 * 1024, 0x20020000, 26);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, a.fw, "--address", "0x08000000", "--journal-dir", jdir,
              "--no-leave", NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    tu_dfuctl(&r, "flash", "-d", b.spec, a.fw, "--address", "0x08000000", "--journal-dir", jdir,
              "--json", NULL);
    tu_expect_exit(&r, 9, "an interrupted update of another board is recorded for");
    tu_expect_exit(&r, 9, "serial \"AAA\"");
    tu_expect_exit(&r, 9, "discard its journal (`dfuctl recover --discard`)");
    assert_null(strstr(r.err, "Finish it with")); /* nothing of B's to finish */
    tu_json *res = tu_json_parse_line(r.out, tu_json_line_count(r.out) - 1);
    assert_string_equal(tu_json_get(res, "error")->string, "refused");
    tu_json_free(res);
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len); /* refused before B was touched */
    free(before);
    /* A's recover still finds its journal and finishes it. */
    char back[700];
    snprintf(back, sizeof(back), "%s,replug", a.spec);
    tu_dfuctl(&r, "recover", "-d", back, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* The same board, interrupted and then flashed again: the new update supersedes. */
    tu_dfuctl(&r, "flash", "-d", faulty, a.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", back, a.fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", back, "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "nothing to recover");
    tu_result_free(&r);
    free(jdir);
    board_free(&a);
    board_free(&b);
}

/* A DFU suffix names the product a file is for: another product's firmware is refused unless
 * forced; 0xffff matches any, and a device detached from its application matches by its
 * run-time ids too. */
static void test_flash_checks_the_files_dfu_suffix_ids(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_suffix_ids", "stm32f405", NULL);
    tu_write_app(b.fw, 0x08000000, 8192, 0x20020000, 27);
    char *dfu = tu_path(b.dir, "fw.dfu");
    tu_result r;
    tu_dfuctl(&r, "convert", b.fw, "-o", dfu, "--to", "dfuse", "--address", "0x08000000", "--vid",
              "0x1234", "--pid", "0x5678", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    size_t len;
    uint8_t *before = tu_sim_snapshot(b.spec, &len);
    tu_dfuctl(&r, "flash", "-d", b.spec, dfu, "--no-journal", NULL);
    tu_expect_exit(&r, 9,
                   "the file's DFU suffix says it is for 1234:5678, but the device is 0483:df11");
    tu_result_free(&r);
    tu_sim_expect_unchanged(b.spec, before, len);
    free(before);
    tu_dfuctl(&r, "flash", "-d", b.spec, dfu, "--no-journal", "--no-leave", "--force", NULL);
    tu_expect_exit(&r, 0, "writing anyway (--force): the file's DFU suffix is for 1234:5678");
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", b.fw, "-o", dfu, "--force", "--to", "dfuse", "--address", "0x08000000",
              "--vid", "0x0483", "--pid", "0xffff", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, dfu, "--no-journal", "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    board_free(&b);
    /* A run-time device: the file carries the application's ids, not the bootloader's. */
    board_new(&b, "cli_suffix_ids_rt", "dfu11", "runtime");
    tu_write_app(b.fw, 0x08008000, 8192, 0x20020000, 28);
    tu_dfuctl(&r, "convert", b.fw, "-o", dfu, "--force", "--to", "dfu", "--vid", "0x1209", "--pid",
              "0x0001", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, dfu, "--no-journal", NULL);
    tu_expect_exit(&r, 9, "is for 1209:0001, but the device is 1209:0002"); /* blank: bootloader */
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--no-journal", NULL); /* now it runs the app */
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    tu_dfuctl(&r, "flash", "-d", b.spec, dfu, "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    free(dfu);
    board_free(&b);
}

/* A command that detaches a board from its application and then changes nothing (a dry run, a
 * refusal, a verify) starts the application again: the board is left as it was found. */
static void test_unchanged_boards_are_returned_to_their_application(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_return_to_app", "dfu11", "runtime");
    tu_write_app(b.fw, 0x08008000, 8192, 0x20020000, 29);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--no-journal", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    const char *const runs[][6] = {
        {"flash", "--dry-run", NULL},
        {"flash", "--transfer-size", "256", NULL}, /* refused: exit 9 */
        {"verify", NULL},
        {"verify", "--transfer-size", "256", NULL}, /* reads in the device's own size */
        {"flash", "--alt", "9", NULL},              /* no such alternate setting: exit 2 */
        {"unprotect", "--confirm", NULL},           /* DfuSe only: exit 9 */
    };
    const int codes[] = {0, 9, 0, 0, 2, 9};
    const char *const ran = "was running its application";
    const char *const says[] = {
        ran, ran, ran, ran, "sim-1 has no alternate setting 9 (it has: 0 \"Application\")", ran};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *argv[12] = {runs[i][0], "-d", b.spec, b.fw, "--no-journal"};
        size_t n = 5;
        if (strcmp(runs[i][0], "verify") == 0) n = 4;
        if (strcmp(runs[i][0], "unprotect") == 0) n = 3;
        for (size_t k = 1; runs[i][k]; k++) argv[n++] = runs[i][k];
        argv[n] = NULL;
        tu_dfuctl_argv(&r, argv);
        tu_expect_exit(&r, codes[i], says[i]);
        tu_result_free(&r);
        tu_dfuctl(&r, "list", "-d", b.spec, NULL);
        tu_expect_exit(&r, 0, "run-time mode");
        tu_result_free(&r);
    }
    board_free(&b);
}

/* --discard with nothing pending is no failure, like plain recover with nothing pending: it
 * used to exit 4 with a not-found error. With --json it prints the same recovery object. */
static void test_discard_with_nothing_pending_is_no_failure(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_discard_nothing");
    char *jdir = tu_path(dir, "journal");
    tu_result r, plain;
    tu_dfuctl(&r, "recover", "--discard", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "nothing to discard");
    assert_string_equal(r.err, "");
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "--discard", "-d", "path=1-9", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "nothing to discard");
    tu_result_free(&r);
    tu_dfuctl(&plain, "recover", "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&plain, 0, NULL);
    tu_dfuctl(&r, "recover", "--discard", "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    assert_int_equal(tu_json_line_count(r.out), 1);
    tu_json *rec = tu_json_parse_line(r.out, 0);
    assert_non_null(rec);
    assert_string_equal(tu_json_get(rec, "type")->string, "recovery");
    assert_false(tu_json_get(rec, "journal_found")->boolean);
    tu_json_free(rec);
    assert_string_equal(r.out, plain.out);
    tu_result_free(&r);
    tu_result_free(&plain);
    free(jdir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_happen_before_anything_is_erased),
        cmocka_unit_test(test_dfu11_device_with_known_application_base),
        cmocka_unit_test(test_usage_and_file_errors),
        cmocka_unit_test(test_json_usage_errors_print_the_error_object),
        cmocka_unit_test(test_common_options_may_come_before_the_command),
        cmocka_unit_test(test_numbers_that_do_not_fit_are_out_of_range),
        cmocka_unit_test(test_dry_run_json_plan_changes_nothing),
        cmocka_unit_test(test_json_lines_progress_then_result),
        cmocka_unit_test(test_device_error_exit_code_names_the_status),
        cmocka_unit_test(test_failed_flash_says_what_state_the_device_is_in),
        cmocka_unit_test(test_verify_mismatch_exit_code),
        cmocka_unit_test(test_quirk_profiles_fail_without_their_quirks),
        cmocka_unit_test(test_bad_quirks_file_names_file_and_line),
        cmocka_unit_test(test_each_st_rom_quirk_is_needed),
        cmocka_unit_test(test_gd32_layout_quirk_is_needed),
        cmocka_unit_test(test_each_dapboot_quirk_is_needed),
        cmocka_unit_test(test_read_erase_detach_leave),
        cmocka_unit_test(test_unprotect_needs_confirmation_then_erases_everything),
        cmocka_unit_test(test_gd32_needs_its_layout_quirk_on_a_used_board),
        cmocka_unit_test(test_dfuse_file_targets_go_to_their_alternate_settings),
        cmocka_unit_test(test_exit_codes_for_missing_devices_and_bad_alternate_settings),
        cmocka_unit_test(test_an_unwritable_journal_does_not_stop_the_update),
        cmocka_unit_test(test_a_damaged_journal_is_skipped_and_can_be_discarded),
        cmocka_unit_test(test_retries_option_bounds_the_attempts),
        cmocka_unit_test(test_interrupted_recover_names_the_recover_command),
        cmocka_unit_test(test_recover_command_is_whole_for_a_long_journal_dir),
        cmocka_unit_test(test_recover_asks_for_the_button_when_the_board_does_not_come_back),
        cmocka_unit_test(test_flash_of_data_starts_the_application_it_holds),
        cmocka_unit_test(test_read_protected_board_gets_the_unprotect_advice),
        cmocka_unit_test(test_another_boards_journal_is_discarded_by_its_selector),
        cmocka_unit_test(test_flash_keeps_another_boards_pending_journal),
        cmocka_unit_test(test_flash_checks_the_files_dfu_suffix_ids),
        cmocka_unit_test(test_unchanged_boards_are_returned_to_their_application),
        cmocka_unit_test(test_discard_with_nothing_pending_is_no_failure),
        cmocka_unit_test(test_a_board_held_elsewhere_is_busy),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
