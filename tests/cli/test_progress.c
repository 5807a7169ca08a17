/*
 * dfuctl's progress output, as each audience sees it: a bar redrawn in place on a terminal,
 * plain lines in a log, nothing with --quiet, and JSON lines (one per phase change and per
 * percent) with --json. The terminal is a pseudo-terminal on dfuctl's stderr.
 */
#define _DEFAULT_SOURCE  /* openpty, cfmakeraw (glibc) */
#define _DARWIN_C_SOURCE /* the same on macOS */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#ifdef __APPLE__
#include <util.h>
#else
#include <pty.h>
#endif

#include "simutil.h"

#define APP_SIZE (128u * 1024u)
/* Erasing the five sectors that hold 128 KiB, writing it and reading it back. */
#define OVERALL (3u * APP_SIZE)

typedef struct board {
    char *dir;
    char spec[600];
    char *fw;
} board;

static void board_new(board *b, const char *name)
{
    b->dir = tu_tmpdir(name);
    tu_sim_spec(b->spec, sizeof(b->spec), "stm32f405", b->dir, NULL);
    b->fw = tu_path(b->dir, "fw.bin");
    tu_write_app(b->fw, 0x08000000, APP_SIZE, 0x20020000, 41);
}

static void board_free(board *b)
{
    free(b->dir);
    free(b->fw);
}

static char *slurp(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;
    for (;;) {
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break; /* EIO on the pty's master once dfuctl has exited */
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    buf[n] = 0;
    return buf;
}

/* Runs dfuctl with stderr on a pseudo-terminal (what it writes there comes back in r->err, byte
 * for byte: the terminal translates nothing) and stdout in a file. */
static void dfuctl_on_terminal(tu_result *r, const char *const *args)
{
    memset(r, 0, sizeof(*r));
    int master, slave;
    struct termios raw;
    memset(&raw, 0, sizeof(raw));
    cfmakeraw(&raw); /* no "\n" -> "\r\n": a carriage return must be dfuctl's own */
    assert_int_equal(openpty(&master, &slave, NULL, &raw, NULL), 0);
    char out_path[] = "/tmp/dfu-test-out.XXXXXX";
    int out_fd = mkstemp(out_path);
    assert_true(out_fd >= 0);
    unlink(out_path);
    const char *argv[96];
    int n = 0;
    const char *w = getenv("DFU_TEST_WRAPPER"); /* as tu_dfuctl() does: e.g. valgrind */
    char *wrapper = w && *w ? strdup(w) : NULL;
    for (char *tok = wrapper ? strtok(wrapper, " ") : NULL; tok && n < 32; tok = strtok(NULL, " "))
        argv[n++] = tok;
    argv[n++] = DFUCTL_PATH;
    for (int i = 0; args[i] && n < 95; i++) argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(master);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(out_fd, 1);
        dup2(slave, 2);
        execvp(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    free(wrapper);
    close(slave);
    r->err = slurp(master); /* until dfuctl closes its side */
    close(master);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    lseek(out_fd, 0, SEEK_SET);
    r->out = slurp(out_fd);
    close(out_fd);
}

static void expect_ok(const tu_result *r)
{
    if (r->exit_code != 0)
        fail_msg("exit %d\nstderr: %s\nstdout: %s", r->exit_code, r->err, r->out);
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++) n += *s == c;
    return n;
}

static void test_a_bar_redrawn_in_place_on_a_terminal(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_progress_tty");
    tu_result r;
    const char *args[] = {"flash",      "-d",           b.spec,       b.fw, "--address",
                          "0x08000000", "--no-journal", "--no-leave", NULL};
    dfuctl_on_terminal(&r, args);
    expect_ok(&r);
    /* One line, redrawn with a carriage return for every block, ended once. */
    if (count_char(r.err, '\r') < 64 || count_char(r.err, '\n') != 1)
        fail_msg("not a bar redrawn in place:\n%s", r.err);
    assert_int_equal(r.err[strlen(r.err) - 1], '\n');
    assert_non_null(
        strstr(r.err, "\rerase   [..............................]   0%  0/393216 bytes"));
    assert_non_null(strstr(r.err, "\rwrite   [###############...............]  50%  196608/"));
    assert_non_null(strstr(r.err, "\rverify  [##############################] 100%  393216/393216 "
                                  "bytes"));
    assert_null(strstr(r.err, "% done ("));               /* not the plain lines */
    assert_non_null(strstr(r.out, "wrote 131072 bytes")); /* the summary, on stdout */
    tu_result_free(&r);
    board_free(&b);
}

/* "phase: N% done (A of B bytes)", nothing else. */
static void expect_plain_line(const char *line, int *last_percent)
{
    char phase[16];
    int pct, end = 0;
    unsigned long long done, total;
    if (sscanf(line, "%15[a-z]: %d%% done (%llu of %llu bytes)%n", phase, &pct, &done, &total,
               &end) != 4 ||
        line[end] != '\0')
        fail_msg("not a progress line: \"%s\"", line);
    assert_int_equal(total, OVERALL);
    assert_int_equal(pct, (int)(done * 100 / total));
    assert_true(pct >= *last_percent);
    *last_percent = pct;
}

/* In a log (stderr a file): a line per phase and per quarter of the whole, no bar. */
static void test_plain_lines_when_stderr_is_not_a_terminal(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_progress_plain");
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", NULL);
    expect_ok(&r);
    assert_null(strchr(r.err, '\r'));
    assert_null(strchr(r.err, '#'));
    size_t lines = 0;
    int last = 0;
    char *copy = strdup(r.err), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save), lines++)
        expect_plain_line(l, &last);
    free(copy);
    /* 4 phases and 4 quarters, not a line per block (64 blocks written). */
    if (lines < 5 || lines > 10) fail_msg("%zu lines:\n%s", lines, r.err);
    assert_non_null(strstr(r.err, "erase: 0% done (0 of 393216 bytes)\n"));
    assert_non_null(strstr(r.err, "write: 50% done (196608 of 393216 bytes)\n"));
    assert_non_null(strstr(r.err, "done: 100% done (393216 of 393216 bytes)\n"));
    tu_result_free(&r);
    board_free(&b);
}

