/*
 * Cancelling an update while the device keeps it waiting: a mass erase (16 s on an F4 ROM, which
 * holds the status request all along; an H7 answers dfuDNBUSY every 5 ms) or a device stuck in
 * dfuDNBUSY. Cancelled through the progress callback or the context's cancel
 * callback, the update returns DFU_ERR_CANCELLED within a few hundred milliseconds of virtual
 * time, not when the wait would have ended; the progress callback hears a heartbeat (the same
 * event again) all through the wait; and the update can then be finished.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "proto/proto.h"
#include "simutil.h"

/* From a cancel asked for to the call's return: the question is asked at once, then settling
 * gives the device one more question's time (DFU_WAIT_ASK_MS) to come back to dfuIDLE. */
#define CANCEL_LAG_MAX_US 300000u
/* Heartbeats in a row before the test cancels: 3 s into a wait, longer than any block's. */
#define CANCEL_AFTER 30u

typedef struct board {
    dfu_ctx *ctx;
    char *dir, *journal;
    char spec[600], clean[600]; /* clean: the same board without the fault */
    dfu_device *dev;
    dfu_image *img;
    uint8_t *bytes;
    uint32_t size;
} board;

static void board_open(board *b, const char *spec)
{
    if (dfu_device_open(&b->dev, b->ctx, spec, NULL) != DFU_OK)
        fail_msg("open %s: %s", spec, dfu_ctx_error(b->ctx)->message);
}

static void board_new(board *b, const char *name, const char *profile, const char *fault,
                      uint32_t size, uint32_t sp)
{
    memset(b, 0, sizeof(*b));
    dfu_ctx_new(&b->ctx);
    b->dir = tu_tmpdir(name);
    b->journal = tu_path(b->dir, "journal");
    tu_sim_spec(b->spec, sizeof(b->spec), profile, b->dir, fault);
    tu_sim_spec(b->clean, sizeof(b->clean), profile, b->dir, NULL);
    b->size = size;
    b->bytes = tu_app_bytes(0x08000000, size, sp, 5);
    dfu_image_new(&b->img);
    dfu_image_add_target(b->img, -1, NULL, NULL);
    dfu_image_add_data(NULL, b->img, 0, 0x08000000, b->bytes, size);
    board_open(b, b->spec);
}

static void board_free(board *b)
{
    dfu_device_close(b->dev);
    dfu_image_free(b->img);
    dfu_ctx_free(b->ctx);
    free(b->bytes);
    free(b->journal);
    free(b->dir);
}

static void expect_image(const board *b)
{
    uint8_t *got = malloc(b->size);
    assert_int_equal(dfu_sim_peek(dfu_device_sim(b->dev), 0x08000000, got, b->size), DFU_OK);
    if (memcmp(got, b->bytes, b->size) != 0) fail_msg("%s does not hold the image", b->spec);
    free(got);
}

static uint64_t now_us(const board *b)
{
    return dfu_clock_now(b->dev->clock);
}

/* Watches the events and cancels, the one way or the other, once the device has kept the update
 * waiting for cancel_after heartbeats. */
typedef struct watcher {
    const board *b;
    bool by_progress;      /* cancel through the progress callback (else the context's) */
    unsigned cancel_after; /* heartbeats in a row */
    dfu_progress last;     /* the previous event */
    unsigned events;       /* all of them */
    unsigned run;          /* heartbeats in a row: events that repeat the previous one */
    unsigned longest;      /* the longest run */
    bool cancelled;        /* asked to stop */
    uint64_t cancel_us;    /* when, on the device's clock */
    unsigned afterwards;   /* events after that */
    unsigned questions;    /* the context's cancel callback was asked */
    unsigned connecting;   /* events of DFU_PHASE_CONNECT: heartbeats before the first step */
} watcher;

static bool same_event(const dfu_progress *a, const dfu_progress *b)
{
    return a->phase == b->phase && a->done == b->done && a->total == b->total &&
           a->overall_done == b->overall_done && a->step == b->step && a->address == b->address;
}

static void cancel_now(watcher *w)
{
    w->cancelled = true;
    w->cancel_us = now_us(w->b);
}

static int on_progress(const dfu_progress *p, void *payload)
{
    watcher *w = payload;
    if (w->cancelled) w->afterwards++;
    w->run = w->events && same_event(p, &w->last) ? w->run + 1 : 0;
    w->longest = DFU_MAX(w->longest, w->run);
    w->last = *p;
    w->events++;
    if (p->phase == DFU_PHASE_CONNECT) w->connecting++;
    if (w->by_progress && !w->cancelled && w->run >= w->cancel_after) cancel_now(w);
    return w->by_progress && w->cancelled;
}

