/* state=FILE: a second instance, or a process after SIGKILL, finds the board as it was left;
 * while one instance holds the file, another is refused (busy). */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_test.h"

#define FLASH 0x08000000u

static char *state_path(const char *test)
{
    char *dir = tu_tmpdir(test);
    char *p = tu_path(dir, "board.state");
    free(dir);
    return p;
}

static void spec_of(char *out, size_t cap, const char *profile, const char *path)
{
    snprintf(out, cap, "%s,state=%s", profile, path);
}

/* Memory, DFU state and the DfuSe address pointer carry over to a second instance. */
static void test_second_instance_sees_the_first(void **state)
{
    (void)state;
    char *path = state_path("statefile_second"), spec[512];
    spec_of(spec, sizeof(spec), "stm32f405", path);
    th h;
    th_open(&h, spec);
    th_clear(&h);
    uint8_t img[4096], back[6144];
    memset(img, 0x3C, sizeof(img));
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dfuse_write(&h, FLASH, img, sizeof(img), 2048).state,
                     DFU_STATE_DNLOAD_IDLE);
    uint32_t gen = th_generation(&h);
    th_close(&h);

    th_open(&h, spec);
    assert_int_equal(dfu_sim_state(h.sim), DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_generation(&h), gen); /* the same enumeration, still on the bus */
    th_peek(&h, FLASH, back, 4096);
    assert_memory_equal(back, img, 4096);
    uint8_t more[2048];
    memset(more, 0x5A, sizeof(more));
    assert_int_equal(th_dnload(&h, 4, more, 2048), 2048); /* the pointer was kept */
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back + 4096, 2048, 0x5A));
    th_close(&h);
    free(path);
}

/* An operation under way when the first process went away has finished meanwhile. */
static void test_pending_operation_completes(void **state)
{
    (void)state;
    char *path = state_path("statefile_pending"), spec[512];
    spec_of(spec, sizeof(spec), "stm32l476", path);
    th h;
    th_open(&h, spec);
    th_clear(&h);
    uint8_t blk[2048], back[2048];
    memset(blk, 0x21, sizeof(blk));
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, blk, 2048), 2048);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNBUSY);
    th_close(&h);

    th_open(&h, spec);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_memory_equal(back, blk, sizeof(back));
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_close(&h);
    free(path);
}

static void test_file_of_another_profile_is_refused(void **state)
{
    (void)state;
    char *path = state_path("statefile_other"), spec[512];
    spec_of(spec, sizeof(spec), "stm32f405", path);
    th h;
    th_open(&h, spec);
    th_close(&h);
    spec_of(spec, sizeof(spec), "stm32l476", path);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_sim *sim;
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_ERR_ARG);
    const char *msg = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(msg, "stm32f405"));
    assert_non_null(strstr(msg, "stm32l476"));
    tu_write_file(path, "not a state file at all", 23);
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_ERR_FORMAT);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "not a simulator state file"));
    dfu_ctx_free(ctx);
    free(path);
}

/* Opening a board someone holds: DFU_ERR_BUSY, no instance, and a message naming the file. */
static void expect_busy(const char *spec, const char *path)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_sim *sim = NULL;
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_ERR_BUSY);
    assert_null(sim);
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, path) || !strstr(msg, "another process has this simulated board open"))
        fail_msg("the busy message is \"%s\"", msg);
    dfu_ctx_free(ctx);
}

/* One page of the F4 filled with b, through the DFU requests. */
static void write_page(th *h, uint8_t b)
{
    uint8_t page[2048];
    memset(page, b, sizeof(page));
    th_clear(h);
    assert_int_equal(th_erase(h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dfuse_write(h, FLASH, page, sizeof(page), 2048).status, DFU_STATUS_OK);
}

static void expect_page(const char *spec, uint8_t b)
{
    th h;
    th_open(&h, spec);
    uint8_t back[2048];
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), b));
    th_close(&h);
}

/* Two instances of one file in one process: the second is refused, whatever the file's name
 * says, and refusing it leaves the first's hold alone; once the first is gone the file opens
 * again, with what the first wrote. */
static void test_a_held_board_is_busy_in_the_same_process(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("statefile_busy_here"), *path = tu_path(dir, "board.state");
    char *other_name = tu_path(dir, "./board.state"), spec[512], other[512];
    spec_of(spec, sizeof(spec), "stm32f405", path);
    snprintf(other, sizeof(other), "stm32f405,replug,state=%s", other_name);
    th a;
    th_open(&a, spec); /* creates the file */
    expect_busy(spec, path);
    expect_busy(other, other_name);
    expect_busy(spec, path); /* still held: the refusals did not release it */
    write_page(&a, 0x3C);
    th_close(&a);
    expect_page(spec, 0x3C);
    expect_page(other, 0x3C);
    free(other_name);
    free(path);
    free(dir);
}

/* The child opens the board, writes a page of b, says so on ready, and keeps the board until
 * the parent writes on go (or kills it). Exit 0 when all went well. */
static void holder(const char *spec, uint8_t b, int ready, int go)
{
    dfu_ctx *ctx;
    dfu_sim *sim;
    if (dfu_ctx_new(&ctx) || dfu_sim_new(&sim, ctx, spec)) _exit(2);
    th h = {sim, ctx, 0, 5000, 0, 0};
    uint8_t page[2048];
    memset(page, b, sizeof(page));
    th_clear(&h);
    if (th_erase(&h, FLASH).status || th_dfuse_write(&h, FLASH, page, sizeof(page), 2048).status)
        _exit(3);
    char c = 1;
    if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) _exit(4);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    _exit(0);
}

