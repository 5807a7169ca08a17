/*
 * Ctrl-C and SIGTERM during dfuctl flash, on a simulated board running in real time: the update
 * stops at a block boundary with the board in dfuIDLE, the journal kept, exit code 8 and the
 * recover command printed; a second Ctrl-C stops at once, the journal still usable; and
 * dfuctl recover then finishes the update.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simutil.h"

typedef struct running {
    pid_t pid;
    char *err_path;
} running;

static void start_flash(running *r, const char *dir, const char *spec, const char *fw,
                        const char *journal)
{
    r->err_path = tu_path(dir, "stderr.txt");
    fflush(stdout);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        if (!freopen(r->err_path, "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(126);
        execl(DFUCTL_PATH, DFUCTL_PATH, "flash", "-d", spec, fw, "--address", "0x08000000",
              "--journal-dir", journal, (char *)NULL);
        _exit(127);
    }
}

/* Waits (up to 20 s) until the flash reports it is writing: the signal handler is in place. */
static void wait_for_writing(const running *r)
{
    for (int i = 0; i < 2000; i++) {
        uint8_t *text = tu_read_file(r->err_path, NULL);
        bool writing = text && strstr((const char *)text, "write:");
        free(text);
        if (writing) return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("dfuctl flash never started writing");
}

static int wait_exit(const running *r)
{
    int status;
    assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void interrupted_then_recovered(const char *name, int sig, int times)
{
    char *dir = tu_tmpdir(name);
    char *fw = tu_path(dir, "fw.bin"), *journal = tu_path(dir, "journal");
    char spec[600], clean[600];
    /* realtime: the board takes its real time (about 3 s for 40 KiB), so there is time to
     * interrupt it in the middle. */
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, "realtime");
    tu_sim_spec(clean, sizeof(clean), "stm32f405", dir, NULL);
    tu_write_app(fw, 0x08000000, 40 * 1024, 0x20020000, 11);
    running r;
    start_flash(&r, dir, spec, fw, journal);
    wait_for_writing(&r);
    for (int i = 0; i < times; i++) kill(r.pid, sig);
    int code = wait_exit(&r);
    uint8_t *err = tu_read_file(r.err_path, NULL);
    if (code != 8) fail_msg("exit %d, expected 8 (interrupted)\n%s", code, err);
    assert_non_null(strstr((const char *)err, "dfuctl recover"));
    free(err);
    /* The journal was kept and is usable. */
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    assert_true(dfu_journal_steps_done(j) < dfu_journal_step_count(j));
    dfu_journal_free(j);
    if (times == 1) {
        /* Stopped at a block boundary: the board waits in dfuIDLE, not mid-transfer. */
        dfu_sim *sim;
        assert_int_equal(dfu_sim_new(&sim, ctx, clean), DFU_OK);
        assert_int_equal(dfu_sim_state(sim), DFU_STATE_DFU_IDLE);
        dfu_sim_free(sim);
    }
    dfu_ctx_free(ctx);
    tu_result res;
    tu_dfuctl(&res, "recover", "-d", clean, "--journal-dir", journal, NULL);
    if (res.exit_code != 0) fail_msg("recover: exit %d\n%s", res.exit_code, res.err);
    tu_result_free(&res);
    uint8_t *want = tu_app_bytes(0x08000000, 40 * 1024, 0x20020000, 11), *got = malloc(40 * 1024);
    tu_sim_peek(clean, 0x08000000, got, 40 * 1024);
    assert_memory_equal(got, want, 40 * 1024);
    free(want);
    free(got);
    free(r.err_path);
    free(fw);
    free(journal);
    free(dir);
}

static void test_ctrl_c_stops_cleanly(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_int", SIGINT, 1);
}

static void test_sigterm_stops_cleanly(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_term", SIGTERM, 1);
}

static void test_second_ctrl_c_stops_at_once(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_int_twice", SIGINT, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctrl_c_stops_cleanly),
        cmocka_unit_test(test_sigterm_stops_cleanly),
        cmocka_unit_test(test_second_ctrl_c_stops_at_once),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
