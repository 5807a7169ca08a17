/*
 * Lying and broken devices, through the library as an application uses it (dfu_device_open,
 * dfu_plan_new, dfu_plan_execute on "sim:PROFILE,state=...,fault=..."). For each: the update
 * fails with the right code and a message that says what the device did (or succeeds, where
 * retrying legitimately recovers), the board is left in a known state (dfuIDLE, or reported
 * gone), and the time spent is bounded, on the device's virtual clock and on the wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/proto.h"
#include "simutil.h"

/* ---- watching the host: no request to a device it knows has left ---- */

typedef struct watch {
    dfu_transport base;
    dfu_transport *inner;
    dfu_device *dev;
    bool unplug_at_manifest; /* a "tolerant" device that restarts anyway */
    unsigned after_gone;     /* requests sent to a device the host knew had left */
} watch;

static int watch_control(dfu_transport *t, const dfu_usb_setup *s, uint8_t *data,
                         unsigned timeout_ms)
{
    watch *w = (watch *)t;
    if (dfu_device_gone(w->dev)) w->after_gone++;
    int rc = w->inner->ops->control(w->inner, s, data, timeout_ms);
    /* The zero-length DNLOAD that starts manifestation: the device resets to start its
     * firmware, leaving the bus. */
    if (w->unplug_at_manifest && s->bRequest == DFU_DNLOAD && s->wLength == 0 && rc == 0)
        dfu_sim_unplug(dfu_device_sim(w->dev), dfu_clock_now(w->dev->clock));
    return rc;
}

static int watch_set_alt(dfu_transport *t, uint8_t iface, uint8_t alt)
{
    watch *w = (watch *)t;
    if (dfu_device_gone(w->dev)) w->after_gone++;
    return w->inner->ops->set_alt(w->inner, iface, alt);
}

static int watch_reset(dfu_transport *t)
{
    watch *w = (watch *)t;
    return w->inner->ops->reset(w->inner);
}

static void watch_close(dfu_transport *t)
{
    watch *w = (watch *)t;
    w->inner->ops->close(w->inner);
    free(w);
}

static const dfu_transport_ops watch_ops = {watch_control, watch_set_alt, watch_reset, watch_close};

/* Puts a watch between the open device and its transport (closed with the device). */
static watch *watch_device(dfu_device *dev)
{
    watch *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->base.ops = &watch_ops;
    w->base.clock = dev->t->clock;
    w->inner = dev->t;
    w->dev = dev;
    dev->t = &w->base;
    return w;
}

typedef struct board {
    dfu_ctx *ctx;
    char *dir;
    char spec[600];
    char clean[600]; /* the same board without faults */
    dfu_device *dev;
    watch *watch;
    dfu_image *img;
    uint8_t *bytes;
    uint32_t base, size;
    char warnings[4096]; /* what the library logged at warning level */
    uint64_t wall_us;    /* real time the update took */
} board;

/* A board and an application for it. Faults hit data block 4 (the fifth); `block4` is how
 * messages name it: DfuSe by address (safe order writes the vector table's sector last, and
 * within it the table's first 32 bytes last of all, so a one-sector image's run starts 32 bytes
 * in), DFU 1.1 by block number. */
typedef struct app {
    const char *profile;
    uint32_t base, size, sp;
    const char *block4;
    uint32_t block_ms; /* how long writing a block may take (dfuse.c, dfu11.c) */
} app;

static const app f405 = {"stm32f405", 0x08000000, 40 * 1024, 0x20020000, "0x08006000", 1000};
static const app l476 = {"stm32l476", 0x08000000, 20 * 1024, 0x20018000, "0x08002800", 1000};
static const app h743 = {"stm32h743", 0x08000000, 20 * 1024, 0x24080000, "0x08001020", 1000};
static const app dapboot = {"dapboot-f103", 0x08002000, 12 * 1024, 0x20005000, "block 4", 2000};
static const app tinyusb = {"tinyusb", 0x08010000, 8 * 1024, 0x20020000, "block 4", 2000};
static const app *const apps[] = {&f405, &l476, &h743, &dapboot, &tinyusb};

/* poll.c: a wait ends within 2 x the operation's longest time + 10 s, and its last GETSTATUS
 * within 1 s of that; make_idle waits for an earlier operation as for the longest one a device
 * performs (a DfuSe mass erase; DFU 1.1 devices get less, within the same bound). */
static uint64_t wait_bound_ms(uint64_t expect_ms)
{
    return 2 * expect_ms + 10000 + 1000;
}
#define IDLE_WAIT_MS DFU_LONGEST_OPERATION_MS

