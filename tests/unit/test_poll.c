/*
 * GETSTATUS polling and state cleanup against a scripted device on a virtual clock: the host
 * sleeps exactly what the device asks, never after the final status, never forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "proto/proto.h"
#include "testutil.h"

/* One scripted answer to a request. */
typedef struct answer {
    uint8_t request;   /* expected bRequest */
    int result;        /* bytes, or a DFU_ERR_* */
    uint8_t status[6]; /* GETSTATUS payload */
} answer;

typedef struct fake {
    dfu_transport base;
    dfu_virtual_clock clock;
    const answer *script;
    size_t n, next;
    answer repeat; /* answered when the script is exhausted */
    bool has_repeat;
    uint64_t requests;
    uint64_t sleep_before_last; /* virtual time between the last two requests */
    uint64_t last_request_at;
    unsigned last_timeout; /* of the last request */
} fake;

static int fake_control(dfu_transport *t, const dfu_usb_setup *s, uint8_t *data, unsigned timeout)
{
    fake *f = (fake *)t;
    f->last_timeout = timeout;
    uint64_t now = f->clock.now;
    f->sleep_before_last = now - f->last_request_at;
    f->last_request_at = now;
    if (++f->requests > 100000)
        fail_msg("the host keeps asking: %llu requests", (unsigned long long)f->requests);
    /* The script's next answer when it is for this request, else the repeating one. */
    const answer *a = NULL;
    if (f->next < f->n && (!f->has_repeat || f->script[f->next].request == s->bRequest))
        a = &f->script[f->next++];
    else if (f->has_repeat && f->repeat.request == s->bRequest)
        a = &f->repeat;
    else if (f->next < f->n)
        a = &f->script[f->next++];
    if (!a) fail_msg("unexpected request %s after the script", dfu_request_name(s->bRequest));
    if (a->request != s->bRequest)
        fail_msg("request %llu: got %s, script expects %s", (unsigned long long)f->requests,
                 dfu_request_name(s->bRequest), dfu_request_name(a->request));
    if (a->result > 0 && s->bRequest == DFU_GETSTATUS) memcpy(data, a->status, 6);
    return a->result;
}

static int fake_set_alt(dfu_transport *t, uint8_t i, uint8_t a)
{
    (void)t, (void)i, (void)a;
    return DFU_OK;
}

static int fake_reset(dfu_transport *t)
{
    (void)t;
    return DFU_ERR_DISCONNECTED;
}

static void fake_close(dfu_transport *t)
{
    (void)t;
}

static const dfu_transport_ops fake_ops = {fake_control, fake_set_alt, fake_reset, fake_close};

typedef struct rig {
    fake f;
    dfu_device d;
    dfu_ctx *ctx;
} rig;

static void rig_init(rig *r, const answer *script, size_t n)
{
    memset(r, 0, sizeof(*r));
    dfu_ctx_new(&r->ctx);
    dfu_virtual_clock_init(&r->f.clock);
    r->f.base.ops = &fake_ops;
    r->f.base.clock = &r->f.clock.base;
    r->f.script = script;
    r->f.n = n;
    r->d.ctx = r->ctx;
    r->d.t = &r->f.base;
    r->d.clock = &r->f.clock.base;
    r->d.transfer_size = 2048;
    r->d.dfuse = true;
}

static void rig_done(rig *r)
{
    if (r->f.next != r->f.n) fail_msg("%zu scripted answers unused", r->f.n - r->f.next);
    dfu_ctx_free(r->ctx);
}

#define ST(status, poll, state)                                                                    \
    {                                                                                              \
        (status), (uint8_t)(poll), (uint8_t)((poll) >> 8), (uint8_t)((poll) >> 16), (state), 0     \
    }
#define GETSTATUS(status, poll, state)                                                             \
    {                                                                                              \
        DFU_GETSTATUS, 6, ST(status, poll, state)                                                  \
    }

