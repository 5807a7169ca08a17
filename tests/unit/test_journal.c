/* Recovery journals as text: what is read, what is refused, and writing back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "update/journal_internal.h"

#define HEAD                                                                                       \
    "libdfu-journal 1\nselector sim:stm32f405\npath sim-1\nserial 396F376A3635\nvid 0483\n"        \
    "pid df11\ndfuse 1\nimage fw.hex\n"                                                            \
    "digest f8cc5cc6c1a213a7b48a194d45270c461e52f42a5fe1a581f9a566af675f02da\norder safe\n"        \
    "mass-erase 0\nno-leave 0\nno-verify 0\nstarted 1795235728\n"

static const char journal[] = HEAD "steps 4\n"
                                   "step 0 erase 0 0x08000000 16384 1\n"
                                   "step 1 write 0 0x08000000 12588 1\n"
                                   "step 2 verify 0 0x08000000 12588 0\n"
                                   "step 3 leave 0 0x08000000 0 0\n";

static void test_reads_what_the_writer_writes(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j;
    assert_int_equal(dfu_journal_parse(&j, ctx, "d/sim-1.journal", journal, strlen(journal)),
                     DFU_OK);
    assert_string_equal(dfu_journal_device_path(j), "sim-1");
    assert_string_equal(dfu_journal_image_path(j), "fw.hex");
    assert_int_equal(dfu_journal_step_count(j), 4);
    assert_int_equal(dfu_journal_steps_done(j), 2);
    assert_string_equal(j->image_file, "d/sim-1.image.dfu");
    dfu_buf b = DFU_BUF_INIT;
    assert_int_equal(dfu_journal_format(&b, j), DFU_OK);
    assert_string_equal((const char *)b.data, journal);
    dfu_buf_free(&b);
    dfu_journal_free(j);
    dfu_ctx_free(ctx);
}

/* The text ends at len, NUL or not: what lies beyond (a reused buffer) is not the journal. */
static void test_reads_only_len_bytes(void **state)
{
    (void)state;
    char text[sizeof(journal) + 64];
    snprintf(text, sizeof(text), "%sstep 3 leave 0 0x08004000 0 1\n", journal);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j;
    assert_int_equal(dfu_journal_parse(&j, ctx, "d/sim-1.journal", text, strlen(journal)), DFU_OK);
    assert_int_equal(dfu_journal_steps_done(j), 2);
    dfu_journal_free(j);
    dfu_ctx_free(ctx);
}

static void expect_damaged(const char *text, const char *where)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j = NULL;
    assert_int_equal(dfu_journal_parse(&j, ctx, "d/sim-1.journal", text, strlen(text)),
                     DFU_ERR_FORMAT);
    assert_null(j);
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, where) || !strstr(msg, "dfu_journal_discard()"))
        fail_msg("message \"%s\" lacks \"%s\"", msg, where);
    dfu_ctx_free(ctx);
}

/* Found by fuzz_journal: steps the journal announced but never listed were taken as zero-size
 * erases at 0x00000000, the same step could be listed twice, and steps no plan has (alternate
 * setting -1, a range past 4 GiB, a write of nothing) were accepted; recovery acts on them. */
static void test_refuses_steps_no_writer_wrote(void **state)
{
    (void)state;
    expect_damaged(HEAD "steps 2\nstep 0 erase 0 0x08000000 16384 1\n",
                   "sim-1.journal:16: step 1 of 2 is missing");
    expect_damaged(HEAD "steps 2\nstep 0 erase 0 0x08000000 16384 1\n"
                        "step 0 erase 0 0x08000000 16384 1\n",
                   "sim-1.journal:17: malformed line");
    expect_damaged(HEAD "steps 1\nstep 0 erase -1 0x08000000 16384 1\n", ":16: malformed");
    expect_damaged(HEAD "steps 1\nstep 0 write 0 0xFFFFF000 8192 0\n", ":16: malformed");
    expect_damaged(HEAD "steps 1\nstep 0 write 0 0x08000000 0 0\n", ":16: malformed");
    expect_damaged(HEAD "steps 1\nstep 0 leave 0 0x08000000 4 0\n", ":16: malformed");
}

/* Found by fuzz_journal: an empty file was "line 0: incomplete journal". */
static void test_names_a_line_the_file_has(void **state)
{
    (void)state;
    expect_damaged("", "sim-1.journal:1: not a libdfu journal");
    expect_damaged("libdfu-journal 1\npath sim-1\n", "sim-1.journal:2: no selector line");
    expect_damaged("libdfu-journal 1\nselector x\npath sim-1\n", ":3: no steps line");
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Boards named by the selector their update recorded: the one that matches, none, or several. */
static void test_finds_a_journal_by_its_selector(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("journal_by_selector");
    char *a = tu_path(dir, "sim-1.journal"), *b = tu_path(dir, "1-2.journal");
    write_text(a, journal);
    char other[sizeof(journal) + 64];
    const char *rest = strstr(journal, "serial ");
    snprintf(other, sizeof(other), "libdfu-journal 1\nselector path=1-2\npath 1-2\n%s", rest);
    write_text(b, other);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j = (dfu_journal *)0x1;
    assert_int_equal(dfu_journal_find_selector(&j, ctx, dir, "sim:stm32f405"), DFU_OK);
    assert_string_equal(dfu_journal_device_path(j), "sim-1");
    dfu_journal_free(j);
    assert_int_equal(dfu_journal_find_selector(&j, ctx, dir, "sim:stm32h743"), DFU_ERR_NOT_FOUND);
    assert_null(j);
    /* dfu_journal_find cannot choose between them. */
    assert_int_equal(dfu_journal_find(&j, ctx, dir), DFU_ERR_AMBIGUOUS);
    if (!strstr(dfu_ctx_error(ctx)->message, "selector 'sim:stm32f405'"))
        fail_msg("%s", dfu_ctx_error(ctx)->message);
    /* Two that recorded the same selector: ambiguous. */
    write_text(b, journal);
    assert_int_equal(dfu_journal_find_selector(&j, ctx, dir, "sim:stm32f405"), DFU_ERR_AMBIGUOUS);
    assert_null(j);
    dfu_ctx_free(ctx);
    free(a);
    free(b);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_what_the_writer_writes),
        cmocka_unit_test(test_reads_only_len_bytes),
        cmocka_unit_test(test_refuses_steps_no_writer_wrote),
        cmocka_unit_test(test_names_a_line_the_file_has),
        cmocka_unit_test(test_finds_a_journal_by_its_selector),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