static void collect(dfu_log_level level, const char *line, void *payload)
{
    board *b = payload;
    if (level > DFU_LOG_WARN) return;
    size_t n = strlen(b->warnings);
    snprintf(b->warnings + n, sizeof(b->warnings) - n, "%s\n", line);
}

static uint64_t wall_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void board_open(board *b, const char *spec)
{
    if (dfu_device_open(&b->dev, b->ctx, spec, NULL) != DFU_OK)
        fail_msg("open %s: %s", spec, dfu_ctx_error(b->ctx)->message);
    b->watch = watch_device(b->dev);
}

/* A board of this profile with extra spec options (faults), and an application for it. */
static void board_new(board *b, const app *a, const char *extra)
{
    static unsigned serial;
    memset(b, 0, sizeof(*b));
    dfu_ctx_new(&b->ctx);
    dfu_ctx_set_log(b->ctx, collect, DFU_LOG_WARN, b);
    char name[64];
    snprintf(name, sizeof(name), "hostile_%u_%s", ++serial, a->profile);
    b->dir = tu_tmpdir(name);
    tu_sim_spec(b->clean, sizeof(b->clean), a->profile, b->dir, NULL);
    tu_sim_spec(b->spec, sizeof(b->spec), a->profile, b->dir, extra);
    b->base = a->base;
    b->size = a->size;
    b->bytes = tu_app_bytes(a->base, a->size, a->sp, 5);
    dfu_image_new(&b->img);
    dfu_image_add_target(b->img, -1, NULL, NULL);
    dfu_image_add_data(NULL, b->img, 0, a->base, b->bytes, a->size);
    board_open(b, b->spec);
}

static void board_free(board *b)
{
    dfu_device_close(b->dev);
    dfu_image_free(b->img);
    dfu_ctx_free(b->ctx);
    free(b->bytes);
    free(b->dir);
}

/* Stays in DFU mode afterwards, so the board's state can be looked at. */
static int update(board *b, dfu_update_result *res)
{
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_plan *p;
    uint64_t start = wall_now_us();
    int rc = dfu_plan_new(&p, b->ctx, b->dev, b->img, &o);
    if (rc) fail_msg("plan: %s", dfu_ctx_error(b->ctx)->message);
    rc = dfu_plan_execute(p, res);
    dfu_plan_free(p);
    b->wall_us = wall_now_us() - start;
    if (b->watch->after_gone)
        fail_msg("%s: %u requests to a device the host knew had left", b->spec,
                 b->watch->after_gone);
    /* Every wait is on the simulator's virtual clock: a few real seconds at most, whatever the
     * device asked for. */
    if (b->wall_us > 5000000u)
        fail_msg("%s took %llu ms of real time", b->spec, (unsigned long long)b->wall_us / 1000);
    return rc;
}

static void expect_message(const board *b, const char *text, const char *want)
{
    if (!strstr(text, want)) fail_msg("%s: \"%s\" lacks \"%s\"", b->spec, text, want);
}

/* The board, opened afresh without the fault, is in dfuIDLE. A DFU 1.1 bootloader that reset
 * mid-download finds the vector table written first and runs the half-written application: the
 * user holds its button to get the bootloader back. */
static void expect_idle_afterwards(board *b)
{
    dfu_device_close(b->dev);
    b->dev = NULL;
    dfu_device_info *list;
    size_t n;
    assert_int_equal(dfu_device_list(&list, &n, b->ctx, b->clean), DFU_OK);
    bool in_dfu_mode = n == 1 && list[0].mode == DFU_MODE_DFU;
    dfu_device_list_free(list, n);
    if (!in_dfu_mode) tu_sim_enter_bootloader(b->clean);
    board_open(b, b->clean);
    int state, status;
    assert_int_equal(dfu_device_get_status(b->dev, &state, &status), DFU_OK);
    assert_int_equal(state, DFU_STATE_DFU_IDLE);
}

/* ---- the cases ---- */

/* The rig itself: without faults every profile updates, verifies and is idle afterwards. */
static void test_honest_boards_update(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
        board b;
        board_new(&b, apps[i], NULL);
        dfu_update_result res;
        if (update(&b, &res)) fail_msg("%s: %s", b.spec, dfu_ctx_error(b.ctx)->message);
        assert_true(res.verified || !dfu_device_can_upload(b.dev));
        assert_int_equal(res.retries, 0);
        expect_idle_afterwards(&b);
        board_free(&b);
    }
}

/* Found by fuzz_device: the plan went on to read back a device that had restarted during
 * manifestation, and failed the update with "the device disconnected" (journal kept, "recover"
 * suggested) although the firmware was written and running. */