static void test_sleeps_exactly_the_poll_timeout_and_not_after_the_last(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 2048, {0}},
        GETSTATUS(DFU_STATUS_OK, 104, DFU_STATE_DNBUSY),
        /* A nonzero bwPollTimeout with the final state: dfu-util sleeps it, the host need not
         * (the device is idle: nothing is left to wait for). */
        GETSTATUS(DFU_STATUS_OK, 500, DFU_STATE_DNLOAD_IDLE),
    };
    rig r;
    rig_init(&r, script, 3);
    uint8_t block[2048] = {0};
    assert_int_equal(dfu_dfuse_write_block(&r.d, 2, block, sizeof(block), 0x08000000), DFU_OK);
    assert_int_equal(r.f.sleep_before_last, 104000); /* exactly what the device asked */
    assert_int_equal(r.f.clock.now, 104000);         /* and nothing after dfuDNLOAD-IDLE */
    assert_int_equal(r.d.stats.slept_us, 104000);
    assert_int_equal(r.d.stats.getstatus, 2);
    rig_done(&r);
}

static void test_lying_poll_timeout_is_bounded(void **state)
{
    (void)state;
    const answer script[] = {{DFU_DNLOAD, 2048, {0}}};
    rig r;
    rig_init(&r, script, 1);
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 0xFFFFFF, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    uint8_t block[2048] = {0};
    assert_int_equal(dfu_dfuse_write_block(&r.d, 2, block, sizeof(block), 0x08000000),
                     DFU_ERR_TIMEOUT);
    /* 0xFFFFFF ms is 4.6 hours; the host gives up after the bound (2 x 1 s + 10 s). */
    assert_true(r.f.clock.now <= 13000000u);
    assert_true(r.f.clock.now >= 12000000u);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "still in dfuDNBUSY"));
    assert_int_equal(dfu_ctx_error(r.ctx)->dfu_state, DFU_STATE_DNBUSY);
    rig_done(&r);
}

/* Found by fuzz_device: after a lost DNLOAD answer the device was found in dfuDNBUSY and its
 * bwPollTimeout was slept whole, so a lie of 0xFFFFFF held the host 4.6 hours. */
static void test_lying_poll_timeout_after_a_lost_answer_is_bounded(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, DFU_ERR_USB, {0}},
        GETSTATUS(DFU_STATUS_OK, 0xFFFFFF, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig r;
    rig_init(&r, script, 3);
    uint8_t block[2048] = {0};
    assert_int_equal(dfu_dfuse_write_block(&r.d, 2, block, sizeof(block), 0x08000000), DFU_OK);
    /* No longer than writing a block may take (1 s), not what the device asked. */
    assert_true(r.f.clock.now <= 1000000u);
    rig_done(&r);
}

static void test_zero_poll_timeout_while_busy_does_not_spin(void **state)
{
    (void)state;
    answer script[12] = {{DFU_DNLOAD, 1024, {0}}};
    for (int i = 1; i <= 10; i++) script[i] = (answer)GETSTATUS(0, 0, DFU_STATE_DNBUSY);
    script[11] = (answer)GETSTATUS(0, 0, DFU_STATE_DNLOAD_IDLE);
    rig r;
    rig_init(&r, script, 12);
    uint8_t block[1024] = {0};
    assert_int_equal(dfu_dfu11_write_block(&r.d, 0, block, sizeof(block)), DFU_OK);
    assert_int_equal(r.f.clock.now, 10 * 1000u); /* 1 ms between busy polls, none at the end */
    rig_done(&r);
}

static void test_stalls_during_erase_tolerated_only_with_the_quirk(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 5, {0}},
        GETSTATUS(0, 22, DFU_STATE_DNBUSY),
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
        GETSTATUS(0, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig r;
    rig_init(&r, script, 5);
    r.d.quirks.poll_stalls = 3;
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08000000, 2048), DFU_OK);
    rig_done(&r);

    rig_init(&r, script, 3); /* without the quirk: the first stall is an error */
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08000000, 2048), DFU_ERR_STALL);
    assert_non_null(
        strstr(dfu_ctx_error(r.ctx)->message, "erasing the 2048-byte sector at 0x08000000"));
    rig_done(&r);
}

/* Found by fuzz_device: a tolerated stall slept the last poll timeout whole, past the deadline:
 * the device's (a lie of 0xFFFFFF: 4.6 hours) or the erase-poll quirk's (49 days). */
