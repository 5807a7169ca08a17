/*
 * Writing option bytes: ST ROMs load them with a reset as soon as they are written (AN2662
 * fig.56), so the device going away after the last block is the write's success, not an
 * interruption. dfuctl flash must exit 0 and drop its journal (which used to send every later
 * flash and recover of the board into the same failure), say that the device reset, and read the
 * option bytes back when it comes back in DFU mode. A reset before the last block, or a device
 * lost before it took it, is still a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

#define F4_OB 0x1FFFC000u
#define L4_OB 0x1FFF7800u

typedef struct board {
    char *dir, *jdir, *journal;
    char spec[600];
} board;

static void board_new(board *b, const char *name, const char *profile, const char *extra)
{
    b->dir = tu_tmpdir(name);
    b->jdir = tu_path(b->dir, "journal");
    b->journal = tu_path(b->jdir, "sim-1.journal");
    tu_sim_spec(b->spec, sizeof(b->spec), profile, b->dir, extra);
}

static void board_free(board *b)
{
    free(b->dir);
    free(b->jdir);
    free(b->journal);
}

static void expect_no_journal(const board *b)
{
    uint8_t *left = tu_read_file(b->journal, NULL);
    if (left) fail_msg("the journal %s was kept:\n%s", b->journal, (char *)left);
}

static void expect_held(const char *spec, uint32_t address, const uint8_t *want, size_t len)
{
    uint8_t got[64];
    assert_true(len <= sizeof(got));
    tu_sim_peek(spec, address, got, len);
    assert_memory_equal(got, want, len);
}

/* The last line of --json output: the result object. */
static void expect_json_result(const tu_result *r, bool verified)
{
    tu_json *v = tu_json_parse_line(r->out, tu_json_line_count(r->out) - 1);
    if (!v) fail_msg("no JSON result in:\n%s", r->out);
    assert_string_equal(tu_json_get(v, "type")->string, "result");
    assert_true(tu_json_get(v, "ok")->boolean);
    assert_int_equal(tu_json_get(v, "exit_code")->integer, 0);
    assert_true(tu_json_get(v, "reset")->boolean);
    assert_int_equal(tu_json_get(v, "verified")->boolean, verified);
    tu_json_free(v);
}

