/*
 * Ctrl-C and SIGTERM during dfuctl flash, on a simulated board running in real time: the update
 * stops at a block boundary with the board in dfuIDLE, the journal kept, exit code 8 and the
 * recover command printed; in the middle of a long erase it stops within a moment, leaving the
 * board to finish the erase; a second signal stops at once, the journal still usable; and
 * dfuctl recover then finishes the update.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simutil.h"

typedef struct running {
    pid_t pid;
    char *err_path, *out_path;
    bool json;
} running;

/* dfuctl with args (NULL-terminated, at most 12), and --json when r->json. */
static void start_dfuctl(running *r, const char *dir, const char *const *args)
{
    r->err_path = tu_path(dir, "stderr.txt");
    r->out_path = tu_path(dir, "stdout.txt");
    const char *argv[16] = {DFUCTL_PATH};
    size_t n = 1;
    while (n < 13 && args[n - 1]) argv[n] = args[n - 1], n++;
    if (r->json) argv[n++] = "--json";
    argv[n] = NULL;
    fflush(stdout);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        if (!freopen(r->err_path, "w", stderr) || !freopen(r->out_path, "w", stdout)) _exit(126);
        execv(DFUCTL_PATH, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
}

static void start_flash(running *r, const char *dir, const char *spec, const char *fw,
                        const char *address, const char *journal, bool mass_erase)
{
    const char *args[] = {"flash",
                          "-d",
                          spec,
                          fw,
                          "--address",
                          address,
                          "--journal-dir",
                          journal,
                          mass_erase ? "--mass-erase" : NULL,
                          NULL};
    start_dfuctl(r, dir, args);
}

static bool wrote(const char *path, const char *what)
{
    uint8_t *text = tu_read_file(path, NULL);
    bool seen = text && strstr((const char *)text, what);
    free(text);
    return seen;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Fails the test, after killing dfuctl (SIGKILL) and reaping it if it is still there: a failure
 * leaves no dfuctl running on into the next test or past ctest's timeout. What dfuctl wrote to
 * stderr follows the message. */
static void stop_and_fail(running *r, const char *fmt, ...) DFU_PRINTF(2, 3);
static void stop_and_fail(running *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        r->pid = 0;
    }
    uint8_t *err = r->err_path ? tu_read_file(r->err_path, NULL) : NULL;
    fail_msg("%s\ndfuctl's stderr:\n%s", msg, err ? (const char *)err : "(none)");
}

/* Waits (up to 20 s) until dfuctl has written what to stderr or stdout (where --json progress
 * and what it says it is about to do go). */
static void wait_for_output(running *r, const char *what)
{
    for (int i = 0; i < 2000; i++) {
        if (wrote(r->err_path, what) || wrote(r->out_path, what)) return;
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            r->pid = 0;
            stop_and_fail(r, "dfuctl ended (status 0x%x) without printing \"%s\"", status, what);
        }
        sleep_ms(10);
    }
    stop_and_fail(r, "dfuctl never printed \"%s\"", what);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Signals dfuctl, which must still be running. */
static void send_signal(running *r, int sig)
{
    if (kill(r->pid, sig) != 0) stop_and_fail(r, "kill(%d): %s", sig, strerror(errno));
}

/* Waits for dfuctl to exit after a signal, and returns its exit code (128 + the signal when one
 * killed it). After 10 s (every case here expects well under 2), dfuctl is killed and the test
 * fails. */
static int wait_exit(running *r)
{
    int status;
    for (int i = 0; i < 2000; i++) {
        pid_t got = waitpid(r->pid, &status, WNOHANG);
        if (got == r->pid) {
            r->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (got < 0 && errno != EINTR) stop_and_fail(r, "waitpid: %s", strerror(errno));
        sleep_ms(5);
    }
    stop_and_fail(r, "dfuctl still running 10 s after the signal");
    return -1;
}

static const char first_msg[] = "interrupted: finishing the current block";
static const char second_msg[] =
    "dfuctl: stopped at once; the journal is kept. Finish the update with:";
static const char settled_msg[] = "the device is back in dfuIDLE";

/* times 1: interrupted while writing. times 2: a second signal comes in the middle of the erase
 * of a 128 KiB sector (2 s on this board), at once after the first: another signal, since two
 * alike sent together would arrive as one, and the first alone now ends the erase's wait within
 * a moment too. */
static void interrupted_then_recovered(const char *name, int sig, int times, bool json)
{
    char *dir = tu_tmpdir(name);
    char *fw = tu_path(dir, "fw.bin"), *journal = tu_path(dir, "journal");
    char spec[600], clean[600];
    uint32_t base = times == 1 ? 0x08000000 : 0x08020000;
    char address[16];
    snprintf(address, sizeof(address), "0x%08x", base);
    /* realtime: the board takes its real time (about 3 s for 40 KiB), so there is time to
     * interrupt it in the middle. */
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, "realtime");
    tu_sim_spec(clean, sizeof(clean), "stm32f405", dir, NULL);
    tu_write_app(fw, base, 40 * 1024, 0x20020000, 11);
    running r = {0, NULL, NULL, json};
    start_flash(&r, dir, spec, fw, address, journal, false);
    if (json)
        wait_for_output(&r, times == 1 ? "\"phase\":\"write\"" : "\"phase\":\"erase\"");
    else
        wait_for_output(&r, times == 1 ? "write:" : "erase:");
    send_signal(&r, sig);
    uint64_t second_at = 0;
    if (times == 2) {
        second_at = now_ms();
        send_signal(&r, sig == SIGINT ? SIGTERM : SIGINT);
    }
    int code = wait_exit(&r);
    uint64_t took_ms = now_ms() - second_at;
    uint8_t *err = tu_read_file(r.err_path, NULL);
    if (code != 8) fail_msg("exit %d, expected 8 (interrupted)\n%s", code, err);
    assert_non_null(strstr((const char *)err, "dfuctl recover"));
    assert_non_null(strstr((const char *)err, first_msg));
    if (times == 1) {
        assert_null(strstr((const char *)err, second_msg));
        assert_non_null(strstr((const char *)err, settled_msg));
    } else {
        if (!strstr((const char *)err, second_msg) || strstr((const char *)err, settled_msg))
            fail_msg("the second signal did not stop dfuctl at once:\n%s", err);
        /* The command it names is the whole one: the selector (it has no fault to drop) and
         * the journal directory. */
        char command[1400];
        snprintf(command, sizeof(command), "dfuctl recover -d '%s' --journal-dir '%s'", spec,
                 journal);
        if (!strstr((const char *)err, command)) fail_msg("no \"%s\" in:\n%s", command, err);
        /* Not waiting for the erase to end: it takes 2 s, and the signals came as it began (dfuctl
         * runs on its own here, never under DFU_TEST_WRAPPER). */
        if (took_ms > 1500)
            fail_msg("exited %llu ms after the second signal", (unsigned long long)took_ms);
    }
    free(err);
    if (json) {
        /* Every line is a JSON object, and the last says how it ended, even when stopped at
         * once (README: with --json every failure ends with a result or error object). */
        char *out = (char *)tu_read_file(r.out_path, NULL);
        assert_non_null(out);
        size_t n = tu_json_line_count(out);
        assert_true(n >= 2);
        for (size_t i = 0; i < n; i++) {
            tu_json *line = tu_json_parse_line(out, i);
            if (!line) fail_msg("line %zu is not JSON:\n%s", i, out);
            tu_json_free(line);
        }
        tu_json *last = tu_json_parse_line(out, n - 1);
        const char *type = tu_json_get(last, "type")->string;
        assert_string_equal(type, times == 2 ? "error" : "result");
        assert_int_equal(tu_json_get(last, "exit_code")->integer, 8);
        if (times == 2) {
            assert_string_equal(tu_json_get(last, "error")->string, "cancelled");
            assert_string_equal(tu_json_get(last, "command")->string, "flash");
            if (!strstr(tu_json_get(last, "message")->string, "dfuctl recover -d '"))
                fail_msg("%s", tu_json_get(last, "message")->string);
        }
        tu_json_free(last);
        free(out);
    }
    /* The journal was kept and is usable. */
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    assert_true(dfu_journal_steps_done(j) < dfu_journal_step_count(j));
    dfu_journal_free(j);
    /* Once: stopped at a block boundary, the board waits in dfuIDLE, not mid-transfer.
     * Twice: left in the middle of the erase, never taken back to dfuIDLE. */
    dfu_sim *sim;
    assert_int_equal(dfu_sim_new(&sim, ctx, clean), DFU_OK);
    int left = (int)dfu_sim_state(sim);
    if (times == 1 ? left != DFU_STATE_DFU_IDLE
                   : left != DFU_STATE_DNBUSY && left != DFU_STATE_DNLOAD_SYNC)
        fail_msg("the board was left in %s", dfu_state_name(left));
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    tu_result res;
    tu_dfuctl(&res, "recover", "-d", clean, "--journal-dir", journal, NULL);
    if (res.exit_code != 0) fail_msg("recover: exit %d\n%s", res.exit_code, res.err);
    tu_result_free(&res);
    uint8_t *want = tu_app_bytes(base, 40 * 1024, 0x20020000, 11), *got = malloc(40 * 1024);
    tu_sim_peek(clean, base, got, 40 * 1024);
    assert_memory_equal(got, want, 40 * 1024);
    free(want);
    free(got);
    free(r.err_path);
    free(r.out_path);
    free(fw);
    free(journal);
    free(dir);
}

/* Ctrl-C while dfuctl waits for a board (--wait) ends the wait at once: exit 8, and with --json
 * the error object, though nothing had started. */
static void interrupted_while_waiting(const char *name, bool json)
{
    char *dir = tu_tmpdir(name);
    char *fw = tu_path(dir, "fw.bin");
    tu_write_app(fw, 0x08000000, 1024, 0x20020000, 3);
    running r = {0, NULL, NULL, json};
    /* BOOT0 low, flash blank: the board runs nothing and never enumerates. The wait (20 s) is
     * longer than wait_exit() gives dfuctl, so only the Ctrl-C can end it in time. */
    const char *args[] = {"flash",  "-v", "-d", "sim:stm32f405,boot0=0,realtime",
                          "--wait", "20", fw,   NULL};
    start_dfuctl(&r, dir, args);
    wait_for_output(&r, "waiting up to 20000 ms");
    uint64_t at = now_ms();
    send_signal(&r, SIGINT);
    int code = wait_exit(&r);
    uint64_t took_ms = now_ms() - at;
    uint8_t *err = tu_read_file(r.err_path, NULL);
    if (code != 8) fail_msg("exit %d, expected 8 (interrupted)\n%s", code, err);
    if (took_ms > 1500) fail_msg("exited %llu ms after Ctrl-C", (unsigned long long)took_ms);
    assert_non_null(strstr((const char *)err, "interrupted: no longer waiting for the device"));
    assert_non_null(strstr((const char *)err, "cancelled while waiting for a device matching"));
    assert_null(strstr((const char *)err, "dfuctl recover")); /* nothing to recover */
    if (json) {
        char *out = (char *)tu_read_file(r.out_path, NULL);
        assert_non_null(out);
        tu_json *last = tu_json_parse_line(out, tu_json_line_count(out) - 1);
        if (!last) fail_msg("not JSON:\n%s", out);
        assert_string_equal(tu_json_get(last, "type")->string, "error");
        assert_string_equal(tu_json_get(last, "error")->string, "cancelled");
        assert_int_equal(tu_json_get(last, "exit_code")->integer, 8);
        tu_json_free(last);
        free(out);
    }
    free(err);
    free(r.err_path);
    free(r.out_path);
    free(fw);
    free(dir);
}

/* The embedder's report, at the command line: Ctrl-C in the middle of a mass erase (16 s on this
 * board, which holds the status request all along) waited for the whole erase. It now ends the
 * wait within a moment: exit 8, the board left to finish the erase by itself, the journal kept
 * and the recover command printed; and the recover then finishes the update. */
static void test_ctrl_c_during_a_mass_erase_stops_at_once(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sig_mass");
    char *fw = tu_path(dir, "fw.bin"), *journal = tu_path(dir, "journal");
    char spec[600], clean[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, "realtime");
    tu_sim_spec(clean, sizeof(clean), "stm32f405", dir, NULL);
    tu_write_app(fw, 0x08000000, 8 * 1024, 0x20020000, 12);
    running r = {0, NULL, NULL, false};
    start_flash(&r, dir, spec, fw, "0x08000000", journal, true);
    wait_for_output(&r, "erase:");
    /* Well into the erase's wait. dfuctl prints nothing during it (no heartbeat line, even with
     * -v or --json), so there is no line to wait for; the erase takes 16 s, so 500 ms cannot
     * overshoot it, and the message checked below says the cancel came in the mass erase. */
    sleep_ms(500);
    uint64_t at = now_ms();
    send_signal(&r, SIGINT);
    int code = wait_exit(&r);
    uint64_t took_ms = now_ms() - at;
    uint8_t *err = tu_read_file(r.err_path, NULL);
    if (code != 8) fail_msg("exit %d, expected 8 (interrupted)\n%s", code, err);
    if (took_ms > 1500)
        fail_msg("exited %llu ms after Ctrl-C:\n%s", (unsigned long long)took_ms, err);
    assert_non_null(strstr((const char *)err, first_msg));
    assert_null(strstr((const char *)err, second_msg));
    if (!strstr((const char *)err, "while the device was busy (mass erase): it finishes that by "
                                   "itself"))
        fail_msg("%s", err);
    char command[1400];
    snprintf(command, sizeof(command),
             "finish it with:\n  dfuctl recover -d '%s' --journal-dir '%s'", spec, journal);
    if (!strstr((const char *)err, command)) fail_msg("no \"%s\" in:\n%s", command, err);
    free(err);
    tu_result res;
    tu_dfuctl(&res, "recover", "-d", clean, "--journal-dir", journal, NULL);
    if (res.exit_code != 0) fail_msg("recover: exit %d\n%s", res.exit_code, res.err);
    tu_result_free(&res);
    uint8_t *want = tu_app_bytes(0x08000000, 8 * 1024, 0x20020000, 12), *got = malloc(8 * 1024);
    tu_sim_peek(clean, 0x08000000, got, 8 * 1024);
    assert_memory_equal(got, want, 8 * 1024);
    free(want);
    free(got);
    free(r.err_path);
    free(r.out_path);
    free(fw);
    free(journal);
    free(dir);
}

/* dfuctl erase --mass has no progress to report: the interrupt reaches the library through the
 * context's cancel callback, and ends the wait as promptly. */
static void test_ctrl_c_ends_erase_mass(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sig_erase_mass");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, "realtime");
    running r = {0, NULL, NULL, false};
    const char *args[] = {"erase", "--mass", "-d", spec, NULL};
    start_dfuctl(&r, dir, args);
    wait_for_output(&r, "mass erase: the device erases its whole flash");
    /* Into the wait: as above, dfuctl prints nothing during it; the message checked below says
     * how long it had waited, which must be at least this. */
    sleep_ms(500);
    uint64_t at = now_ms();
    send_signal(&r, SIGINT);
    int code = wait_exit(&r);
    uint64_t took_ms = now_ms() - at;
    uint8_t *err = tu_read_file(r.err_path, NULL);
    if (code != 8) fail_msg("exit %d, expected 8 (interrupted)\n%s", code, err);
    if (took_ms > 1500)
        fail_msg("exited %llu ms after Ctrl-C:\n%s", (unsigned long long)took_ms, err);
    const char *cancelled = strstr((const char *)err, "mass erase: cancelled after ");
    unsigned waited_ms = 0;
    if (!cancelled ||
        sscanf(cancelled, "mass erase: cancelled after %u ms of waiting for the device",
               &waited_ms) != 1)
        fail_msg("%s", err);
    if (waited_ms < 450) fail_msg("cancelled after %u ms, not in the wait:\n%s", waited_ms, err);
    assert_null(strstr((const char *)err, "dfuctl recover")); /* no update to finish */
    free(err);
    free(r.err_path);
    free(r.out_path);
    free(dir);
}

static void test_ctrl_c_ends_a_wait_for_the_device(void **state)
{
    (void)state;
    interrupted_while_waiting("sig_wait", false);
    interrupted_while_waiting("sig_wait_json", true);
}

static void test_ctrl_c_stops_cleanly(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_int", SIGINT, 1, false);
}

static void test_sigterm_stops_cleanly(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_term", SIGTERM, 1, false);
}

/* Ctrl-C then SIGTERM: two different signals, since two alike sent together arrive as one. */
static void test_a_second_signal_stops_at_once(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_int_twice", SIGINT, 2, false);
}

static void test_json_lines_end_with_an_object_however_stopped(void **state)
{
    (void)state;
    interrupted_then_recovered("sig_int_json", SIGINT, 1, true);
    interrupted_then_recovered("sig_int_twice_json", SIGINT, 2, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctrl_c_stops_cleanly),
        cmocka_unit_test(test_sigterm_stops_cleanly),
        cmocka_unit_test(test_a_second_signal_stops_at_once),
        cmocka_unit_test(test_json_lines_end_with_an_object_however_stopped),
        cmocka_unit_test(test_ctrl_c_during_a_mass_erase_stops_at_once),
        cmocka_unit_test(test_ctrl_c_ends_erase_mass),
        cmocka_unit_test(test_ctrl_c_ends_a_wait_for_the_device),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