static void test_stalls_never_stretch_the_wait(void **state)
{
    (void)state;
    const answer lie[] = {
        {DFU_DNLOAD, 5, {0}},
        GETSTATUS(0, 0xFFFFFF, DFU_STATE_DNBUSY),
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
    };
    rig r;
    rig_init(&r, lie, 3);
    r.d.quirks.poll_stalls = 3;
    /* The wait ends at its bound (2 x 100 ms + 10 s); a stall past it is final. */
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08000000, 2048), DFU_ERR_STALL);
    assert_true(r.f.clock.now <= 10200000u);
    rig_done(&r);

    const answer stall_first[] = {
        {DFU_DNLOAD, 5, {0}},
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
        GETSTATUS(0, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig_init(&r, stall_first, 3);
    r.d.quirks.poll_stalls = 3;
    r.d.quirks.erase_poll_ms = 0xFFFFFFFFu;
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08000000, 2048), DFU_OK);
    assert_true(r.f.clock.now <= 10200000u);
    rig_done(&r);
}

static void test_stuck_dnbusy_after_erase_needs_the_quirk(void **state)
{
    (void)state;
    const answer without[] = {{DFU_DNLOAD, 5, {0}}};
    const answer with[] = {
        {DFU_DNLOAD, 5, {0}},
        {DFU_CLRSTATUS, 0, {0}},
        GETSTATUS(DFU_STATUS_ERR_UNKNOWN, 0, DFU_STATE_ERROR),
        {DFU_CLRSTATUS, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE),
    };
    rig r;
    rig_init(&r, without, 1);
    r.f.repeat = (answer)GETSTATUS(0, 100, DFU_STATE_DNBUSY); /* H7 rev V: busy for ever */
    r.f.has_repeat = true;
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08020000, 131072), DFU_ERR_TIMEOUT);
    rig_done(&r);

    /* With the quirk: once the erase's longest time has passed, CLRSTATUS twice and done. */
    rig_init(&r, with, 5);
    r.d.quirks.stuck_dnbusy = true;
    r.f.repeat = (answer)GETSTATUS(0, 100, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08020000, 131072), DFU_OK);
    assert_true(r.f.clock.now >= (uint64_t)dfu_erase_expect_ms(131072) * 1000u);
    rig_done(&r);
}

static void test_make_idle_clears_error_and_aborts_stale_transfers(void **state)
{
    (void)state;
    const answer script[] = {
        GETSTATUS(DFU_STATUS_ERR_WRITE, 0, DFU_STATE_ERROR), {DFU_CLRSTATUS, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),  {DFU_ABORT, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE),
    };
    rig r;
    rig_init(&r, script, 5);
    assert_int_equal(dfu_make_idle(&r.d), DFU_OK);
    rig_done(&r);
}

/* Found by test_hostile: an STM32L4 still programming stalls GETSTATUS; make_idle, bringing it
 * back after a glitch, took the stall as the end, and the whole update failed. */
static void test_make_idle_waits_out_stalls_with_the_quirk(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
        {DFU_GETSTATUS, DFU_ERR_STALL, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
        {DFU_ABORT, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE),
    };
    rig r;
    rig_init(&r, script, 5);
    r.d.quirks.poll_stalls = 3;
    assert_int_equal(dfu_make_idle(&r.d), DFU_OK);
    rig_done(&r);
    rig_init(&r, script, 1);
    assert_int_equal(dfu_make_idle(&r.d), DFU_ERR_STALL); /* without the quirk */
    rig_done(&r);
}

/* Found by test_hostile: a device stuck in dfuDNBUSY that refuses CLRSTATUS was reported as
 * "DFU_CLRSTATUS: the device stalled the request"; one that takes CLRSTATUS and stays busy was
 * waited for eight times over (160 s). */
static void test_make_idle_reports_a_stuck_device(void **state)
{
    (void)state;
    const answer refuses[] = {
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        {DFU_CLRSTATUS, DFU_ERR_STALL, {0}},
    };
    rig r;
    rig_init(&r, refuses, 2);
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    assert_int_equal(dfu_make_idle(&r.d), DFU_ERR_TIMEOUT);
    const dfu_error_info *e = dfu_ctx_error(r.ctx);
    assert_int_equal(e->dfu_state, DFU_STATE_DNBUSY);
    assert_non_null(strstr(e->message, "stays in dfuDNBUSY"));
    assert_non_null(strstr(e->message, "power cycle"));
    rig_done(&r);

    const answer takes_it[] = {
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        {DFU_CLRSTATUS, 0, {0}},
    };
    rig_init(&r, takes_it, 2);
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    assert_int_equal(dfu_make_idle(&r.d), DFU_ERR_TIMEOUT);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "stays in dfuDNBUSY"));
    /* Two waits for an earlier operation, each as long as the longest a DfuSe device may take
     * (a mass erase: 2 x 40 s + 10 s), not eight. */
    assert_true(r.f.clock.now <= 2 * (2 * DFU_LONGEST_OPERATION_MS + 11000u) * 1000u);
    rig_done(&r);
}

