/*
 * DFU 1.1 appendix A, every state against every request: the answer (data or stall) and the
 * next state, from a table written from the specification, checked on the "dfu11" reference
 * profile. The other profiles' documented deviations are tested in test_profiles.c.
 */
#include "sim_test.h"

#define APP_BASE 0x08008000u
#define XFER     1024

enum {
    R_DETACH,
    R_DNLOAD,
    R_DNLOAD0,
    R_UPLOAD,
    R_GETSTATUS,
    R_CLRSTATUS,
    R_GETSTATE,
    R_ABORT,
    R_RESET,
    R_COUNT
};
static const char *const request_names[R_COUNT] = {"DFU_DETACH",   "DFU_DNLOAD",    "DFU_DNLOAD(0)",
                                                   "DFU_UPLOAD",   "DFU_GETSTATUS", "DFU_CLRSTATUS",
                                                   "DFU_GETSTATE", "DFU_ABORT",     "USB reset"};

typedef struct cell {
    bool stall;
    int next;
} cell;

#define A(s)                                                                                       \
    {                                                                                              \
        false, DFU_STATE_##s                                                                       \
    } /* answered */
#define S(s)                                                                                       \
    {                                                                                              \
        true, DFU_STATE_##s                                                                        \
    } /* stalled */

/* Rows in bState order (0 appIDLE ... 10 dfuERROR); columns as the enum above. A USB reset in
 * any DFU-mode state runs the (valid) firmware: the application in appIDLE (A.2.3-A.2.11). */
static const cell table[11][R_COUNT] = {
    /* appIDLE (A.2.1) */
    {A(APP_DETACH), S(APP_IDLE), S(APP_IDLE), S(APP_IDLE), A(APP_IDLE), S(APP_IDLE), A(APP_IDLE),
     S(APP_IDLE), A(APP_IDLE)},
    /* appDETACH (A.2.2): a USB reset while the timer runs enters DFU mode */
    {S(APP_IDLE), S(APP_IDLE), S(APP_IDLE), S(APP_IDLE), A(APP_DETACH), S(APP_IDLE), A(APP_DETACH),
     S(APP_IDLE), A(DFU_IDLE)},
    /* dfuIDLE (A.2.3) */
    {S(ERROR), A(DNLOAD_SYNC), S(ERROR), A(UPLOAD_IDLE), A(DFU_IDLE), S(ERROR), A(DFU_IDLE),
     A(DFU_IDLE), A(APP_IDLE)},
    /* dfuDNLOAD-SYNC (A.2.4): the block is still to be programmed */
    {S(ERROR), S(ERROR), S(ERROR), S(ERROR), A(DNBUSY), S(ERROR), A(DNLOAD_SYNC), S(ERROR),
     A(APP_IDLE)},
    /* dfuDNBUSY (A.2.5): any request before bwPollTimeout has elapsed */
    {S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), A(APP_IDLE)},
    /* dfuDNLOAD-IDLE (A.2.6) */
    {S(ERROR), A(DNLOAD_SYNC), A(MANIFEST_SYNC), S(ERROR), A(DNLOAD_IDLE), S(ERROR), A(DNLOAD_IDLE),
     A(DFU_IDLE), A(APP_IDLE)},
    /* dfuMANIFEST-SYNC (A.2.7): manifestation is still to be done */
    {S(ERROR), S(ERROR), S(ERROR), S(ERROR), A(MANIFEST), S(ERROR), A(MANIFEST_SYNC), S(ERROR),
     A(APP_IDLE)},
    /* dfuMANIFEST (A.2.8) */
    {S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), S(ERROR), A(APP_IDLE)},
    /* dfuMANIFEST-WAIT-RESET (A.2.9): waits for a USB reset; status and state are answered */
    {S(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET),
     A(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET), A(MANIFEST_WAIT_RESET), S(MANIFEST_WAIT_RESET),
     A(APP_IDLE)},
    /* dfuUPLOAD-IDLE (A.2.10): a full-length block keeps it there */
    {S(ERROR), S(ERROR), S(ERROR), A(UPLOAD_IDLE), A(UPLOAD_IDLE), S(ERROR), A(UPLOAD_IDLE),
     A(DFU_IDLE), A(APP_IDLE)},
    /* dfuERROR (A.2.11) */
    {S(ERROR), S(ERROR), S(ERROR), S(ERROR), A(ERROR), A(DFU_IDLE), A(ERROR), S(ERROR),
     A(APP_IDLE)},
};

