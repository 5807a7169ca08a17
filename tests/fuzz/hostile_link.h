/*
 * A hostile link for fuzz_device: a transport that sits between the host and a simulated device
 * and lets the fuzz input decide, transfer by transfer, what the host sees. Each control
 * transfer, SET_INTERFACE and USB reset takes one directive byte (and maybe more bytes) from the
 * input:
 *
 *   bits 0-2  0 pass: the device answers, honestly
 *             1 forge: the device never sees it; the answer (GETSTATUS status, bwPollTimeout and
 *               state, GETSTATE, UPLOAD data) comes from the input
 *             2 forge with a length from the input: 0, short, one short, one or 4096 too many
 *             3 stall, 4 timeout (the whole timeout passes), 5 disconnect, 6 USB error, none of
 *               which the device sees
 *             7 after: the device acts, then its answer is lost (USB error, timeout,
 *               disconnect), garbled (a byte flipped) or of the wrong length
 *   bits 3-7  a forged answer is held this many 31sts of the transfer's timeout
 *
 * When the input runs out the link follows its end policy: the device answers honestly, or the
 * last directive repeats for ever (the endless liar), or the device is gone.
 *
 * On every transfer it checks what the host must never do, whatever the device did: talk to a
 * device it knows has left, ask for a longer timeout or sit idle longer than the wait bounds
 * allow (wait_bounds.h), send a block longer than wTransferSize, or address another interface.
 */
#ifndef DFU_FUZZ_HOSTILE_LINK_H
#define DFU_FUZZ_HOSTILE_LINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "wait_bounds.h"

enum { END_HONEST, END_REPEAT, END_GONE, END_POLICIES };

typedef struct hostile_link {
    dfu_transport base;
    dfu_transport *inner; /* the simulated device's own transport */
    dfu_device *dev;
    const uint8_t *in;
    size_t size, pos, last;
    bool has_last;
    int end;
    /* Limits for the flow under way (wait_bounds.h) and what was seen. */
    uint64_t gap_limit_us;
    uint64_t timeout_limit_ms;
    uint64_t last_end_us;
    uint64_t transfers;
    bool forged_upload; /* some UPLOAD answer did not come from the device as it was */
    /* A DfuSe Set Address the device never saw was reported accepted. A device that ignores Set
     * Address both before a write and before its read-back reads the block back from where it
     * wrote it: no host can tell, so such a run proves nothing about the board. */
    bool forged_command;
} hostile_link;

static void hl_fail(const char *what, unsigned long long a, unsigned long long b)
{
    fprintf(stderr, "hostile link: %s (%llu, limit %llu)\n", what, a, b);
    abort();
}

static uint64_t hl_now(const hostile_link *h)
{
    return dfu_clock_now(h->dev->clock);
}

static uint8_t hl_byte(hostile_link *h)
{
    return h->pos < h->size ? h->in[h->pos++] : 0;
}

enum { ACT_PASS, ACT_FORGE, ACT_FORGE_LEN, ACT_STALL, ACT_TIMEOUT, ACT_GONE, ACT_USB, ACT_AFTER };

static uint8_t hl_directive(hostile_link *h)
{
    if (h->pos >= h->size) {
        if (h->end == END_HONEST || (h->end == END_REPEAT && !h->has_last)) return ACT_PASS;
        if (h->end == END_GONE) return ACT_GONE;
        h->pos = h->last; /* the endless liar: the same answer again */
    }
    h->last = h->pos;
    h->has_last = true;
    return hl_byte(h);
}

/* Time passes until `until` on the device's clock (a held or timed-out transfer). */
static void hl_elapse(hostile_link *h, uint64_t until)
{
    uint64_t now = hl_now(h);
    if (until > now) dfu_clock_sleep(h->dev->clock, until - now);
}

/* A state byte: mostly the eleven DFU states, sometimes anything. */
static uint8_t hl_state(hostile_link *h)
{
    uint8_t b = hl_byte(h);
    return b < 0xF0 ? (uint8_t)(b % 11) : b;
}

/* bwPollTimeout: small, typical, the 24-bit maximum and just below, or any. */
static uint32_t hl_poll_timeout(hostile_link *h)
{
    uint8_t c = hl_byte(h);
    switch (c >> 6) {
    case 0: return c & 0x3F;
    case 1: return (c & 0x3Fu) * 100u;
    case 2: return 0xFFFFFFu - (c & 0x3Fu);
    default: return (uint32_t)hl_byte(h) | (uint32_t)hl_byte(h) << 8 | (uint32_t)hl_byte(h) << 16;
    }
}