static void test_device_error_names_status_and_state(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 2048, {0}},
        GETSTATUS(DFU_STATUS_ERR_PROG, 0, DFU_STATE_ERROR),
    };
    rig r;
    rig_init(&r, script, 2);
    uint8_t block[2048] = {0};
    assert_int_equal(dfu_dfuse_write_block(&r.d, 5, block, sizeof(block), 0x08001800),
                     DFU_ERR_DEVICE);
    const dfu_error_info *e = dfu_ctx_error(r.ctx);
    assert_int_equal(e->dfu_status, DFU_STATUS_ERR_PROG);
    assert_non_null(strstr(e->message, "0x08001800"));
    assert_non_null(strstr(e->message, "errPROG"));
    assert_non_null(strstr(e->message, "dfuERROR"));
    rig_done(&r);
}

static void test_garbage_status_is_a_protocol_error(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_GETSTATUS, 3, {0}},
        {DFU_GETSTATUS, 6, ST(0, 0, 42)},
    };
    rig r;
    rig_init(&r, script, 2);
    dfu_status_reply st;
    assert_int_equal(dfu_req_getstatus(&r.d, &st, 1000), DFU_ERR_PROTOCOL);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "3 bytes instead of 6"));
    assert_int_equal(dfu_req_getstatus(&r.d, &st, 1000), DFU_ERR_PROTOCOL);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "state 42"));
    rig_done(&r);
}

/* Found by fuzz_device: manifestation slept the device's bwPollTimeout whole (3.7 hours), and
 * asked again at once, with no pause at all, a device that stays in dfuMANIFEST-SYNC. */
static void test_manifestation_wait_is_bounded_and_paced(void **state)
{
    (void)state;
    const answer lie[] = {
        {DFU_DNLOAD, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 0xFFFFFF, DFU_STATE_MANIFEST),
    };
    rig r;
    rig_init(&r, lie, 2);
    r.d.dfuse = false;
    assert_int_equal(dfu_dfu11_manifest(&r.d, 3), DFU_ERR_TIMEOUT);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "manifestation"));
    assert_true(r.f.clock.now <= 20000000u); /* 2 x the 10 s manifestation may take */
    rig_done(&r);

    const answer sync[] = {{DFU_DNLOAD, 0, {0}}};
    rig_init(&r, sync, 1);
    r.d.dfuse = false;
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_MANIFEST_SYNC);
    r.f.has_repeat = true;
    assert_int_equal(dfu_dfu11_manifest(&r.d, 3), DFU_ERR_TIMEOUT);
    assert_true(r.f.requests <= 20001); /* at most one GETSTATUS a millisecond */
    rig_done(&r);
}

static void test_leave_succeeds_when_the_device_resets_at_once(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 0, {0}},
        {DFU_GETSTATUS, DFU_ERR_DISCONNECTED, {0}},
    };
    rig r;
    rig_init(&r, script, 2);
    assert_int_equal(dfu_dfuse_leave(&r.d, NULL), DFU_OK);
    assert_true(r.d.gone);
    assert_int_equal(dfu_ctx_error(r.ctx)->code, DFU_OK);
    rig_done(&r);
}