static uint8_t image[XFER];

static void expect_state(th *h, int state)
{
    dfu_sim_bus b;
    th_bus(h, &b);
    assert_int_equal(dfu_sim_state(h->sim), state);
}

/* A device with a valid application in flash and the bootloader running (dfuIDLE). */
static void fresh(th *h)
{
    th_open(h, "dfu11,runtime");
    th_vectors(image, APP_BASE, 0x20020000);
    assert_int_equal(dfu_sim_poke(h->sim, APP_BASE, image, 8), DFU_OK);
    /* It booted with blank flash: dfuERROR/errFIRMWARE until cleared. */
    assert_int_equal(dfu_sim_state(h->sim), DFU_STATE_ERROR);
    assert_int_equal(dfu_sim_status(h->sim), DFU_STATUS_ERR_FIRMWARE);
    assert_int_equal(th_simple(h, DFU_CLRSTATUS), 0);
}

static void to_app(th *h)
{
    dfu_sim_power_cycle(h->sim, h->now);
    assert_true(th_wait_present(h, 2000));
    assert_false(dfu_sim_in_bootloader(h->sim));
    h->iface = 1;
}

static void download_one_block(th *h)
{
    assert_int_equal(th_dnload(h, 0, image, XFER), XFER);
    th_status st = th_getstatus(h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_true(st.poll_ms > 0);
    th_sleep(h, st.poll_ms);
    st = th_getstatus(h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
}

static void reach(th *h, int state)
{
    fresh(h);
    switch (state) {
    case DFU_STATE_APP_IDLE: to_app(h); break;
    case DFU_STATE_APP_DETACH:
        to_app(h);
        assert_int_equal(th_ctrl(h, DFU_REQTYPE_OUT, DFU_DETACH, 1000, 1, NULL, 0), 0);
        break;
    case DFU_STATE_DFU_IDLE: break;
    case DFU_STATE_DNLOAD_SYNC: assert_int_equal(th_dnload(h, 0, image, XFER), XFER); break;
    case DFU_STATE_DNBUSY:
        /* Block 8 (another page): a reset cutting it short leaves the vector table intact. */
        assert_int_equal(th_dnload(h, 8, image, XFER), XFER);
        assert_int_equal(th_getstatus(h).state, DFU_STATE_DNBUSY);
        break;
    case DFU_STATE_DNLOAD_IDLE: download_one_block(h); break;
    case DFU_STATE_MANIFEST_SYNC:
        download_one_block(h);
        assert_int_equal(th_dnload(h, 1, NULL, 0), 0);
        break;
    case DFU_STATE_MANIFEST:
    case DFU_STATE_MANIFEST_WAIT_RESET: {
        download_one_block(h);
        assert_int_equal(th_dnload(h, 1, NULL, 0), 0);
        th_status st = th_getstatus(h);
        assert_int_equal(st.state, DFU_STATE_MANIFEST);
        if (state == DFU_STATE_MANIFEST_WAIT_RESET) th_sleep(h, st.poll_ms);
        break;
    }
    case DFU_STATE_UPLOAD_IDLE: {
        uint8_t buf[XFER];
        assert_int_equal(th_upload(h, 0, buf, XFER), XFER);
        break;
    }
    case DFU_STATE_ERROR: assert_int_equal(th_dnload(h, 0, NULL, 0), DFU_ERR_STALL); break;
    }
    expect_state(h, state);
}

/* Applies a request; what a GETSTATUS answered goes to *st. */
static int apply(th *h, int request, th_status *st)
{
    uint8_t buf[XFER];
    switch (request) {
    case R_DETACH: return th_ctrl(h, DFU_REQTYPE_OUT, DFU_DETACH, 1000, h->iface, NULL, 0);
    case R_DNLOAD: return th_dnload(h, 1, image, XFER);
    case R_DNLOAD0: return th_dnload(h, 1, NULL, 0);
    case R_UPLOAD: return th_upload(h, 1, buf, XFER);
    case R_GETSTATUS: *st = th_getstatus(h); return st->result;
    case R_CLRSTATUS: return th_simple(h, DFU_CLRSTATUS);
    case R_GETSTATE: return th_getstate(h);
    case R_ABORT: return th_simple(h, DFU_ABORT);
    default: dfu_sim_bus_reset(h->sim, h->now); return 0;
    }
}

/* The bStatus a state reports once reached by reach(): every way into dfuERROR here is a
 * stalled request (6.1.2), everything else is OK. */
static uint8_t status_in(int state)
{
    return state == DFU_STATE_ERROR ? DFU_STATUS_ERR_STALLEDPKT : DFU_STATUS_OK;
}

/* What the device itself says about the state it is in after the request, where it can say
 * so without changing it: GETSTATE, then GETSTATUS where that is no transition. Not after a
 * USB reset (the device re-enumerates) nor in dfuDNBUSY and dfuMANIFEST (it must not be
 * asked before bwPollTimeout). */
static void expect_answers(th *h, int s, int r, int next)
{
    if (r == R_RESET || next == DFU_STATE_DNBUSY || next == DFU_STATE_MANIFEST) return;
    int got = th_getstate(h);
    if (got != next)
        fail_msg("%s + %s: then GETSTATE answers %s, expected %s", dfu_state_name(s),
                 request_names[r], got < 0 ? dfu_error_name(got) : dfu_state_name(got),
                 dfu_state_name(next));
    if (next == DFU_STATE_DNLOAD_SYNC || next == DFU_STATE_MANIFEST_SYNC) return;
    th_status st = th_getstatus(h);
    uint8_t status = status_in(next);
    if (st.result < 0)
        fail_msg("%s + %s: then GETSTATUS: %s", dfu_state_name(s), request_names[r],
                 dfu_error_name(st.result));
    if (st.state != next || st.status != status)
        fail_msg("%s + %s: then GETSTATUS answers %s/%s, expected %s/%s", dfu_state_name(s),
                 request_names[r], dfu_state_name(st.state), dfu_status_name(st.status),
                 dfu_state_name(next), dfu_status_name(status));
}

static void test_every_state_and_request(void **state)
{
    (void)state;
    for (int s = 0; s <= DFU_STATE_ERROR; s++) {
        for (int r = 0; r < R_COUNT; r++) {
            th h;
            reach(&h, s);
            th_status st = {0, 0, 0, 0};
            int rc = apply(&h, r, &st);
            const cell *want = &table[s][r];
            if (want->stall != (rc == DFU_ERR_STALL) || (!want->stall && rc < 0))
                fail_msg("%s + %s: %s, expected %s", dfu_state_name(s), request_names[r],
                         dfu_error_name(rc), want->stall ? "a stall" : "an answer");
            /* The answer itself: GETSTATE names the state it is in, GETSTATUS the state it
             * moves to (dfuDNBUSY for a block it starts) and its status. */
            if (r == R_GETSTATE && !want->stall && rc != s)
                fail_msg("%s + GETSTATE: answered %s", dfu_state_name(s),
                         rc < 0 ? dfu_error_name(rc) : dfu_state_name(rc));
            if (r == R_GETSTATUS && !want->stall &&
                (st.state != want->next || st.status != status_in(s)))
                fail_msg("%s + GETSTATUS: answered %s/%s, expected %s/%s", dfu_state_name(s),
                         dfu_state_name(st.state), dfu_status_name(st.status),
                         dfu_state_name(want->next), dfu_status_name(status_in(s)));
            int got = (int)dfu_sim_state(h.sim);
            if (got != want->next)
                fail_msg("%s + %s: next state %s, expected %s", dfu_state_name(s), request_names[r],
                         dfu_state_name(got), dfu_state_name(want->next));
            expect_answers(&h, s, r, want->next);
            th_close(&h);
        }
    }
}

/* A stall that moves to dfuERROR says why: errSTALLEDPKT (6.1.2). */
static void test_stall_reports_errstalledpkt(void **state)
{
    (void)state;
    th h;
    reach(&h, DFU_STATE_DFU_IDLE);
    assert_int_equal(th_dnload(&h, 0, NULL, 0), DFU_ERR_STALL);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_ERR_STALLEDPKT);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_close(&h);
}

/* A.2.10: an upload that reaches the end of memory returns a short frame and ends. */
static void test_short_frame_ends_upload(void **state)
{
    (void)state;
    th h;
    reach(&h, DFU_STATE_DFU_IDLE);
    uint8_t buf[XFER];
    size_t total = 0;
    int n;
    while ((n = th_upload(&h, 0, buf, XFER)) == XFER) total += XFER;
    assert_true(n >= 0 && n < XFER);
    total += (size_t)n;
    assert_int_equal(total, 1024 * 1024 - 32 * 1024); /* the application region */
    assert_int_equal(dfu_sim_state(h.sim), DFU_STATE_DFU_IDLE);
    th_close(&h);
}

/* A manifestation-tolerant device comes back to dfuIDLE through dfuMANIFEST-SYNC. */
static void test_manifestation_tolerant(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11,tolerant=1");
    th_simple(&h, DFU_CLRSTATUS);
    th_vectors(image, APP_BASE, 0x20020000);
    download_one_block(&h);
    assert_int_equal(th_dnload(&h, 1, NULL, 0), 0);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_MANIFEST);
    th_sleep(&h, st.poll_ms);
    expect_state(&h, DFU_STATE_MANIFEST_SYNC);
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DFU_IDLE);
    th_close(&h);
}

