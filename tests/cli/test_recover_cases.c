/*
 * dfuctl recover in the cases a field engineer meets after an interrupted update: a journal that
 * cannot be read, a journal directory without a home to put it in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "simutil.h"

/* An interrupted update of a board whose journal was then cut short (a full disk, an editor):
 * recover used to say "nothing to recover" and exit 0 over a half-written board. It is an
 * error naming the file, and both ways out work: recover FILE, or --discard. */
static void test_a_damaged_journal_is_an_error_not_nothing_to_recover(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_recover_damaged"), *jdir = tu_path(dir, "journal");
    char *fw = tu_path(dir, "fw.bin"), *journal = tu_path(jdir, "sim-1.journal");
    char spec[600], faulty[700], replug[700];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    snprintf(faulty, sizeof(faulty), "%s,fault=powerloss@block:5", spec);
    snprintf(replug, sizeof(replug), "%s,replug", spec);
    tu_write_app(fw, 0x08000000, 40 * 1024, 0x20020000, 7);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "dfuctl recover");
    tu_result_free(&r);
    size_t len;
    uint8_t *text = tu_read_file(journal, &len);
    assert_non_null(text);
    tu_write_file(journal, text, len / 3); /* truncated */
    free(text);

    /* Without -d, with -d, and as JSON: exit 3 naming the file, never "nothing to recover". */
    tu_dfuctl(&r, "recover", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 3, "sim-1.journal:");
    assert_null(strstr(r.err, "nothing to recover"));
    assert_non_null(strstr(r.err, "recover --discard"));
    assert_non_null(strstr(r.err, "dfuctl recover FILE"));
    tu_result_free(&r);
    tu_dfuctl(&r, "recover", "-d", replug, "--journal-dir", jdir, "--json", NULL);
    tu_expect_exit(&r, 3, "\"error\":\"format\"");
    assert_non_null(strstr(r.out, "sim-1.journal:"));
    tu_result_free(&r);

    /* recover FILE: a differential flash over it, whose own journal replaces the damaged one. */
    tu_dfuctl(&r, "recover", fw, "--address", "0x08000000", "-d", spec, "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 0, "flashing");
    tu_result_free(&r);
    assert_null(tu_read_file(journal, NULL));
    tu_dfuctl(&r, "verify", fw, "--address", "0x08000000", "-d", replug, NULL);
    tu_expect_exit(&r, 0, NULL);
    tu_result_free(&r);

    /* --discard is the other way out. */
    tu_write_file(journal, "libdfu-journal 1\nsteps 3\n", 25);
    tu_dfuctl(&r, "recover", "--discard", "--journal-dir", jdir, NULL);
    tu_expect_exit(&r, 0, "removed 1 damaged journal");
    tu_result_free(&r);
    assert_null(tu_read_file(journal, NULL));
    free(journal);
    free(fw);
    free(jdir);
    free(dir);
}

/* The variables the journal directory test changes, saved by its setup and put back by its
 * teardown (which cmocka runs after a failure too), so that no later test inherits them. */
static const char *const saved_names[] = {"HOME",       "XDG_STATE_HOME",  "DFU_JOURNAL_DIR",
                                          "LD_PRELOAD", "DFU_TEST_PW_DIR", "ASAN_OPTIONS"};
#define SAVED_COUNT (sizeof(saved_names) / sizeof(saved_names[0]))
static char *saved_values[SAVED_COUNT];

static int save_environment(void **state)
{
    (void)state;
    for (size_t i = 0; i < SAVED_COUNT; i++) {
        const char *v = getenv(saved_names[i]);
        saved_values[i] = v ? strdup(v) : NULL;
    }
    return 0;
}

static int restore_environment(void **state)
{
    (void)state;
    for (size_t i = 0; i < SAVED_COUNT; i++) {
        if (saved_values[i])
            setenv(saved_names[i], saved_values[i], 1);
        else
            unsetenv(saved_names[i]);
        free(saved_values[i]);
        saved_values[i] = NULL;
    }
    return 0;
}

/* dfuctl recover --json with nothing pending: exactly the object that names jdir. */
static void expect_nothing_recorded_in(const char *jdir)
{
    tu_result r;
    tu_dfuctl(&r, "recover", "--json", NULL);
    char want[4400];
    snprintf(want, sizeof(want),
             "{\"type\":\"recovery\",\"journal_found\":false,\"message\":\"no interrupted "
             "update recorded in %s\"}\n",
             jdir);
    if (r.exit_code != 0 || strcmp(r.out, want) != 0)
        fail_msg("recover --json: exit %d (want 0)\nstdout: %s\nwanted: %s\nstderr: %s",
                 r.exit_code, r.out, want, r.err);
    tu_result_free(&r);
}