static void test_lost_answer_reported_idle_is_never_sent_twice(void **state)
{
    (void)state;
    /* The DNLOAD's answer is lost; the device (which programs while it answers) reports
     * dfuDNLOAD-IDLE: the block may well have been written. Sending it again could write it
     * twice on a device that appends blocks; the caller must find out instead. */
    const answer script[] = {
        {DFU_DNLOAD, DFU_ERR_USB, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig r;
    rig_init(&r, script, 2);
    r.d.dfuse = false;
    uint8_t block[1024] = {0};
    assert_int_equal(dfu_dfu11_write_block(&r.d, 7, block, sizeof(block)), DFU_ERR_USB);
    assert_int_equal(r.d.stats.dnload, 1);
    rig_done(&r);
}

static void test_refused_manifestation_is_an_error_not_a_departure(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, DFU_ERR_STALL, {0}},
        GETSTATUS(DFU_STATUS_ERR_FIRMWARE, 0, DFU_STATE_ERROR),
    };
    rig r;
    rig_init(&r, script, 2);
    r.d.dfuse = false;
    assert_int_equal(dfu_dfu11_manifest(&r.d, 3), DFU_ERR_DEVICE);
    assert_false(r.d.gone);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "errFIRMWARE"));
    rig_done(&r);
}

/* The end of a DFU 1.1 download is lost on its way: the device still waits in dfuDNLOAD-IDLE.
 * An empty block cannot be written twice, so it is sent again and manifestation goes on. */
static void test_lost_end_of_download_is_sent_again(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, DFU_ERR_USB, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
        {DFU_DNLOAD, 0, {0}},
        GETSTATUS(DFU_STATUS_OK, 10, DFU_STATE_MANIFEST),
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE),
    };
    rig r;
    rig_init(&r, script, 5);
    r.d.dfuse = false;
    if (dfu_dfu11_manifest(&r.d, 3)) fail_msg("%s", dfu_ctx_error(r.ctx)->message);
    assert_int_equal(r.d.stats.dnload, 2);
    rig_done(&r);

    /* A device that never takes it: an error after three tries, not a loop. */
    const answer stubborn[] = {
        {DFU_DNLOAD, 0, {0}}, GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
        {DFU_DNLOAD, 0, {0}}, GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
        {DFU_DNLOAD, 0, {0}}, GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig_init(&r, stubborn, 6);
    r.d.dfuse = false;
    assert_int_equal(dfu_dfu11_manifest(&r.d, 3), DFU_ERR_PROTOCOL);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "dfuDNLOAD-IDLE"));
    assert_int_equal(r.d.stats.dnload, 3);
    rig_done(&r);
}

static void test_leave_with_a_device_that_stops_answering_is_a_success(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 0, {0}},
        {DFU_GETSTATUS, DFU_ERR_USB, {0}},     /* the answer of a device resetting ... */
        {DFU_GETSTATUS, DFU_ERR_TIMEOUT, {0}}, /* ... which then answers nothing */
    };
    rig r;
    rig_init(&r, script, 3);
    assert_int_equal(dfu_dfuse_leave(&r.d, NULL), DFU_OK);
    assert_true(r.d.gone);
    rig_done(&r);
}

/* The last block of option bytes: the ST ROM answers dfuDNBUSY, then resets to load them. Its
 * going away is the write's success there, and only there; a device lost before it took the
 * block has written nothing. */
static void test_option_bytes_block_ends_with_a_reset(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 16, {0}},
        GETSTATUS(DFU_STATUS_OK, 104, DFU_STATE_DNBUSY),
        {DFU_GETSTATUS, DFU_ERR_DISCONNECTED, {0}},
    };
    uint8_t block[16] = {0xEC, 0xAA};
    rig r;
    rig_init(&r, script, 3);
    assert_int_equal(dfu_dfuse_write_block_then_reset(&r.d, 2, block, 16, 0x1FFFC000), DFU_OK);
    assert_true(r.d.gone);
    assert_int_equal(r.f.sleep_before_last, 104000); /* the poll timeout was honoured */
    rig_done(&r);

    rig_init(&r, script, 3); /* any other block: the same is a failure */
    assert_int_equal(dfu_dfuse_write_block(&r.d, 2, block, 16, 0x1FFFC000), DFU_ERR_DISCONNECTED);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "writing 16 bytes at 0x1fffc000"));
    rig_done(&r);

    const answer lost[] = {{DFU_DNLOAD, DFU_ERR_DISCONNECTED, {0}}};
    rig_init(&r, lost, 1);
    assert_int_equal(dfu_dfuse_write_block_then_reset(&r.d, 2, block, 16, 0x1FFFC000),
                     DFU_ERR_DISCONNECTED);
    rig_done(&r);

    /* Still there, it must end as after any block. */
    const answer stayed[] = {
        {DFU_DNLOAD, 16, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_ERR_WRITE, 0, DFU_STATE_ERROR),
    };
    rig_init(&r, stayed, 3);
    assert_int_equal(dfu_dfuse_write_block_then_reset(&r.d, 2, block, 16, 0x1FFFC000),
                     DFU_ERR_DEVICE);
    assert_false(r.d.gone);
    rig_done(&r);
}