/* --quiet: a successful update prints nothing at all, on a terminal or not. */
static void test_quiet_prints_nothing(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_progress_quiet");
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", b.spec, b.fw, "--address", "0x08000000", "--no-journal",
              "--no-leave", "--quiet", NULL);
    expect_ok(&r);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    const char *args[] = {"flash",      "-d",           b.spec,       b.fw,      "--address",
                          "0x08000000", "--no-journal", "--no-leave", "--quiet", NULL};
    dfuctl_on_terminal(&r, args);
    expect_ok(&r);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    board_free(&b);
}

/* --json: progress objects on stdout, one per phase change and per percent of the whole update
 * (never two for the same phase and percent), and no bar even on a terminal. */
static void test_json_progress_one_line_per_phase_and_percent(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_progress_json");
    tu_result r;
    const char *args[] = {"flash",      "-d",           b.spec,       b.fw,     "--address",
                          "0x08000000", "--no-journal", "--no-leave", "--json", NULL};
    dfuctl_on_terminal(&r, args);
    expect_ok(&r);
    assert_null(strchr(r.err, '\r'));
    assert_null(strstr(r.err, "% done ("));
    size_t n = tu_json_line_count(r.out);
    char last_phase[16] = "";
    int last_pct = -1;
    bool completed = false;
    size_t phases = 0, percents = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        tu_json *ev = tu_json_parse_line(r.out, i);
        assert_non_null(ev);
        assert_string_equal(tu_json_get(ev, "type")->string, "progress");
        const char *phase = tu_json_get(ev, "phase")->string;
        uint64_t done = tu_json_get(ev, "overall_done")->integer;
        assert_int_equal(tu_json_get(ev, "overall_total")->integer, OVERALL);
        int pct = (int)(done * 100 / OVERALL);
        bool new_phase = strcmp(phase, last_phase) != 0;
        /* A phase's completion (done == total) is shown even within the same percent, once. */
        bool completes = tu_json_get(ev, "done")->integer == tu_json_get(ev, "total")->integer;
        if (!new_phase && pct == last_pct && (!completes || completed))
            fail_msg("line %zu repeats phase %s at %d%%:\n%s", i, phase, pct, r.out);
        if (new_phase) completed = false;
        if (completes) completed = true;
        assert_true(pct >= last_pct);
        phases += new_phase;
        percents += pct != last_pct;
        snprintf(last_phase, sizeof(last_phase), "%s", phase);
        last_pct = pct;
        tu_json_free(ev);
    }
    assert_string_equal(last_phase, "done");
    assert_int_equal(last_pct, 100);
    assert_int_equal(phases, 5); /* connect, erase, write, verify, done */
    tu_json *first = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(first, "phase")->string, "connect");
    tu_json_free(first);
    /* Each phase shows its end, even where it ends within a percent of the whole. */
    if (!strstr(r.out, "\"phase\":\"write\",\"done\":131072,\"total\":131072"))
        fail_msg("no write line at its total:\n%s", r.out);
    /* The write alone moves a percent at a time: 34 of them, from 33% to 66%. */
    if (percents < 40) fail_msg("only %zu percent steps:\n%s", percents, r.out);
    tu_json *res = tu_json_parse_line(r.out, n - 1);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_true(tu_json_get(res, "ok")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

/* --json -q: what a script that wants only the outcome asks for: the result object alone. */
static void test_json_quiet_is_the_result_alone(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cli_progress_json_quiet");
    tu_result r;
    const char *args[] = {"flash",        "-d",         b.spec,   b.fw, "--address", "0x08000000",
                          "--no-journal", "--no-leave", "--json", "-q", NULL};
    dfuctl_on_terminal(&r, args);
    expect_ok(&r);
    if (tu_json_line_count(r.out) != 1) fail_msg("more than the result:\n%s", r.out);
    tu_json *res = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_get(res, "type")->string, "result");
    assert_true(tu_json_get(res, "ok")->boolean);
    tu_json_free(res);
    tu_result_free(&r);
    board_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_bar_redrawn_in_place_on_a_terminal),
        cmocka_unit_test(test_plain_lines_when_stderr_is_not_a_terminal),
        cmocka_unit_test(test_quiet_prints_nothing),
        cmocka_unit_test(test_json_progress_one_line_per_phase_and_percent),
        cmocka_unit_test(test_json_quiet_is_the_result_alone),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