static int on_question(void *payload)
{
    watcher *w = payload;
    w->questions++;
    if (!w->by_progress && !w->cancelled && w->run >= w->cancel_after) cancel_now(w);
    return !w->by_progress && w->cancelled;
}

static dfu_plan *plan_for(board *b, bool mass, watcher *w)
{
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.mass_erase = mass;
    o.no_leave = true;
    o.journal_dir = b->journal;
    o.progress = w ? on_progress : NULL;
    o.payload = w;
    dfu_plan *p;
    if (dfu_plan_new(&p, b->ctx, b->dev, b->img, &o))
        fail_msg("plan: %s", dfu_ctx_error(b->ctx)->message);
    return p;
}

/* Runs the plan, cancels it in the middle of the long wait, and checks how it stopped. */
static void cancel_in_the_wait(board *b, bool mass, bool by_progress, const char *busy_with,
                               const char *left_doing)
{
    watcher w = {b, by_progress, CANCEL_AFTER, {0}, 0, 0, 0, false, 0, 0, 0, 0};
    dfu_plan *plan = plan_for(b, mass, &w);
    dfu_ctx_set_cancel(b->ctx, on_question, &w);
    dfu_update_result res;
    int rc = dfu_plan_execute(plan, &res);
    uint64_t back_us = now_us(b);
    dfu_ctx_set_cancel(b->ctx, NULL, NULL);
    const char *msg = dfu_ctx_error(b->ctx)->message;
    if (rc != DFU_ERR_CANCELLED)
        fail_msg("%s: %s (events %u, longest run %u)", dfu_error_name(rc), msg, w.events,
                 w.longest);
    assert_true(w.cancelled);
    /* Back promptly, not when the wait would have ended. */
    if (back_us - w.cancel_us > CANCEL_LAG_MAX_US)
        fail_msg("returned %llu ms after the cancel", (unsigned long long)(back_us - w.cancel_us));
    assert_true(res.elapsed_us < 10000000u); /* it took 50 s, then failed with a timeout */
    /* A heartbeat every DFU_WAIT_ASK_MS through the wait, none after a cancel. */
    assert_true(w.longest >= CANCEL_AFTER - 1);
    assert_int_equal(w.afterwards, 0);
    if (!by_progress) assert_true(w.questions >= CANCEL_AFTER);
    /* What the device was left doing, from the message. */
    if (!strstr(msg, "cancelled after") || !strstr(msg, busy_with) || !strstr(msg, left_doing))
        fail_msg("unexpected message: %s", msg);
    dfu_plan_free(plan);
}

/* The same plan again, in the same session: it waits for the device to finish the mass erase
 * first (of the F405's 16 s, 13 are left; of the H7's 5 s, 2), telling its progress callback so
 * all along. */
static void execute_again(board *b, bool mass)
{
    watcher w = {b, true, UINT_MAX, {0}, 0, 0, 0, false, 0, 0, 0, 0};
    dfu_plan *plan = plan_for(b, mass, &w);
    dfu_update_result res;
    if (dfu_plan_execute(plan, &res) != DFU_OK)
        fail_msg("executed again: %s", dfu_ctx_error(b->ctx)->message);
    assert_true(res.verified);
    if (w.connecting < 10)
        fail_msg("%s: %u heartbeats while the device finished", b->spec, w.connecting);
    dfu_plan_free(plan);
    expect_image(b);
}

/* A new session finishes the update from its journal. */
static void recover(board *b)
{
    dfu_device_close(b->dev);
    board_open(b, b->clean);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, b->ctx, b->journal), DFU_OK);
    dfu_recovery rec;
    if (dfu_recover(b->ctx, b->dev, j, NULL, NULL, &rec) != DFU_OK)
        fail_msg("recover: %s", dfu_ctx_error(b->ctx)->message);
    assert_true(rec.had_journal && rec.result.verified);
    dfu_journal_free(j);
    assert_int_equal(dfu_journal_find(&j, b->ctx, b->journal), DFU_ERR_NOT_FOUND);
    expect_image(b);
}

typedef struct profile {
    const char *name;
    uint32_t sp;
} profile;

static const profile mass_erasers[] = {
    {"stm32f405", 0x20020000}, /* holds GETSTATUS until the erase is done (16 s) */
    {"stm32h743", 0x24080000}, /* dfuDNBUSY every 5 ms */
};