/* Read Unprotect: every ST-style device answers the first GETSTATUS with dfuDNBUSY; what it did
 * shows on the next ones. Success is the device going away (the ST ROM erases and resets), after
 * the poll timeouts it asks for; an answer is a refusal or a device that did not reset. */
static void test_read_unprotect_succeeds_only_when_the_device_goes(void **state)
{
    (void)state;
    const answer erased[] = {
        {DFU_DNLOAD, 1, {0}},
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        {DFU_GETSTATUS, DFU_ERR_DISCONNECTED, {0}},
    };
    rig r;
    rig_init(&r, erased, 4);
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_OK);
    assert_true(r.d.gone);
    assert_int_equal(r.d.stats.slept_us, 200000);
    rig_done(&r);

    /* A device resetting may fail the transfers in other ways, and then answer nothing. */
    const answer silent[] = {
        {DFU_DNLOAD, 1, {0}},
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
    };
    rig_init(&r, silent, 2);
    r.f.repeat = (answer){DFU_GETSTATUS, DFU_ERR_USB, {0}};
    r.f.has_repeat = true;
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_OK);
    assert_true(r.d.gone);
    rig_done(&r);

    /* errSTALLEDPKT: the ST class does not know the command (GD32). Nothing was erased. */
    const answer unknown[] = {
        {DFU_DNLOAD, 1, {0}},
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_ERR_STALLEDPKT, 0, DFU_STATE_ERROR),
    };
    rig_init(&r, unknown, 3);
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_ERR_UNSUPPORTED);
    assert_false(r.d.gone);
    assert_int_equal(dfu_ctx_error(r.ctx)->dfu_status, DFU_STATUS_ERR_STALLEDPKT);
    assert_int_equal(dfu_ctx_error(r.ctx)->dfu_state, DFU_STATE_ERROR);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "does not support Read Unprotect"));
    rig_done(&r);

    /* mboot: dfuERROR with status OK. */
    const answer refused[] = {
        {DFU_DNLOAD, 1, {0}},
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_ERROR),
    };
    rig_init(&r, refused, 3);
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_ERR_DEVICE);
    assert_false(r.d.gone);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "device reports OK"));
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "refused the command"));
    rig_done(&r);

    /* Still there and idle: whatever it did, it did not reset. */
    const answer stayed[] = {
        {DFU_DNLOAD, 1, {0}},
        GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig_init(&r, stayed, 3);
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_ERR_PROTOCOL);
    assert_false(r.d.gone);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "did not reset"));
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "unknown"));
    rig_done(&r);
}

/* The wait for Read Unprotect is a mass erase's: a device busy for longer is an error, after a
 * bounded time whatever it asks. */
static void test_read_unprotect_wait_is_bounded(void **state)
{
    (void)state;
    const answer script[] = {{DFU_DNLOAD, 1, {0}}};
    rig r;
    rig_init(&r, script, 1);
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 0xFFFFFF, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    assert_int_equal(dfu_dfuse_read_unprotect(&r.d), DFU_ERR_TIMEOUT);
    /* 2 x 40 s + 10 s. */
    assert_true(r.f.clock.now <= 91000000u);
    assert_true(r.f.clock.now >= 40000000u);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "read unprotect"));
    rig_done(&r);
}

/* A caller's "stop": the context's cancel callback or the device's wait hook, asked every
 * DFU_WAIT_ASK_MS of a wait, answering yes from question number yes_from on (0: never). */
typedef struct stopper {
    fake *f;
    unsigned asked, yes_from;
    uint64_t yes_at; /* virtual time of the first yes */
} stopper;

static int stop_asked(void *payload)
{
    stopper *s = payload;
    s->asked++;
    bool yes = s->yes_from && s->asked >= s->yes_from;
    if (yes && !s->yes_at) s->yes_at = s->f->clock.now;
    return yes;
}

/* The embedder's report: a device stuck in dfuDNBUSY held the host for the whole bound, the
 * cancel unheard. Asked every 100 ms, the wait stops at the first yes, says what it was waiting
 * for, and remembers that the device may stay busy as long as the operation may take. */
