/*
 * A minimal DFU host for the simulator tests: control transfers straight into a dfu_sim with a
 * clock the test owns (a transfer advances it to the device's done_us). Written from the DFU
 * 1.1 and AN3156 texts, independent of libdfu's own host code, so the simulator is checked
 * against the specification and not against itself.
 */
#ifndef DFU_SIM_TEST_H
#define DFU_SIM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdfu/libdfu.h"
#include "testutil.h"

typedef struct th {
    dfu_sim *sim;
    dfu_ctx *ctx;
    uint64_t now;        /* the host's clock, us */
    unsigned timeout_ms; /* 0: wait for ever */
    uint16_t iface;      /* wIndex of class requests: 0 in DFU mode, 1 for the run-time app */
    int last;            /* result of the last transfer */
} th;

typedef struct th_status {
    int result;
    uint8_t status, state;
    uint32_t poll_ms;
} th_status;

static inline void th_open(th *h, const char *spec)
{
    memset(h, 0, sizeof(*h));
    assert_int_equal(dfu_ctx_new(&h->ctx), DFU_OK);
    int rc = dfu_sim_new(&h->sim, h->ctx, spec);
    if (rc) fail_msg("dfu_sim_new(%s): %s", spec, dfu_ctx_error(h->ctx)->message);
    h->timeout_ms = 5000;
}

static inline void th_close(th *h)
{
    dfu_sim_free(h->sim);
    dfu_ctx_free(h->ctx);
    h->sim = NULL;
}

static inline void th_sleep(th *h, uint64_t ms)
{
    h->now += ms * 1000;
}

/* One control transfer; a held one advances the clock, up to the host's timeout. */
static inline int th_ctrl(th *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                          uint8_t *data, uint16_t len)
{
    dfu_usb_setup setup = {type, req, value, index, len};
    dfu_sim_xfer x;
    dfu_sim_control(h->sim, h->now, &setup, data, &x);
    uint64_t limit = h->timeout_ms ? h->now + (uint64_t)h->timeout_ms * 1000 : UINT64_MAX;
    if (x.done_us > limit) {
        h->now = limit;
        return h->last = DFU_ERR_TIMEOUT;
    }
    if (x.done_us > h->now) h->now = x.done_us;
    return h->last = x.result;
}

static inline int th_dnload(th *h, uint16_t block, const void *data, uint16_t len)
{
    return th_ctrl(h, DFU_REQTYPE_OUT, DFU_DNLOAD, block, h->iface, (uint8_t *)(uintptr_t)data,
                   len);
}

static inline int th_upload(th *h, uint16_t block, void *data, uint16_t len)
{
    return th_ctrl(h, DFU_REQTYPE_IN, DFU_UPLOAD, block, h->iface, data, len);
}

static inline int th_simple(th *h, uint8_t req)
{
    return th_ctrl(h, DFU_REQTYPE_OUT, req, 0, h->iface, NULL, 0);
}

static inline th_status th_getstatus(th *h)
{
    uint8_t b[6] = {0};
    th_status st;
    st.result = th_ctrl(h, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, h->iface, b, 6);
    st.status = b[0];
    st.poll_ms = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16;
    st.state = b[4];
    return st;
}

static inline int th_getstate(th *h)
{
    uint8_t b = 0xEE;
    int rc = th_ctrl(h, DFU_REQTYPE_IN, DFU_GETSTATE, 0, h->iface, &b, 1);
    return rc < 0 ? rc : b;
}

/* GETSTATUS, honouring bwPollTimeout, until the device is no longer busy (or fails). Like
 * dfu-util, a stalled GETSTATUS is retried up to 3 times with the last poll timeout (STM32L4
 * ROMs stall the pipe when polled too early). */
static inline th_status th_poll(th *h)
{
    th_status st = th_getstatus(h);
    uint32_t last = st.poll_ms;
    int stalls = 0;
    for (int i = 0; i < 10000; i++) {
        if (st.result == DFU_ERR_STALL && last && stalls < 3) {
            stalls++;
            st.state = DFU_STATE_DNBUSY;
            st.poll_ms = last;
        } else if (st.result < 0 ||
                   (st.state != DFU_STATE_DNBUSY && st.state != DFU_STATE_DNLOAD_SYNC)) {
            break;
        }
        last = st.poll_ms;
        th_sleep(h, st.poll_ms);
        st = th_getstatus(h);
    }
    return st;
}