static void mass_erase_cancelled(bool by_progress, bool same_session)
{
    for (size_t i = 0; i < DFU_ARRAY_SIZE(mass_erasers); i++) {
        char name[80];
        snprintf(name, sizeof(name), "cancel_mass_%s_%d%d", mass_erasers[i].name, by_progress,
                 same_session);
        board b;
        board_new(&b, name, mass_erasers[i].name, NULL, 20 * 1024, mass_erasers[i].sp);
        cancel_in_the_wait(&b, true, by_progress, "while the device was busy (mass erase)",
                           "it finishes that by itself, within 37 s");
        if (same_session)
            execute_again(&b, true);
        else
            recover(&b);
        board_free(&b);
    }
}

static void test_progress_callback_cancels_a_mass_erase(void **state)
{
    (void)state;
    mass_erase_cancelled(true, true);
    mass_erase_cancelled(true, false);
}

static void test_context_cancel_ends_a_mass_erase(void **state)
{
    (void)state;
    mass_erase_cancelled(false, true);
    mass_erase_cancelled(false, false);
}

/* The embedder's report: a board stuck in dfuDNBUSY at block 3 held the update for 50 s and
 * then failed with a timeout; the cancel asked after 3 s was never heard. Power-cycled, it takes
 * the update from the journal. */
static void stuck_board_cancelled(bool by_progress)
{
    board b;
    board_new(&b, by_progress ? "cancel_stuck_progress" : "cancel_stuck_ctx", "stm32f405",
              "fault=busy@block:3", 40 * 1024, 0x20020000);
    /* Stuck, not slow: busy for longer than a block can take. */
    cancel_in_the_wait(&b, false, by_progress, "while the device was busy (writing 2048 bytes",
                       "longer than that may take: if it stays busy, it needs a USB reset or a "
                       "power cycle");
    dfu_device_close(b.dev);
    b.dev = NULL;
    tu_sim_enter_bootloader(b.clean);
    recover(&b);
    board_free(&b);
}

static void test_cancel_a_board_stuck_busy(void **state)
{
    (void)state;
    stuck_board_cancelled(true);
    stuck_board_cancelled(false);
}

/* dfu_device_erase hears its progress callback during a sector's erase too; the device carries
 * on with it, and a new erase then waits for it to finish. */
static void test_single_erase_cancelled_in_the_wait(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cancel_erase_op", "stm32f405", NULL, 4096, 0x20020000);
    /* 0x08020000: a 128 KiB sector, 2 s; cancelled after 1 s of it. */
    watcher w = {&b, true, 10, {0}, 0, 0, 0, false, 0, 0, 0, 0};
    int rc = dfu_device_erase(b.dev, 0x08020000, 1, on_progress, &w);
    uint64_t back_us = now_us(&b);
    assert_int_equal(rc, DFU_ERR_CANCELLED);
    assert_true(w.cancelled && back_us - w.cancel_us <= CANCEL_LAG_MAX_US);
    assert_int_equal(w.last.phase, DFU_PHASE_ERASE);
    assert_int_equal(w.last.done, 0);
    assert_int_equal(w.afterwards, 0);
    assert_int_equal(dfu_device_erase(b.dev, 0x08020000, 1, NULL, NULL), DFU_OK);
    board_free(&b);
}

/* Asks the context's cancel callback to say yes from its k-th question after a retry began. */
typedef struct retry_cancel {
    dfu_device *dev;
    bool retrying;
    unsigned k, asked;
    bool cancelled;
    dfu_sim_stats at; /* what the device had received when the cancel was asked for */
} retry_cancel;

static void on_warning(dfu_log_level level, const char *line, void *payload)
{
    retry_cancel *c = payload;
    if (level == DFU_LOG_WARN && strstr(line, "retrying")) c->retrying = true;
}

static int on_retry_question(void *payload)
{
    retry_cancel *c = payload;
    if (!c->retrying || c->cancelled || ++c->asked < c->k) return c->cancelled;
    c->cancelled = true;
    dfu_sim_get_stats(dfu_device_sim(c->dev), &c->at);
    return 1;
}

/* Once a cancel is asked for, nothing more is written, whichever wait of a retry hears it
 * (bringing the device back to dfuIDLE, reading the block back to see whether it landed):
 * settling only reads the device's state and aborts. A cancel heard while the block was read
 * back went unheard, and the write was tried again. */