/* bitWillDetach: at the end of manifestation the device re-attaches as the application by
 * itself; the host sends no USB reset. */
static void test_will_detach_reattaches_without_reset(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11,willdetach=1");
    th_simple(&h, DFU_CLRSTATUS);
    dfu_sim_bus b;
    th_bus(&h, &b);
    uint32_t gen = b.generation;
    th_vectors(image, APP_BASE, 0x20020000);
    download_one_block(&h);
    assert_int_equal(th_dnload(&h, 1, NULL, 0), 0);
    th_status st = th_getstatus(&h);
    th_sleep(&h, st.poll_ms);
    assert_true(th_wait_present(&h, 2000));
    th_bus(&h, &b);
    assert_int_equal(b.generation, gen + 1);
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* 6.1.1: wBlockNum wraps at 65535; the device keeps counting so block 0 after the wrap lands
 * 65536 blocks further on. */
static void test_block_number_wraps(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11,transfer=8");
    th_simple(&h, DFU_CLRSTATUS);
    uint8_t b[8];
    for (uint32_t i = 0; i < 65536u + 3; i++) {
        for (int k = 0; k < 8; k++) b[k] = (uint8_t)(i >> (k % 3 * 8));
        assert_int_equal(th_dnload(&h, (uint16_t)i, b, 8), 8);
        th_status st = th_poll(&h);
        if (st.state != DFU_STATE_DNLOAD_IDLE)
            fail_msg("block %u: %s", i, dfu_state_name(st.state));
    }
    uint8_t got[8];
    th_peek(&h, APP_BASE + 65536u * 8 + 2 * 8, got, 8);
    uint32_t i = 65536u + 2;
    for (int k = 0; k < 8; k++) assert_int_equal(got[k], (uint8_t)(i >> (k % 3 * 8)));
    th_peek(&h, APP_BASE + 2 * 8, got, 8); /* block 2 before the wrap is still there */
    assert_int_equal(got[0], 2);
    th_close(&h);
}

/* A.2.3: a USB reset with no valid firmware stays in DFU mode and says errFIRMWARE. */
static void test_reset_without_firmware(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dfu11");
    th_simple(&h, DFU_CLRSTATUS);
    dfu_sim_bus_reset(h.sim, h.now);
    assert_true(dfu_sim_in_bootloader(h.sim));
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(st.status, DFU_STATUS_ERR_FIRMWARE);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_and_request),
        cmocka_unit_test(test_stall_reports_errstalledpkt),
        cmocka_unit_test(test_short_frame_ends_upload),
        cmocka_unit_test(test_manifestation_tolerant),
        cmocka_unit_test(test_will_detach_reattaches_without_reset),
        cmocka_unit_test(test_block_number_wraps),
        cmocka_unit_test(test_reset_without_firmware),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