static void test_tolerant_device_that_restarts_after_manifestation(void **state)
{
    (void)state;
    app a = tinyusb;
    board b;
    board_new(&b, &a, "tolerant=1");
    b.watch->unplug_at_manifest = true;
    dfu_update_result res;
    int rc = update(&b, &res);
    if (rc) fail_msg("%s", dfu_ctx_error(b.ctx)->message);
    assert_true(res.left);
    assert_false(res.verified);
    assert_int_equal(res.written_bytes, a.size);
    expect_message(&b, b.warnings, "could not be read back");
    assert_true(dfu_device_gone(b.dev));
    board_free(&b);
}

/* Found by fuzz_device: a block failed (stalled); while it was read back to see whether it had
 * landed, the device went away, and the host sent the block's Set Address again to a device it
 * knew had left, then reported that instead of the read-back. */
static void test_device_that_leaves_during_a_read_back(void **state)
{
    (void)state;
    board b;
    board_new(&b, &f405, "fault=stall@block:2,fault=unplug@command:4");
    dfu_update_result res;
    assert_int_equal(update(&b, &res), DFU_ERR_DISCONNECTED);
    expect_message(&b, dfu_ctx_error(b.ctx)->message, "reading 0x08005000");
    expect_message(&b, dfu_ctx_error(b.ctx)->message, "disconnected");
    expect_message(&b, b.warnings, "writing 0x08005000 failed");
    assert_true(dfu_device_gone(b.dev));
    expect_idle_afterwards(&b); /* the cable is back after 1 s */
    board_free(&b);
}

/* ---- faults at data block 4, on every profile ---- */

/* What an update on this board takes when nothing goes wrong (virtual time). */
static uint64_t honest_ms(const app *a)
{
    board b;
    board_new(&b, a, NULL);
    dfu_update_result res;
    if (update(&b, &res)) fail_msg("%s: %s", b.spec, dfu_ctx_error(b.ctx)->message);
    board_free(&b);
    return res.elapsed_us / 1000;
}

typedef struct outcome {
    int rc;            /* DFU_OK: retrying recovers */
    unsigned retries;  /* when it recovers */
    const char *says;  /* in the error, or in the warning of the retry; "" for nothing */
    const char *says2; /* and this too */
    uint64_t extra_ms; /* virtual time allowed beyond an honest update */
} outcome;

/* Runs the update against the fault; returns the board for the caller's state checks. */
static void hostile(board *b, const app *a, const char *fault, const outcome *o, uint64_t honest)
{
    char extra[128];
    snprintf(extra, sizeof(extra), "fault=%s", fault);
    board_new(b, a, extra);
    dfu_update_result res;
    int rc = update(b, &res);
    const char *msg = rc ? dfu_ctx_error(b->ctx)->message : b->warnings;
    printf("  %-13s %-30s %-12s %6llu ms virtual (honest %llu, allowed +%llu), %llu ms wall\n",
           a->profile, fault, dfu_error_name(rc), (unsigned long long)res.elapsed_us / 1000,
           (unsigned long long)honest, (unsigned long long)o->extra_ms,
           (unsigned long long)b->wall_us / 1000);
    if (rc != o->rc)
        fail_msg("%s: %s (%s), expected %s", b->spec, dfu_error_name(rc), msg,
                 dfu_error_name(o->rc));
    if (!rc) {
        assert_int_equal(res.retries, o->retries);
        assert_true(res.verified);
    }
    expect_message(b, msg, o->says);
    expect_message(b, msg, o->says2);
    if (o->retries || rc) expect_message(b, msg, a->block4);
    if (res.elapsed_us / 1000 > honest + o->extra_ms)
        fail_msg("%s: %llu ms, more than an honest update (%llu ms) + %llu ms", b->spec,
                 (unsigned long long)res.elapsed_us / 1000, (unsigned long long)honest,
                 (unsigned long long)o->extra_ms);
}

/* The device left as the library reported; after it, and for every recoverable fault, the board
 * is in dfuIDLE (seen from the device itself), and opens afresh in dfuIDLE. */
static void expect_known_state(board *b)
{
    if (!dfu_device_gone(b->dev))
        assert_int_equal(dfu_sim_state(dfu_device_sim(b->dev)), DFU_STATE_DFU_IDLE);
    expect_idle_afterwards(b);
}

static void each_profile(const char *fault, outcome o, bool dfu11_slower)
{
    for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
        const app *a = apps[i];
        outcome oa = o;
        if (dfu11_slower && a->block_ms > 1000) oa.extra_ms += 2 * (a->block_ms - 1000);
        board b;
        hostile(&b, a, fault, &oa, honest_ms(a));
        expect_known_state(&b);
        board_free(&b);
    }
}

