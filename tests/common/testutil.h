/* Helpers shared by the test programs: files, processes, a seeded PRNG, JSON. */
#ifndef DFU_TESTUTIL_H
#define DFU_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libdfu/export.h>

#include "json.h"

/* A fresh empty directory under the build tree's tests/tmp, named after the test. */
char *tu_tmpdir(const char *name);
/* path = dir + "/" + file, malloc'ed. */
char *tu_path(const char *dir, const char *file);
void tu_write_file(const char *path, const void *data, size_t len);
/* Whole file, NUL-terminated; NULL (and *len 0) when missing. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* A file from tests/data, malloc'ed path. */
char *tu_data_path(const char *file);

/* A finished process. */
typedef struct tu_result {
    int exit_code; /* 128 + signal when killed by one */
    char *out;     /* stdout, NUL-terminated */
    char *err;     /* stderr */
} tu_result;

void tu_result_free(tu_result *r);
/* Runs argv (NULL-terminated) and waits. When wrap is true and the environment variable
 * DFU_TEST_WRAPPER is set (e.g. "valgrind --error-exitcode=99 -q"), the command runs under it. */
void tu_run(tu_result *r, bool wrap, const char *const *argv);
/* Runs dfuctl with the given arguments (NULL-terminated), under DFU_TEST_WRAPPER if set. */
void tu_dfuctl(tu_result *r, ...);
/* Same with an argument array. */
void tu_dfuctl_argv(tu_result *r, const char *const *args);
/* tu_dfuctl() with the working directory cwd: for what dfuctl does with relative paths. */
void tu_dfuctl_in(tu_result *r, const char *cwd, ...);
/* Fails (at the caller's line) unless r exited with code and, when needle is not NULL, said
 * needle on stderr or stdout; the message shows the exit code and both outputs. */
#define tu_expect_exit(r, code, needle) tu_expect_exit_at((r), (code), (needle), __FILE__, __LINE__)
void tu_expect_exit_at(const tu_result *r, int code, const char *needle, const char *file,
                       int line);
/* A process running in the background, started by tu_start(): several can run side by side. */
typedef struct tu_proc {
    int pid;
    int out_fd, err_fd;
} tu_proc;

/* tu_run() in two halves: tu_start() runs argv, tu_wait() waits for it and collects its
 * result. */
void tu_start(tu_proc *p, bool wrap, const char *const *argv);
/* tu_start() with the working directory cwd (NULL: this process's). */
void tu_start_in(tu_proc *p, bool wrap, const char *cwd, const char *const *argv);
void tu_wait(tu_proc *p, tu_result *r);
/* True when a program is on PATH. */
bool tu_have_program(const char *name);

/* xorshift64* PRNG: deterministic for a seed. */
typedef struct tu_rng {
    uint64_t s;
} tu_rng;
void tu_rng_seed(tu_rng *r, uint64_t seed);
uint64_t tu_rng_next(tu_rng *r);
/* Uniform in [0, n). */
uint32_t tu_rng_below(tu_rng *r, uint32_t n);
void tu_rng_fill(tu_rng *r, uint8_t *buf, size_t len);

/* The exit status of a test program in which a test was skipped and none failed. ctest reports it
 * as "Skipped" rather than "Passed" (SKIP_RETURN_CODE, tests/CMakeLists.txt), and
 * tests/run-all.sh fails on it: a missing peer tool must not pass for a tested one. */
#define TU_EXIT_SKIPPED 77

/* Prints "SKIP: reason" to stderr, where ctest's log keeps it, and remembers that a test was
 * skipped for tu_exit_status(). */
void tu_note_skip(const char *fmt, ...) DFU_PRINTF(1, 2);
/* main()'s return value, from what cmocka_run_group_tests() returned: non-zero when a test
 * failed, else TU_EXIT_SKIPPED when one was skipped, else 0. */
int tu_exit_status(int failed);

/* Skips the current cmocka test, saying why. */
#define TU_SKIP(...)                                                                               \
    do {                                                                                           \
        tu_note_skip(__VA_ARGS__);                                                                 \
        skip();                                                                                    \
    } while (0)

#endif