static void test_a_cancel_ends_a_busy_wait_at_once(void **state)
{
    (void)state;
    for (int hook = 0; hook <= 1; hook++) {
        const answer script[] = {{DFU_DNLOAD, 5, {0}}};
        rig r;
        rig_init(&r, script, 1);
        r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY);
        r.f.has_repeat = true;
        stopper s = {&r.f, 0, 30, 0};
        if (hook)
            dfu_device_set_wait_hook(&r.d, stop_asked, &s);
        else
            dfu_ctx_set_cancel(r.ctx, stop_asked, &s);
        assert_int_equal(dfu_dfuse_erase_page(&r.d, 0x08020000, 128 * 1024), DFU_ERR_CANCELLED);
        assert_int_equal(s.asked, 30);
        assert_int_equal(r.f.clock.now, s.yes_at); /* not a moment's more waiting */
        assert_in_range(r.f.clock.now, 3000000u, 3010000u);
        const char *msg = dfu_ctx_error(r.ctx)->message;
        assert_non_null(strstr(msg, "erasing the 131072-byte sector at 0x08020000: cancelled"));
        assert_non_null(strstr(msg, "it goes on by itself"));
        /* It may still be erasing until the erase's longest time (5120 ms) has passed. */
        assert_true(dfu_device_may_be_busy(&r.d));
        assert_int_equal(r.d.busy_until_us, r.d.busy_since_us + 5120000u);
        assert_string_equal(r.d.busy_what, "erasing the 131072-byte sector at 0x08020000");
        rig_done(&r);
    }
}

/* Waits shorter than DFU_WAIT_ASK_MS are never asked: they end before a cancel would matter. */
static void test_short_waits_are_not_asked(void **state)
{
    (void)state;
    const answer script[] = {
        {DFU_DNLOAD, 2048, {0}},
        GETSTATUS(DFU_STATUS_OK, 45, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 45, DFU_STATE_DNBUSY),
        GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DNLOAD_IDLE),
    };
    rig r;
    rig_init(&r, script, 4);
    stopper s = {&r.f, 0, 1, 0};
    dfu_ctx_set_cancel(r.ctx, stop_asked, &s);
    uint8_t block[2048] = {0};
    assert_int_equal(dfu_dfuse_write_block(&r.d, 2, block, sizeof(block), 0x08000000), DFU_OK);
    assert_int_equal(s.asked, 0);
    assert_int_equal(r.d.stats.slept_us, 90000u);
    rig_done(&r);
}

/* make_idle waits for a device busy from an earlier session (up to a mass erase); a cancel ends
 * that wait too. So does one settling after a cancel, at its first question, asking nobody. */
static void test_make_idle_wait_for_a_busy_device_is_cancelled(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL, 0);
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 100, DFU_STATE_DNBUSY);
    r.f.has_repeat = true;
    stopper s = {&r.f, 0, 5, 0};
    dfu_ctx_set_cancel(r.ctx, stop_asked, &s);
    assert_int_equal(dfu_make_idle(&r.d), DFU_ERR_CANCELLED);
    assert_int_equal(r.f.clock.now, 500000u);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "finishing an earlier operation"));

    s = (stopper){&r.f, 0, 0, 0};
    r.f.clock.now = 0;
    dfu_err(r.ctx, DFU_ERR_CANCELLED, "the cancel's own message");
    assert_false(dfu_settle_cancelled(&r.d));
    assert_int_equal(s.asked, 0);
    assert_int_equal(r.f.clock.now, 100000u);
    assert_string_equal(dfu_ctx_error(r.ctx)->message, "the cancel's own message");
    rig_done(&r);
}

/* Manifestation: a device that asks for 4.6 hours is held to 20 s, and a cancel ends it sooner. */
static void test_manifestation_wait_is_cancelled(void **state)
{
    (void)state;
    const answer lie[] = {{DFU_DNLOAD, 0, {0}}};
    rig r;
    rig_init(&r, lie, 1);
    r.d.dfuse = false;
    r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 0xFFFFFF, DFU_STATE_MANIFEST);
    r.f.has_repeat = true;
    stopper s = {&r.f, 0, 12, 0};
    dfu_ctx_set_cancel(r.ctx, stop_asked, &s);
    assert_int_equal(dfu_dfu11_manifest(&r.d, 3), DFU_ERR_CANCELLED);
    assert_int_equal(r.f.clock.now, 1200000u);
    assert_non_null(strstr(dfu_ctx_error(r.ctx)->message, "manifestation: cancelled"));
    rig_done(&r);
}