static void hl_forge_payload(hostile_link *h, const dfu_usb_setup *s, uint8_t *data)
{
    if (!(s->bmRequestType & 0x80) || !s->wLength) return;
    if (s->bRequest == DFU_GETSTATUS) {
        uint8_t st[6];
        st[0] = hl_byte(h);
        st[4] = hl_state(h);
        uint32_t poll = hl_poll_timeout(h);
        st[1] = (uint8_t)poll;
        st[2] = (uint8_t)(poll >> 8);
        st[3] = (uint8_t)(poll >> 16);
        st[5] = hl_byte(h);
        memcpy(data, st, s->wLength < 6 ? s->wLength : 6);
    } else if (s->bRequest == DFU_GETSTATE) {
        data[0] = hl_state(h);
    } else {
        if (s->bRequest == DFU_UPLOAD) h->forged_upload = true;
        uint8_t mode = hl_byte(h) % 3;
        for (unsigned i = 0; i < s->wLength; i++)
            data[i] = mode == 0 ? 0xFF : mode == 1 ? 0x00 : hl_byte(h);
    }
}

/* A length that is not the one asked for. */
static int hl_length(hostile_link *h, unsigned asked)
{
    switch (hl_byte(h) % 6) {
    case 0: return 0;
    case 1: return (int)(asked / 2);
    case 2: return asked ? (int)asked - 1 : 0;
    case 3: return (int)asked + 1;
    case 4: return (int)asked + 4096;
    default: return (int)asked;
    }
}

/* The device acted; what reaches the host is spoiled. */
static int hl_spoil(hostile_link *h, const dfu_usb_setup *s, uint8_t *data, int rc, uint64_t start,
                    unsigned timeout_ms)
{
    uint8_t how = hl_byte(h) % 5;
    if (rc < 0) return rc;
    switch (how) {
    case 0: return DFU_ERR_USB;
    case 1: hl_elapse(h, start + (uint64_t)timeout_ms * 1000u); return DFU_ERR_TIMEOUT;
    case 2: return DFU_ERR_DISCONNECTED;
    case 3:
        if ((s->bmRequestType & 0x80) && rc > 0) {
            data[hl_byte(h) % rc] ^= (uint8_t)(hl_byte(h) | 1);
            if (s->bRequest == DFU_UPLOAD) h->forged_upload = true;
        }
        return rc;
    default: return hl_length(h, s->wLength);
    }
}

/* What the host must never do, whatever the device did. */
static void hl_check_request(hostile_link *h, const dfu_usb_setup *s, unsigned timeout_ms)
{
    const dfu_device *d = h->dev;
    if (d->gone) hl_fail("a request to a device that has left", s->bRequest, 0);
    if (timeout_ms > h->timeout_limit_ms)
        hl_fail("a control transfer timeout beyond the bound", timeout_ms, h->timeout_limit_ms);
    if ((s->bmRequestType & 0x60) != 0x20) return;
    if (s->wIndex != d->iface) hl_fail("a request to another interface", s->wIndex, 0);
    /* DFU 1.1 uploads ask for blocks of the device's own size, whatever the host writes with. */
    unsigned limit = d->transfer_size;
    if (s->bRequest == DFU_UPLOAD && dfu_dfu11_upload_size(d) > limit)
        limit = dfu_dfu11_upload_size(d);
    if ((s->bRequest == DFU_DNLOAD || s->bRequest == DFU_UPLOAD) && s->wLength > limit)
        hl_fail("a block longer than wTransferSize", s->wLength, limit);
}

/* The host sat idle between transfers no longer than any single wait may take. */
static void hl_begin(hostile_link *h)
{
    uint64_t now = hl_now(h);
    if (h->transfers && now - h->last_end_us > h->gap_limit_us)
        hl_fail("the host waited longer than any wait may last (us)", now - h->last_end_us,
                h->gap_limit_us);
    h->transfers++;
}

static void hl_end(hostile_link *h, uint64_t start, unsigned timeout_ms)
{
    h->last_end_us = hl_now(h);
    if (timeout_ms && h->last_end_us - start > (uint64_t)timeout_ms * 1000u)
        hl_fail("a transfer outlived its timeout (us)", h->last_end_us - start,
                (uint64_t)timeout_ms * 1000u);
}