static void test_nothing_is_written_after_a_cancel(void **state)
{
    (void)state;
    for (unsigned k = 1; k <= 4; k++) {
        char name[64];
        snprintf(name, sizeof(name), "cancel_in_retry_%u", k);
        board b;
        board_new(&b, name, "stm32f405", "fault=stall@block:3", 40 * 1024, 0x20020000);
        retry_cancel c = {b.dev, false, k, 0, false, {0}};
        dfu_ctx_set_log(b.ctx, on_warning, DFU_LOG_WARN, &c);
        dfu_ctx_set_cancel(b.ctx, on_retry_question, &c);
        dfu_plan *plan = plan_for(&b, false, NULL);
        int rc = dfu_plan_execute(plan, NULL);
        dfu_plan_free(plan);
        /* The stall at block 3 must start a retry (its warning says "retrying"), and at least 4
         * questions must be asked from then on (25 are today): else this would test nothing. */
        if (!c.retrying)
            fail_msg("question %u: no \"retrying\" warning: the stall at block 3 was not retried "
                     "(rc %s)",
                     k, dfu_error_name(rc));
        if (!c.cancelled)
            fail_msg("question %u: only %u question(s) after the retry began (rc %s)", k, c.asked,
                     dfu_error_name(rc));
        assert_int_equal(rc, DFU_ERR_CANCELLED);
        dfu_sim_stats after;
        dfu_sim_get_stats(dfu_device_sim(b.dev), &after);
        if (after.dnload_blocks != c.at.dnload_blocks ||
            after.dnload_commands != c.at.dnload_commands)
            fail_msg("question %u: %llu block(s) and %llu command(s) sent after the cancel", k,
                     (unsigned long long)(after.dnload_blocks - c.at.dnload_blocks),
                     (unsigned long long)(after.dnload_commands - c.at.dnload_commands));
        board_free(&b);
    }
}

/* A fresh F4's option bytes (RDP level 0, no write protection) with another BOR level: the ROM
 * resets to load them as soon as they are written, and the update waits for it to come back
 * in DFU mode to read them back. */
#define F4_OB 0x1FFFC000u
static const uint8_t f4_ob[16] = {0xE0, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

static dfu_plan *option_bytes_plan(board *b, watcher *w)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, 1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_add_data(NULL, img, 0, F4_OB, f4_ob, sizeof(f4_ob)), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    o.progress = w ? on_progress : NULL;
    o.payload = w;
    dfu_plan *p;
    if (dfu_plan_new(&p, b->ctx, b->dev, img, &o))
        fail_msg("plan: %s", dfu_ctx_error(b->ctx)->message);
    dfu_image_free(img);
    return p;
}

/* Says yes from its k-th question on, noting when. */
typedef struct asker {
    const board *b;
    unsigned k, asked;
    uint64_t yes_us;
} asker;

static int ask(void *payload)
{
    asker *a = payload;
    if (++a->asked == a->k) a->yes_us = now_us(a->b);
    return a->asked >= a->k;
}

/* The handle talks to a device that came back after its option bytes' reset through a transport
 * opened then: a cancel is heard there too, while the ROM holds the status request through a
 * mass erase (16 s). It was not: the new transport had nobody to ask. */
static void test_cancel_heard_by_a_board_back_after_a_reset(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cancel_after_ob_reset", "stm32f405", NULL, 4096, 0x20020000);
    dfu_plan *plan = option_bytes_plan(&b, NULL);
    dfu_update_result res;
    if (dfu_plan_execute(plan, &res) != DFU_OK)
        fail_msg("option bytes: %s", dfu_ctx_error(b.ctx)->message);
    dfu_plan_free(plan);
    assert_true(res.reset && res.verified);
    assert_false(dfu_device_gone(b.dev));
    asker a = {&b, 10, 0, 0};
    dfu_ctx_set_cancel(b.ctx, ask, &a);
    uint64_t start = now_us(&b);
    int rc = dfu_device_mass_erase(b.dev);
    uint64_t back_us = now_us(&b);
    dfu_ctx_set_cancel(b.ctx, NULL, NULL);
    if (rc != DFU_ERR_CANCELLED)
        fail_msg("mass erase: %s after %llu ms, asked %u times", dfu_error_name(rc),
                 (unsigned long long)(back_us - start) / 1000u, a.asked);
    assert_true(back_us - a.yes_us <= CANCEL_LAG_MAX_US);
    board_free(&b);
}

/* The wait for the device to come back after its option bytes' reset is one like the others:
 * the progress callback hears a heartbeat through it, and its cancel ends it. It was asked
 * nothing: the update waited the device's 4 s and went on. */