/* A bwPollTimeout of 0xFFFFFF ms (4.6 hours) after a block: the host waits no longer than that
 * block may take (the wait's bound), polls again and finds it done. */
static void test_lying_poll_timeout(void **state)
{
    (void)state;
    outcome o = {DFU_OK, 0, "", "", wait_bound_ms(1000)};
    each_profile("polltimeout@block:4:16777215", o, true);
}

/* The device lies about its state or status after a block: a glitch the host retries (after
 * bringing it back to dfuIDLE and reading the block back); the update succeeds, and the
 * warning names what the device said. */
static void test_lying_states_recover(void **state)
{
    (void)state;
    outcome error = {DFU_OK, 1, "errWRITE", "dfuERROR", 2000};
    each_profile("lie@block:4:dfuERROR:errWRITE", error, false);
    outcome upload = {DFU_OK, 1, "dfuUPLOAD-IDLE", "", 2000};
    each_profile("lie@block:4:dfuUPLOAD-IDLE", upload, false);
    outcome idle = {DFU_OK, 1, "dfuIDLE", "", 2000};
    each_profile("lie@block:4:dfuIDLE", idle, false);
    outcome app_idle = {DFU_OK, 1, "appIDLE", "", 2000};
    each_profile("lie@block:4:appIDLE", app_idle, false);
    /* A busy state: polled through, nothing to retry. */
    outcome manifest = {DFU_OK, 0, "", "", 2000};
    each_profile("lie@block:4:dfuMANIFEST", manifest, false);
}

/* A status that is never a glitch (the address is refused): no retry, the update stops with
 * the device's status named, and the board is left in dfuIDLE. */
static void test_permanent_status_stops_at_once(void **state)
{
    (void)state;
    outcome o = {DFU_ERR_DEVICE, 0, "errADDRESS", "dfuERROR", 1000};
    each_profile("lie@block:4:dfuERROR:errADDRESS", o, false);
}

/* The device answers dfuDNBUSY for good after a block (and stalls everything else). The host
 * gives up after the block's wait and a wait for the earlier operation, saying what the device
 * does, where, and what the user must do; the board stays stuck until it is power-cycled. */
static void test_endless_busy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
        const app *a = apps[i];
        outcome o = {DFU_ERR_TIMEOUT, 0, "dfuDNBUSY", "power",
                     wait_bound_ms(a->block_ms) + wait_bound_ms(IDLE_WAIT_MS) + 5000};
        board b;
        hostile(&b, a, "busy@block:4", &o, honest_ms(a));
        assert_int_equal(dfu_ctx_error(b.ctx)->dfu_state, DFU_STATE_DNBUSY);
        assert_int_equal(dfu_sim_state(dfu_device_sim(b.dev)), DFU_STATE_DNBUSY);
        /* Opened again, it is still stuck, and says so. */
        dfu_device_close(b.dev);
        b.dev = NULL;
        assert_int_equal(dfu_device_open(&b.dev, b.ctx, b.clean, NULL), DFU_ERR_TIMEOUT);
        expect_message(&b, dfu_ctx_error(b.ctx)->message, "dfuDNBUSY");
        /* Power-cycled (with the bootloader button held: the DFU 1.1 bootloaders would run
         * the half-written application), it is a bootloader in dfuIDLE again. */
        tu_sim_enter_bootloader(b.clean);
        board_open(&b, b.clean);
        int st, status;
        assert_int_equal(dfu_device_get_status(b.dev, &st, &status), DFU_OK);
        assert_int_equal(st, DFU_STATE_DFU_IDLE);
        board_free(&b);
    }
}

/* A stalled block: retried, and the update succeeds. */
static void test_stall_recovers(void **state)
{
    (void)state;
    outcome o = {DFU_OK, 1, "stalled", "", 2000};
    each_profile("stall@block:4", o, false);
}

/* The device resets itself on a block: it has left; the update says so, naming the block. */
static void test_self_reset_is_a_disconnect(void **state)
{
    (void)state;
    outcome o = {DFU_ERR_DISCONNECTED, 0, "disconnected", "", 0};
    each_profile("reset@block:4", o, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_honest_boards_update),
        cmocka_unit_test(test_tolerant_device_that_restarts_after_manifestation),
        cmocka_unit_test(test_device_that_leaves_during_a_read_back),
        cmocka_unit_test(test_lying_poll_timeout),
        cmocka_unit_test(test_lying_states_recover),
        cmocka_unit_test(test_permanent_status_stops_at_once),
        cmocka_unit_test(test_endless_busy),
        cmocka_unit_test(test_stall_recovers),
        cmocka_unit_test(test_self_reset_is_a_disconnect),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