/* The journal directory is absolute whatever the environment: with HOME unset (cron, systemd
 * units) it was ./.local/state/libdfu, and a relative XDG_STATE_HOME was used as it was, so a
 * journal written from one directory was never found by a recover run from another. Every home
 * here is a directory made for the test: the real account's is never looked at. */
static void test_the_journal_directory_never_depends_on_the_working_directory(void **state)
{
    (void)state;
    char *top = tu_tmpdir("cli_recover_home"), *home = tu_path(top, "home");
    char *state_home = tu_path(top, "state"), *account = tu_path(top, "account");
    assert_int_equal(mkdir(home, 0700), 0);
    assert_int_equal(mkdir(account, 0700), 0);
    char want[4200];
    unsetenv("DFU_JOURNAL_DIR");
    setenv("HOME", home, 1);

    /* A relative XDG_STATE_HOME is ignored (the XDG spec says so): $HOME's. */
    setenv("XDG_STATE_HOME", "relative/state", 1);
    snprintf(want, sizeof(want), "%s/.local/state/libdfu", home);
    expect_nothing_recorded_in(want);
    /* An absolute one is used. */
    setenv("XDG_STATE_HOME", state_home, 1);
    snprintf(want, sizeof(want), "%s/libdfu", state_home);
    expect_nothing_recorded_in(want);

    /* No HOME at all, or an empty one: the account's home directory (from getpwuid(), which the
     * preloaded library answers with one made here), never ".". */
    unsetenv("XDG_STATE_HOME");
#ifdef DFU_TEST_PWDIR_PRELOAD
    setenv("LD_PRELOAD", DFU_TEST_PWDIR_PRELOAD, 1);
    setenv("DFU_TEST_PW_DIR", account, 1);
    /* The ASan runtime insists on coming first in the library list, ahead of a preload. */
    const char *asan = getenv("ASAN_OPTIONS");
    char asan_opts[1200];
    snprintf(asan_opts, sizeof(asan_opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", asan_opts, 1);
    snprintf(want, sizeof(want), "%s/.local/state/libdfu", account);
    unsetenv("HOME");
    expect_nothing_recorded_in(want);
    setenv("HOME", "", 1);
    expect_nothing_recorded_in(want);
#else
    tu_note_skip("dfuctl without HOME: no getpwuid() preload on this platform "
                 "(tests/cli/CMakeLists.txt), and the real account's directory is not used");
#endif
    free(account);
    free(state_home);
    free(home);
    free(top);
}

/* The recover command dfuctl prints is run as printed: a state file and a journal directory
 * whose names hold a space and a quote used to come out as 'it's here', which no shell runs. */
static void test_the_printed_recover_command_runs_as_printed(void **state)
{
    (void)state;
    char *top = tu_tmpdir("cli_recover_quoting"), *dir = tu_path(top, "it's here");
    char *jdir = tu_path(dir, "journal dir"), *fw = tu_path(top, "fw.bin");
    assert_int_equal(mkdir(dir, 0700), 0);
    char spec[600], faulty[700];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    snprintf(faulty, sizeof(faulty), "%s,fault=powerloss@block:5", spec);
    tu_write_app(fw, 0x08000000, 40 * 1024, 0x20020000, 9);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", faulty, fw, "--address", "0x08000000", "--journal-dir", jdir,
              NULL);
    tu_expect_exit(&r, 6, "dfuctl recover -d ");
    const char *cmd = strstr(r.err, "dfuctl recover -d ");
    char line[4096];
    snprintf(line, sizeof(line), "%.*s", (int)strcspn(cmd, "\n"), cmd);
    tu_result_free(&r);

    /* The printed line, with dfuctl found where the tests run it, through sh. */
    char script[4400];
    snprintf(script, sizeof(script), "dfuctl() { \"$DFUCTL\" \"$@\"; }; %s", line);
    setenv("DFUCTL", DFUCTL_PATH, 1);
    const char *argv[] = {"sh", "-c", script, NULL};
    tu_run(&r, false, argv);
    tu_expect_exit(&r, 0, "found an interrupted update");
    tu_result_free(&r);
    char *journal = tu_path(jdir, "sim-1.journal");
    assert_null(tu_read_file(journal, NULL)); /* finished, so removed */
    free(journal);
    free(fw);
    free(jdir);
    free(dir);
    free(top);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_damaged_journal_is_an_error_not_nothing_to_recover),
        cmocka_unit_test_setup_teardown(
            test_the_journal_directory_never_depends_on_the_working_directory, save_environment,
            restore_environment),
        cmocka_unit_test(test_the_printed_recover_command_runs_as_printed),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