/* dfuERROR -> CLRSTATUS, as dfu-util does before anything else. */
static inline void th_clear(th *h)
{
    th_status st = th_getstatus(h);
    if (st.state == DFU_STATE_ERROR) th_simple(h, DFU_CLRSTATUS);
    if (st.state == DFU_STATE_DNLOAD_IDLE || st.state == DFU_STATE_UPLOAD_IDLE)
        th_simple(h, DFU_ABORT);
}

/* A DfuSe command and its polls; returns the final status. */
static inline th_status th_dfuse(th *h, const uint8_t *cmd, uint16_t len)
{
    th_status st = {0, 0, 0, 0};
    st.result = th_dnload(h, 0, cmd, len);
    if (st.result < 0) return st;
    return th_poll(h);
}

static inline th_status th_set_address(th *h, uint32_t addr)
{
    uint8_t c[5] = {DFUSE_CMD_SET_ADDRESS, (uint8_t)addr, (uint8_t)(addr >> 8),
                    (uint8_t)(addr >> 16), (uint8_t)(addr >> 24)};
    return th_dfuse(h, c, 5);
}

static inline th_status th_erase(th *h, uint32_t addr)
{
    uint8_t c[5] = {DFUSE_CMD_ERASE, (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16),
                    (uint8_t)(addr >> 24)};
    return th_dfuse(h, c, 5);
}

static inline th_status th_mass_erase(th *h)
{
    uint8_t c = DFUSE_CMD_ERASE;
    return th_dfuse(h, &c, 1);
}

/* DfuSe write of len bytes at addr: set address, then wBlockNum 2, 3, ... */
static inline th_status th_dfuse_write(th *h, uint32_t addr, const uint8_t *data, size_t len,
                                       uint16_t xfer)
{
    th_status st = th_set_address(h, addr);
    for (size_t off = 0; off < len && st.result >= 0 && st.status == DFU_STATUS_OK; off += xfer) {
        uint16_t n = (uint16_t)(len - off < xfer ? len - off : xfer);
        st.result = th_dnload(h, (uint16_t)(2 + off / xfer), data + off, n);
        if (st.result < 0) break;
        st = th_poll(h);
    }
    return st;
}

/* A valid Cortex-M vector table for an application at base: SP in RAM, Thumb reset vector. */
static inline void th_vectors(uint8_t *v, uint32_t base, uint32_t sp)
{
    uint32_t reset = base + 0x101;
    for (int i = 0; i < 4; i++) {
        v[i] = (uint8_t)(sp >> (8 * i));
        v[4 + i] = (uint8_t)(reset >> (8 * i));
    }
}

static inline void th_bus(th *h, dfu_sim_bus *b)
{
    dfu_sim_bus_status(h->sim, h->now, b);
}

/* Waits (on the test clock) until the device is back on the bus, at most ms. */
static inline bool th_wait_present(th *h, uint64_t ms)
{
    uint64_t end = h->now + ms * 1000;
    dfu_sim_bus b;
    for (;;) {
        th_bus(h, &b);
        if (b.present) return true;
        if (b.next_change_us == UINT64_MAX || b.next_change_us > end) {
            h->now = end;
            return false;
        }
        h->now = b.next_change_us > h->now ? b.next_change_us : h->now + 1;
    }
}

/* Waits until the device has re-enumerated (a device number newer than gen) and is present. */
static inline bool th_wait_new(th *h, uint32_t gen, uint64_t ms)
{
    uint64_t end = h->now + ms * 1000;
    dfu_sim_bus b;
    for (;;) {
        th_bus(h, &b);
        if (b.present && b.generation > gen) return true;
        if (b.next_change_us == UINT64_MAX || b.next_change_us > end) return false;
        h->now = b.next_change_us > h->now ? b.next_change_us : h->now + 1;
    }
}

static inline uint32_t th_generation(th *h)
{
    dfu_sim_bus b;
    th_bus(h, &b);
    return b.generation;
}

static inline void th_peek(th *h, uint32_t addr, uint8_t *buf, size_t len)
{
    assert_int_equal(dfu_sim_peek(h->sim, addr, buf, len), DFU_OK);
}

static inline bool th_all(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v) return false;
    return true;
}

#endif