static void test_wait_for_a_board_back_after_a_reset_cancelled(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cancel_ob_return", "stm32f405", "reenum=4000", 4096, 0x20020000);
    watcher w = {&b, true, 20, {0}, 0, 0, 0, false, 0, 0, 0, 0};
    dfu_plan *plan = option_bytes_plan(&b, &w);
    dfu_update_result res;
    int rc = dfu_plan_execute(plan, &res);
    uint64_t back_us = now_us(&b);
    dfu_plan_free(plan);
    const char *msg = dfu_ctx_error(b.ctx)->message;
    if (rc != DFU_ERR_CANCELLED) fail_msg("%s: %s", dfu_error_name(rc), msg);
    assert_true(w.cancelled && back_us - w.cancel_us <= CANCEL_LAG_MAX_US);
    assert_true(res.reset);
    assert_int_equal(w.afterwards, 0);
    /* The heartbeats repeat the write's last event: the option bytes were written. */
    assert_int_equal(w.last.phase, DFU_PHASE_WRITE);
    assert_int_equal(w.last.done, sizeof(f4_ob));
    if (!strstr(msg, "cancelled after") || !strstr(msg, "the device has left"))
        fail_msg("unexpected message: %s", msg);
    board_free(&b);
}

/* Cancels a read when its first bytes are in, pulling the cable first when asked to. */
typedef struct puller {
    board *b;
    bool unplug;
} puller;

static int cancel_first(const dfu_progress *p, void *payload)
{
    puller *u = payload;
    if (p->done == 0) return 0; /* a heartbeat, before the first block is in */
    if (u->unplug) dfu_sim_unplug(dfu_device_sim(u->b->dev), now_us(u->b));
    return 1;
}

/* A cancelled read says where the device was left: in dfuIDLE only when settling got it there.
 * It said so of a board whose cable had been pulled. */
static void test_a_cancelled_read_says_where_the_device_is(void **state)
{
    (void)state;
    for (int unplug = 0; unplug <= 1; unplug++) {
        board b;
        board_new(&b, unplug ? "cancel_read_unplugged" : "cancel_read", "stm32f405", NULL, 4096,
                  0x20020000);
        puller u = {&b, unplug != 0};
        dfu_image *img = NULL;
        assert_int_equal(dfu_device_read(&img, b.dev, 0x08000000, 64 * 1024, cancel_first, &u),
                         DFU_ERR_CANCELLED);
        assert_null(img);
        const char *msg = dfu_ctx_error(b.ctx)->message;
        bool idle = strstr(msg, "the device is in dfuIDLE") != NULL;
        if (idle == (unplug != 0) || !strstr(msg, "cancelled at 0x0800"))
            fail_msg("%s: %s", unplug ? "unplugged" : "plugged in", msg);
        board_free(&b);
    }
}

/* Cancels a mass erase 3 s into its 16 s, through the context's cancel callback. */
static void mass_erase_cancelled_early(board *b)
{
    asker a = {b, 30, 0, 0};
    dfu_ctx_set_cancel(b->ctx, ask, &a);
    assert_int_equal(dfu_device_mass_erase(b->dev), DFU_ERR_CANCELLED);
    dfu_ctx_set_cancel(b->ctx, NULL, NULL);
}

/* Every call on a device that a cancel left busy waits for it first: reading its status and
 * selecting another alternate setting too. The status request timed out (the F4 ROM holds it
 * through the erase), and the alternate setting was switched under the running erase. */
static void test_every_call_waits_for_what_a_cancel_left_running(void **state)
{
    (void)state;
    board b;
    board_new(&b, "cancel_then_status", "stm32f405", NULL, 4096, 0x20020000);
    mass_erase_cancelled_early(&b);
    int st = -1, status = -1;
    if (dfu_device_get_status(b.dev, &st, &status) != DFU_OK)
        fail_msg("get status: %s", dfu_ctx_error(b.ctx)->message);
    assert_int_equal(st, DFU_STATE_DFU_IDLE);
    assert_int_equal(status, DFU_STATUS_OK);
    board_free(&b);

    board_new(&b, "cancel_then_set_alt", "stm32f405", NULL, 4096, 0x20020000);
    mass_erase_cancelled_early(&b);
    assert_int_equal(dfu_device_set_alt(b.dev, 1), DFU_OK);
    assert_int_equal(dfu_sim_state(dfu_device_sim(b.dev)), DFU_STATE_DFU_IDLE);
    board_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_callback_cancels_a_mass_erase),
        cmocka_unit_test(test_context_cancel_ends_a_mass_erase),
        cmocka_unit_test(test_cancel_a_board_stuck_busy),
        cmocka_unit_test(test_single_erase_cancelled_in_the_wait),
        cmocka_unit_test(test_nothing_is_written_after_a_cancel),
        cmocka_unit_test(test_cancel_heard_by_a_board_back_after_a_reset),
        cmocka_unit_test(test_wait_for_a_board_back_after_a_reset_cancelled),
        cmocka_unit_test(test_a_cancelled_read_says_where_the_device_is),
        cmocka_unit_test(test_every_call_waits_for_what_a_cancel_left_running),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