/* A fresh F4's option bytes (RDP level 0, no write protection) with another BOR level. */
static const uint8_t f4_ob[16] = {0xE0, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static void test_the_reset_after_the_last_block_is_success(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_f4", "stm32f405", NULL);
    char *ob = tu_path(b.dir, "ob.bin"), *fw = tu_path(b.dir, "fw.bin");
    tu_write_file(ob, f4_ob, sizeof(f4_ob));
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, ob, "--alt", "1", "--address", "0x1FFFC000",
              "--journal-dir", b.jdir, NULL);
    tu_expect_exit(&r, 0, "the device reset to load its option bytes, which read back as written");
    assert_non_null(strstr(r.out, "verified 16 bytes"));
    tu_result_free(&r);
    expect_no_journal(&b);
    expect_held(b.spec, F4_OB, f4_ob, sizeof(f4_ob));
    /* Nothing is left pending: the board takes the next image as any other. */
    tu_write_app(fw, 0x08000000, 8192, 0x20020000, 3);
    tu_dfuctl(&r, "flash", "-d", b.spec, fw, "--address", "0x08000000", "--journal-dir", b.jdir,
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* The same without a journal and with --no-leave, as JSON. */
    tu_dfuctl(&r, "flash", "-d", b.spec, ob, "--alt", "1", "--address", "0x1FFFC000",
              "--no-journal", "--no-leave", "--json", "-q", NULL);
    tu_expect_exit(&r, 0, NULL);
    expect_json_result(&r, true);
    tu_result_free(&r);
    free(ob);
    free(fw);
    board_free(&b);
}

/* An L4's option bytes, read, changed (the USER byte after RDP) and written back. */
static void test_read_change_and_write_back_on_an_l4(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_l4", "stm32l476", NULL);
    char *ob = tu_path(b.dir, "ob.bin");
    tu_result r;
    tu_dfuctl(&r, "read", "-d", b.spec, "--alt", "1", "--address", "0x1FFF7800", "--size", "40",
              "-o", ob, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    size_t len;
    uint8_t *bytes = tu_read_file(ob, &len);
    assert_int_equal(len, 40);
    bytes[1] ^= 0x10;
    tu_write_file(ob, bytes, len);
    tu_dfuctl(&r, "flash", "-d", b.spec, ob, "--alt", "1", "--address", "0x1FFF7800", "--no-leave",
              "--journal-dir", b.jdir, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    expect_json_result(&r, true);
    tu_result_free(&r);
    expect_no_journal(&b);
    expect_held(b.spec, L4_OB, bytes, len);
    free(bytes);
    free(ob);
    board_free(&b);
}

/* A DfuSe file with the application and the option bytes: both written, both read back. */
static char *flash_and_ob_file(const board *b, uint8_t **app)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, 0, "Internal Flash", NULL), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, 1, "Option Bytes", NULL), DFU_OK);
    *app = tu_app_bytes(0x08000000, 40 * 1024, 0x20020000, 21);
    assert_int_equal(dfu_image_add_data(NULL, img, 0, 0x08000000, *app, 40 * 1024), DFU_OK);
    assert_int_equal(dfu_image_add_data(NULL, img, 1, F4_OB, f4_ob, sizeof(f4_ob)), DFU_OK);
    char *file = tu_path(b->dir, "fw.dfu");
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_DFUSE;
    assert_int_equal(dfu_image_save(NULL, img, file, &so), DFU_OK);
    dfu_image_free(img);
    return file;
}

static void test_a_dfuse_file_with_flash_and_option_bytes(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_dfuse", "stm32f405", NULL);
    uint8_t *app;
    char *file = flash_and_ob_file(&b, &app);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, file, "--journal-dir", b.jdir, "--json", NULL);
    tu_expect_exit(&r, 0, NULL);
    expect_json_result(&r, true);
    tu_result_free(&r);
    expect_no_journal(&b);
    expect_held(b.spec, F4_OB, f4_ob, sizeof(f4_ob));
    uint8_t *got = malloc(40 * 1024);
    tu_sim_peek(b.spec, 0x08000000, got, 40 * 1024);
    assert_memory_equal(got, app, 40 * 1024);
    free(got);
    free(app);
    free(file);
    board_free(&b);
}

/* An interrupted update that includes option bytes is finished by recover, whose own write of
 * them ends in the same reset. */
static void test_recover_finishes_an_update_with_option_bytes(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_recover", "stm32f405", NULL);
    uint8_t *app;
    char *file = flash_and_ob_file(&b, &app);
    char faulty[700], replug[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=powerloss@block:10", b.spec);
    snprintf(replug, sizeof(replug), "%s,replug", b.spec);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, file, "--journal-dir", b.jdir, NULL);
    tu_expect_exit(&r, 6, "dfuctl recover");
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", replug, "--journal-dir", b.jdir, NULL);
    tu_expect_exit(&r, 0, "the device reset to load its option bytes");
    tu_result_free(&r);
    expect_no_journal(&b);
    expect_held(b.spec, F4_OB, f4_ob, sizeof(f4_ob));
    tu_dfuctl(&r, "verify", "-d", b.spec, file, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    free(app);
    free(file);
    board_free(&b);
}

/* BOOT0 low: after the reset the board starts its application, so the option bytes cannot be
 * read back; the write succeeded, and the result says they were not read back. */
static void test_not_read_back_when_the_board_starts_its_application(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_boot0", "stm32f405", NULL);
    char *ob = tu_path(b.dir, "ob.bin"), *fw = tu_path(b.dir, "fw.bin");
    tu_write_file(ob, f4_ob, sizeof(f4_ob));
    tu_write_app(fw, 0x08000000, 8192, 0x20020000, 5);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);
    /* Still in the ROM (it has not been reset since), now with BOOT0 low. */
    char low[700];
    snprintf(low, sizeof(low), "%s,boot0=0", b.spec);
    tu_dfuctl(&r, "flash", "-d", low, ob, "--alt", "1", "--address", "0x1FFFC000", "--journal-dir",
              b.jdir, NULL);
    tu_expect_exit(&r, 0, "the device reset to load its option bytes (they were not read back)");
    tu_result_free(&r);
    expect_no_journal(&b);
    expect_held(b.spec, F4_OB, f4_ob, sizeof(f4_ob));
    free(ob);
    free(fw);
    board_free(&b);
}