static int hl_control(dfu_transport *t, const dfu_usb_setup *s, uint8_t *data, unsigned timeout_ms)
{
    hostile_link *h = (hostile_link *)t;
    hl_check_request(h, s, timeout_ms);
    hl_begin(h);
    uint64_t start = hl_now(h);
    uint8_t d = hl_directive(h);
    unsigned hold = d >> 3;
    int rc;
    switch (d & 7) {
    case ACT_PASS: rc = h->inner->ops->control(h->inner, s, data, timeout_ms); break;
    case ACT_FORGE:
        hl_forge_payload(h, s, data);
        rc = s->wLength;
        break;
    case ACT_FORGE_LEN:
        hl_forge_payload(h, s, data);
        rc = hl_length(h, s->wLength);
        break;
    case ACT_STALL: rc = DFU_ERR_STALL; break;
    case ACT_TIMEOUT:
        hold = 31;
        rc = DFU_ERR_TIMEOUT;
        break;
    case ACT_GONE: rc = DFU_ERR_DISCONNECTED; break;
    case ACT_USB: rc = DFU_ERR_USB; break;
    default:
        rc = h->inner->ops->control(h->inner, s, data, timeout_ms);
        rc = hl_spoil(h, s, data, rc, start, timeout_ms);
        break;
    }
    if (((d & 7) == ACT_FORGE || (d & 7) == ACT_FORGE_LEN) && s->bRequest == DFU_DNLOAD &&
        s->wValue == 0 && (s->bmRequestType & 0x60) == 0x20 && rc == (int)s->wLength &&
        s->wLength == 5 && data[0] == DFUSE_CMD_SET_ADDRESS)
        h->forged_command = true;
    if ((d & 7) != ACT_PASS && hold)
        hl_elapse(h, start + (uint64_t)timeout_ms * 1000u * hold / 31u);
    hl_end(h, start, timeout_ms);
    return rc;
}

/* SET_INTERFACE and USB reset: passed on, or failed as the input says. */
static int hl_other(hostile_link *h, bool *pass)
{
    uint8_t d = hl_directive(h) & 7;
    *pass = d == ACT_PASS || d == ACT_FORGE || d == ACT_FORGE_LEN || d == ACT_AFTER;
    return d == ACT_STALL     ? DFU_ERR_STALL
           : d == ACT_TIMEOUT ? DFU_ERR_TIMEOUT
           : d == ACT_GONE    ? DFU_ERR_DISCONNECTED
                              : DFU_ERR_USB;
}

static int hl_set_alt(dfu_transport *t, uint8_t iface, uint8_t alt)
{
    hostile_link *h = (hostile_link *)t;
    if (h->dev->gone) hl_fail("SET_INTERFACE on a device that has left", alt, 0);
    hl_begin(h);
    uint64_t start = hl_now(h);
    bool pass;
    int rc = hl_other(h, &pass);
    if (pass) rc = h->inner->ops->set_alt(h->inner, iface, alt);
    if (rc == DFU_ERR_TIMEOUT && !pass) hl_elapse(h, start + B_SET_ALT * 1000u);
    hl_end(h, start, B_SET_ALT);
    return rc;
}

static int hl_reset(dfu_transport *t)
{
    hostile_link *h = (hostile_link *)t;
    hl_begin(h);
    uint64_t start = hl_now(h);
    bool pass;
    int rc = hl_other(h, &pass);
    if (pass) rc = h->inner->ops->reset(h->inner);
    hl_end(h, start, 0);
    return rc;
}

static void hl_close(dfu_transport *t)
{
    (void)t; /* the device's own transport is closed with the device */
}

static const dfu_transport_ops hostile_ops = {hl_control, hl_set_alt, hl_reset, hl_close};

/* Puts the link between dev and its device; hostile_link_remove undoes it before closing. */
static void hostile_link_insert(hostile_link *h, dfu_device *dev, const uint8_t *in, size_t size,
                                int end)
{
    memset(h, 0, sizeof(*h));
    h->base.ops = &hostile_ops;
    h->base.clock = dev->t->clock;
    h->inner = dev->t;
    h->dev = dev;
    h->in = in;
    h->size = size;
    h->end = end;
    dev->t = &h->base;
}

static void hostile_link_remove(hostile_link *h)
{
    h->dev->t = h->inner;
}

/* Limits for the next flow; the idle gap is measured from its start. */
static void hostile_link_limits(hostile_link *h, uint64_t gap_ms, uint64_t timeout_ms)
{
    h->gap_limit_us = gap_ms * 1000u;
    h->timeout_limit_ms = timeout_ms;
    h->transfers = 0;
}

#endif
