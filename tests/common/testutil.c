/* Helpers shared by the test programs. */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

char *tu_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static void remove_tree(const char *path)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

char *tu_tmpdir(const char *name)
{
    char *dir = tu_path(DFU_TEST_TMP_DIR, name);
    remove_tree(dir);
    mkdir(DFU_TEST_TMP_DIR, 0777);
    assert_int_equal(mkdir(dir, 0777), 0);
    return dir;
}

char *tu_data_path(const char *file)
{
    return tu_path(DFU_TEST_DATA_DIR, file);
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    if (len) *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    fclose(fp);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

void tu_result_free(tu_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;
    lseek(fd, 0, SEEK_SET);
    while ((got = read(fd, buf + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    buf[n] = 0;
    return buf;
}

void tu_start(tu_proc *p, bool wrap, const char *const *argv)
{
    tu_start_in(p, wrap, NULL, argv);
}

void tu_start_in(tu_proc *p, bool wrap, const char *cwd, const char *const *argv)
{
    memset(p, 0, sizeof(*p));
    const char *args[256];
    int n = 0;
    char *wrapper = NULL;
    const char *w = getenv("DFU_TEST_WRAPPER");
    if (wrap && w && *w) {
        wrapper = strdup(w);
        for (char *tok = strtok(wrapper, " "); tok && n < 200; tok = strtok(NULL, " "))
            args[n++] = tok;
    }
    for (int i = 0; argv[i] && n < 255; i++) args[n++] = argv[i];
    args[n] = NULL;

    char out_path[] = "/tmp/dfu-test-out.XXXXXX", err_path[] = "/tmp/dfu-test-err.XXXXXX";
    p->out_fd = mkstemp(out_path);
    p->err_fd = mkstemp(err_path);
    assert_true(p->out_fd >= 0 && p->err_fd >= 0);
    unlink(out_path);
    unlink(err_path);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p->out_fd, 1);
        dup2(p->err_fd, 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        if (cwd && chdir(cwd) != 0) {
            fprintf(stderr, "chdir %s: %s\n", cwd, strerror(errno));
            _exit(127);
        }
        char *exec_args[256];
        for (int i = 0; i <= n; i++) exec_args[i] = (char *)(uintptr_t)args[i];
        execvp(exec_args[0], exec_args);
        fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    free(wrapper);
}

void tu_wait(tu_proc *p, tu_result *r)
{
    memset(r, 0, sizeof(*r));
    int status;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
    }
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = slurp_fd(p->out_fd);
    r->err = slurp_fd(p->err_fd);
    close(p->out_fd);
    close(p->err_fd);
}

void tu_run(tu_result *r, bool wrap, const char *const *argv)
{
    tu_proc p;
    tu_start(&p, wrap, argv);
    tu_wait(&p, r);
}

static void dfuctl_in(tu_result *r, const char *cwd, const char *const *args)
{
    const char *argv[128];
    int n = 0;
    argv[n++] = DFUCTL_PATH;
    for (int i = 0; args[i] && n < 127; i++) argv[n++] = args[i];
    argv[n] = NULL;
    tu_proc p;
    tu_start_in(&p, true, cwd, argv);
    tu_wait(&p, r);
}

void tu_dfuctl_argv(tu_result *r, const char *const *args)
{
    dfuctl_in(r, NULL, args);
}

/* The NULL-terminated arguments after the named one, into args[128]. */
static void collect_args(const char **args, va_list ap)
{
    int n = 0;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 127) args[n++] = a;
    args[n] = NULL;
}

void tu_dfuctl(tu_result *r, ...)
{
    const char *args[128];
    va_list ap;
    va_start(ap, r);
    collect_args(args, ap);
    va_end(ap);
    dfuctl_in(r, NULL, args);
}

void tu_dfuctl_in(tu_result *r, const char *cwd, ...)
{
    const char *args[128];
    va_list ap;
    va_start(ap, cwd);
    collect_args(args, ap);
    va_end(ap);
    dfuctl_in(r, cwd, args);
}

void tu_expect_exit_at(const tu_result *r, int code, const char *needle, const char *file, int line)
{
    if (r->exit_code != code) {
        print_error("ERROR: exit %d, expected %d\nstderr: %s\nstdout: %s\n", r->exit_code, code,
                    r->err, r->out);
        _fail(file, line);
    }
    if (needle && !strstr(r->err, needle) && !strstr(r->out, needle)) {
        print_error("ERROR: output lacks \"%s\"\nstderr: %s\nstdout: %s\n", needle, r->err, r->out);
        _fail(file, line);
    }
}

bool tu_have_program(const char *name)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

void tu_rng_seed(tu_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9E3779B97F4A7C15ull;
}

uint64_t tu_rng_next(tu_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

uint32_t tu_rng_below(tu_rng *r, uint32_t n)
{
    return n ? (uint32_t)(tu_rng_next(r) % n) : 0;
}

void tu_rng_fill(tu_rng *r, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(tu_rng_next(r) >> 56);
}

static int skipped_tests;

void tu_note_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fputs("SKIP: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    skipped_tests++;
}

int tu_exit_status(int failed)
{
    /* An exit status is 8 bits, and 77 means skipped: more failures than that still fail. */
    if (failed) return failed > 0 && failed < TU_EXIT_SKIPPED ? failed : 1;
    return skipped_tests ? TU_EXIT_SKIPPED : 0;
}