static pid_t start_holder(const char *spec, uint8_t b, int go[2])
{
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        holder(spec, b, ready[1], go[0]);
    }
    close(ready[1]); /* so that a child that fails early is an end of file, not a hang */
    close(go[0]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1); /* the child holds the board now */
    close(ready[0]);
    return pid;
}

/* Another process holds the board: refused until it lets go, by closing or by dying. */
static void test_a_board_another_process_holds_is_busy(void **state)
{
    (void)state;
    char *path = state_path("statefile_busy_there"), spec[512];
    spec_of(spec, sizeof(spec), "stm32f405", path);
    int go[2], status;
    pid_t pid = start_holder(spec, 0x5A, go);
    expect_busy(spec, path);
    assert_int_equal(write(go[1], "x", 1), 1);
    close(go[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    expect_page(spec, 0x5A);

    /* Killed while holding it: the lock dies with the process. */
    pid = start_holder(spec, 0x6B, go);
    expect_busy(spec, path);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(go[1]);
    expect_page(spec, 0x6B);
    free(path);
}

/* Starts `sleep 30` and returns once it runs: between fork() and exec() the child shares every
 * open file of the parent's, close-on-exec or not. The end of file on a close-on-exec pipe
 * says the exec happened. */
static pid_t start_sleeper(void)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[1], F_SETFD, FD_CLOEXEC), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 0);
    close(p[0]);
    return pid;
}

/* A program the holder starts does not inherit the hold: once the holder lets go, the board
 * opens even though the program still runs. */
static void test_programs_started_by_the_holder_do_not_hold_the_board(void **state)
{
    (void)state;
    char *path = state_path("statefile_busy_exec"), spec[512];
    spec_of(spec, sizeof(spec), "stm32f405", path);
    th a;
    th_open(&a, spec);
    pid_t pid = start_sleeper();
    th_close(&a);
    th_open(&a, spec);
    th_close(&a);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status)); /* it was still running: sleep was found and ran */
    free(path);
}

/* 512 pages of the L4, each erased then written with its own byte, until killed. */
static void writer(const char *spec)
{
    dfu_ctx *ctx;
    dfu_sim *sim;
    if (dfu_ctx_new(&ctx) || dfu_sim_new(&sim, ctx, spec)) _exit(2);
    th h = {sim, ctx, 0, 0, 0, 0};
    th_clear(&h);
    uint8_t page[2048];
    for (uint32_t p = 0; p < 512; p++) {
        memset(page, (int)(p % 254 + 1), sizeof(page));
        th_status st = th_erase(&h, FLASH + p * 2048);
        if (st.result >= 0 && !st.status)
            st = th_dfuse_write(&h, FLASH + p * 2048, page, sizeof(page), 2048);
        if (st.result < 0 || st.status) _exit(3);
    }
    pause();
    _exit(0);
}

/* Pages [0, k) hold their bytes and [k, 512) are erased: never a page half-way. */
static uint32_t check_prefix(th *h)
{
    static uint8_t back[2048];
    uint32_t k = 0;
    for (uint32_t p = 0; p < 512; p++) {
        th_peek(h, FLASH + p * 2048, back, sizeof(back));
        bool mine = th_all(back, sizeof(back), (uint8_t)(p % 254 + 1));
        if (mine && k == p)
            k++;
        else if (!th_all(back, sizeof(back), 0xFF))
            fail_msg("page %u is neither written nor erased", (unsigned)p);
    }
    return k;
}

/* SIGKILL at random moments of a long download: the file always loads, memory and state agree,
 * and the download carries on from where it stopped (no block programmed twice). */
static void test_sigkill_leaves_a_consistent_file(void **state)
{
    (void)state;
    char *path = state_path("statefile_kill"), spec[512];
    spec_of(spec, sizeof(spec), "stm32l476", path);
    tu_rng rng;
    tu_rng_seed(&rng, 42);
    for (int round = 0; round < 8; round++) {
        unlink(path);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) writer(spec);
        struct timespec ts = {0, (long)(1 + tu_rng_below(&rng, 40)) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        th h;
        th_open(&h, spec);
        uint32_t k = check_prefix(&h);
        assert_true(k <= 512);
        /* Settle as a host would: a DNLOAD received before the kill executes now. */
        th_status st = th_poll(&h);
        assert_true(st.result >= 0);
        th_clear(&h);
        k = check_prefix(&h);
        if (k < 512) {
            uint8_t page[2048];
            memset(page, (int)(k % 254 + 1), sizeof(page));
            st = th_erase(&h, FLASH + k * 2048);
            assert_true(st.result >= 0 && st.status == DFU_STATUS_OK);
            st = th_dfuse_write(&h, FLASH + k * 2048, page, sizeof(page), 2048);
            assert_true(st.result >= 0 && st.status == DFU_STATUS_OK);
            assert_int_equal(check_prefix(&h), k + 1);
        }
        th_close(&h);
    }
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_instance_sees_the_first),
        cmocka_unit_test(test_pending_operation_completes),
        cmocka_unit_test(test_file_of_another_profile_is_refused),
        cmocka_unit_test(test_sigkill_leaves_a_consistent_file),
        cmocka_unit_test(test_a_held_board_is_busy_in_the_same_process),
        cmocka_unit_test(test_a_board_another_process_holds_is_busy),
        cmocka_unit_test(test_programs_started_by_the_holder_do_not_hold_the_board),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