/* A clock that moves on by a millisecond at every reading, as a wall clock does between two. */
typedef struct ticking {
    dfu_clock base;
    uint64_t now;
} ticking;

static uint64_t tick_now(dfu_clock *c)
{
    ticking *t = (ticking *)c;
    uint64_t now = t->now;
    t->now += 1000;
    return now;
}

static void tick_sleep(dfu_clock *c, uint64_t us)
{
    ((ticking *)c)->now += us;
}

/* make_idle gives a device still busy from a cancelled wait until busy_until_us to answer, and
 * no more: wherever that moment falls among the clock's readings, never a timeout of a time
 * that had passed already, counted backwards into ~584,000 years. */
static void test_make_idle_allows_a_busy_device_what_is_left(void **state)
{
    (void)state;
    for (uint64_t k = 0; k < 12; k++) {
        rig r;
        rig_init(&r, NULL, 0);
        ticking clock = {{tick_now, tick_sleep}, 1000000};
        r.d.clock = &clock.base;
        r.f.repeat = (answer)GETSTATUS(DFU_STATUS_OK, 0, DFU_STATE_DFU_IDLE);
        r.f.has_repeat = true;
        /* Half-way between two readings. */
        r.d.busy_until_us = clock.now + k * 1000 + 500;
        r.d.busy_since_us = 1;
        snprintf(r.d.busy_what, sizeof(r.d.busy_what), "mass erase");
        assert_int_equal(dfu_make_idle(&r.d), DFU_OK);
        if (r.f.last_timeout > DFU_CONTROL_TIMEOUT_MS + k + 1)
            fail_msg("busy for %llu.5 ms more: GETSTATUS allowed %u ms", (unsigned long long)k,
                     r.f.last_timeout);
        rig_done(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleeps_exactly_the_poll_timeout_and_not_after_the_last),
        cmocka_unit_test(test_lying_poll_timeout_is_bounded),
        cmocka_unit_test(test_lying_poll_timeout_after_a_lost_answer_is_bounded),
        cmocka_unit_test(test_zero_poll_timeout_while_busy_does_not_spin),
        cmocka_unit_test(test_stalls_during_erase_tolerated_only_with_the_quirk),
        cmocka_unit_test(test_stalls_never_stretch_the_wait),
        cmocka_unit_test(test_stuck_dnbusy_after_erase_needs_the_quirk),
        cmocka_unit_test(test_make_idle_clears_error_and_aborts_stale_transfers),
        cmocka_unit_test(test_make_idle_waits_out_stalls_with_the_quirk),
        cmocka_unit_test(test_make_idle_reports_a_stuck_device),
        cmocka_unit_test(test_device_error_names_status_and_state),
        cmocka_unit_test(test_garbage_status_is_a_protocol_error),
        cmocka_unit_test(test_manifestation_wait_is_bounded_and_paced),
        cmocka_unit_test(test_leave_succeeds_when_the_device_resets_at_once),
        cmocka_unit_test(test_lost_answer_reported_idle_is_never_sent_twice),
        cmocka_unit_test(test_refused_manifestation_is_an_error_not_a_departure),
        cmocka_unit_test(test_lost_end_of_download_is_sent_again),
        cmocka_unit_test(test_leave_with_a_device_that_stops_answering_is_a_success),
        cmocka_unit_test(test_option_bytes_block_ends_with_a_reset),
        cmocka_unit_test(test_read_unprotect_succeeds_only_when_the_device_goes),
        cmocka_unit_test(test_read_unprotect_wait_is_bounded),
        cmocka_unit_test(test_a_cancel_ends_a_busy_wait_at_once),
        cmocka_unit_test(test_short_waits_are_not_asked),
        cmocka_unit_test(test_make_idle_wait_for_a_busy_device_is_cancelled),
        cmocka_unit_test(test_make_idle_allows_a_busy_device_what_is_left),
        cmocka_unit_test(test_manifestation_wait_is_cancelled),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
