/* A production line: several boards flashed at once by separate dfuctl processes that share a
 * journal directory (the user's default). Each process keeps to its own board and its own
 * journal; when some are interrupted, recover without -d lists them all, one per line, and
 * recover -d finishes each one and leaves the others' journals alone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

#define BOARDS   4
#define APP_SIZE (48 * 1024)

typedef struct line {
    char *dir;
    char *jdir;
    char *fw[BOARDS];
    char spec[BOARDS][700];
} line;

/* The entries of a directory that must exist: dfuctl makes the journal directory when it
 * journals, so a missing one means nothing was journaled, which no test here expects. */
static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("%s: %s (nothing was journaled?)", dir, strerror(errno));
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void line_new(line *l, const char *name, const char *fault)
{
    l->dir = tu_tmpdir(name);
    l->jdir = tu_path(l->dir, "journals");
    for (int i = 0; i < BOARDS; i++) {
        char sub[64], extra[96];
        snprintf(sub, sizeof(sub), "%s_board%d", name, i);
        char *bdir = tu_tmpdir(sub);
        /* Distinct port paths (by which the journals are kept), one shared ROM serial. */
        snprintf(extra, sizeof(extra), "path=3-%d%s%s", i + 1, fault ? "," : "",
                 fault ? fault : "");
        tu_sim_spec(l->spec[i], sizeof(l->spec[i]), "stm32f405", bdir, extra);
        char fwname[32];
        snprintf(fwname, sizeof(fwname), "fw%d.bin", i);
        l->fw[i] = tu_path(l->dir, fwname);
        tu_write_app(l->fw[i], 0x08000000, APP_SIZE, 0x20020000, 100 + (uint64_t)i);
        free(bdir);
    }
}

static void line_free(line *l)
{
    for (int i = 0; i < BOARDS; i++) free(l->fw[i]);
    free(l->jdir);
    free(l->dir);
}

/* Runs `dfuctl flash` on every board at once; returns each exit code in codes. */
static void flash_all(line *l, tu_result *results)
{
    tu_proc procs[BOARDS];
    for (int i = 0; i < BOARDS; i++) {
        const char *argv[] = {DFUCTL_PATH, "flash",     "-q",         "-d",
                              l->spec[i],  "--address", "0x08000000", "--journal-dir",
                              l->jdir,     l->fw[i],    NULL};
        tu_start(&procs[i], true, argv);
    }
    for (int i = 0; i < BOARDS; i++) tu_wait(&procs[i], &results[i]);
}

static void expect_board_holds(const char *spec, const char *fw)
{
    size_t len;
    uint8_t *want = tu_read_file(fw, &len);
    assert_non_null(want);
    uint8_t *got = malloc(len);
    tu_sim_peek(spec, 0x08000000, got, len);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
}

static void test_boards_flashed_at_once_each_get_their_own_image(void **state)
{
    (void)state;
    line l;
    line_new(&l, "cli_parallel_ok", NULL);
    tu_result r[BOARDS];
    flash_all(&l, r);
    for (int i = 0; i < BOARDS; i++) {
        if (r[i].exit_code != 0) fail_msg("board %d: exit %d: %s", i, r[i].exit_code, r[i].err);
        tu_result_free(&r[i]);
    }
    for (int i = 0; i < BOARDS; i++) expect_board_holds(l.spec[i], l.fw[i]);
    /* Every journal was removed when its update verified (from the directory they were kept
     * in). */
    assert_int_equal(count_files(l.jdir), 0);
    line_free(&l);
}

static void test_interrupted_boards_are_recovered_one_by_one(void **state)
{
    (void)state;
    line l;
    /* Each board's cable is pulled at its fourth block, and stays out until plugged again. */
    line_new(&l, "cli_parallel_cut", "fault=unplug@block:3:0");
    tu_result r[BOARDS];
    flash_all(&l, r);
    for (int i = 0; i < BOARDS; i++) {
        if (r[i].exit_code != 6) fail_msg("board %d: exit %d: %s", i, r[i].exit_code, r[i].err);
        tu_result_free(&r[i]);
    }
    assert_int_equal(count_files(l.jdir), 2 * BOARDS); /* journal + image copy each */

    /* Which one? All are listed, each on its own line with the selector to use. */
    tu_result rr;
    tu_dfuctl(&rr, "recover", "--journal-dir", l.jdir, NULL);
    if (rr.exit_code != 5) fail_msg("exit %d: %s", rr.exit_code, rr.err);
    char want[64];
    snprintf(want, sizeof(want), "%d interrupted updates are recorded", BOARDS);
    assert_non_null(strstr(rr.err, want));
    for (int i = 0; i < BOARDS; i++) {
        char item[32];
        snprintf(item, sizeof(item), "\n  3-%d: ", i + 1);
        if (!strstr(rr.err, item)) fail_msg("no line for 3-%d in: %s", i + 1, rr.err);
    }
    tu_result_free(&rr);

    /* Plugged in again one by one (replug), each recovered by its own selector. */
    for (int i = 0; i < BOARDS; i++) {
        char spec[760];
        snprintf(spec, sizeof(spec), "%s,replug", l.spec[i]);
        /* The fault that ended the first run is not the board's: drop it for the recovery. */
        char *fault = strstr(spec, ",fault=");
        assert_non_null(fault);
        memmove(fault, fault + strlen(",fault=unplug@block:3:0"),
                strlen(fault + strlen(",fault=unplug@block:3:0")) + 1);
        tu_dfuctl(&rr, "recover", "-q", "-d", spec, "--journal-dir", l.jdir, NULL);
        if (rr.exit_code != 0) fail_msg("recover board %d: exit %d: %s", i, rr.exit_code, rr.err);
        tu_result_free(&rr);
        assert_int_equal(count_files(l.jdir), 2 * (BOARDS - 1 - i));
        expect_board_holds(l.spec[i], l.fw[i]);
    }
    line_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boards_flashed_at_once_each_get_their_own_image),
        cmocka_unit_test(test_interrupted_boards_are_recovered_one_by_one),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