/* Option bytes that turn read protection on come back unreadable: written all the same, with a
 * warning saying why they were not read back. */
static void test_not_read_back_when_they_protect_the_board(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_rdp", "stm32f405", NULL);
    char *ob = tu_path(b.dir, "ob.bin");
    uint8_t level1[16];
    memcpy(level1, f4_ob, sizeof(level1));
    level1[1] = 0xBB;
    tu_write_file(ob, level1, sizeof(level1));
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, ob, "--alt", "1", "--address", "0x1FFFC000",
              "--journal-dir", b.jdir, "--json", NULL);
    tu_expect_exit(&r, 0, "the option bytes could not be read back: reading 0x1fffc000");
    assert_non_null(strstr(r.err, "errVENDOR"));
    expect_json_result(&r, false);
    tu_result_free(&r);
    expect_no_journal(&b);
    free(ob);
    board_free(&b);
}

/* The device lost before it took the last block, or resetting after an earlier one, has not
 * written the option bytes asked for: an error, and the journal is kept. */
static void test_a_loss_before_the_last_block_is_an_error(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_ob_lost", "stm32f405", NULL);
    char *ob = tu_path(b.dir, "ob.bin");
    tu_write_file(ob, f4_ob, sizeof(f4_ob));
    char faulty[700];
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:0", b.spec);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, ob, "--alt", "1", "--address", "0x1FFFC000",
              "--journal-dir", b.jdir, NULL);
    tu_expect_exit(&r, 6, "writing 16 bytes at 0x1fffc000");
    assert_null(strstr(r.out, "reset to load"));
    tu_result_free(&r);
    uint8_t *kept = tu_read_file(b.journal, NULL);
    assert_non_null(kept);
    free(kept);
    free(ob);
    board_free(&b);

    /* An L4 takes 40 bytes; in blocks of 8 it resets after the first. */
    board_new(&b, "cli_ob_blocks", "stm32l476", NULL);
    ob = tu_path(b.dir, "ob.bin");
    uint8_t bytes[40];
    tu_sim_peek(b.spec, L4_OB, bytes, sizeof(bytes));
    bytes[1] ^= 0x10;
    tu_write_file(ob, bytes, sizeof(bytes));
    tu_dfuctl(&r, "flash", "-d", b.spec, ob, "--alt", "1", "--address", "0x1FFF7800",
              "--transfer-size", "8", "--no-journal", NULL);
    tu_expect_exit(&r, 6, "writing 8 bytes at 0x1fff7800 (block 2)");
    assert_null(strstr(r.out, "reset to load"));
    tu_result_free(&r);
    free(ob);
    board_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_reset_after_the_last_block_is_success),
        cmocka_unit_test(test_read_change_and_write_back_on_an_l4),
        cmocka_unit_test(test_a_dfuse_file_with_flash_and_option_bytes),
        cmocka_unit_test(test_recover_finishes_an_update_with_option_bytes),
        cmocka_unit_test(test_not_read_back_when_the_board_starts_its_application),
        cmocka_unit_test(test_not_read_back_when_they_protect_the_board),
        cmocka_unit_test(test_a_loss_before_the_last_block_is_an_error),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
