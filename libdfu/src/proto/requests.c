/* DFU 1.1 class requests (section 3) over the transport, with errors that say what failed. */
#include <stdint.h>
#include <stdio.h>
#include "../core/bytes.h"
#include "../core/internal.h"
#include "proto.h"

/* A transport failure, described for the user: what was sent, and what happened. */
static int fail(dfu_device *d, int rc, const char *request, int block)
{
    char where[48] = "";
    if (block >= 0) snprintf(where, sizeof(where), " (block %d)", block);
    switch (rc) {
    case DFU_ERR_STALL:
        return dfu_err(d->ctx, rc, "%s%s: the device stalled the request", request, where);
    case DFU_ERR_TIMEOUT:
        return dfu_err(d->ctx, rc, "%s%s: the device did not answer in time", request, where);
    case DFU_ERR_CANCELLED:
        return dfu_err(d->ctx, rc, "%s%s: cancelled while the device held the request", request,
                       where);
    case DFU_ERR_DISCONNECTED:
        d->gone = true;
        return dfu_err(d->ctx, rc, "%s%s: the device disconnected", request, where);
    default:
        return dfu_err(d->ctx, rc, "%s%s: USB transfer failed (%s)", request, where,
                       dfu_error_name(rc));
    }
}

int dfu_req_ready(dfu_device *d)
{
    /* make_idle's own requests, and settling's, are what the wait is made of. */
    if (!d->busy_until_us || d->idling || d->settling) return DFU_OK;
    return dfu_make_idle(d);
}

/* One class request: bytes moved, or an error with its message (named, with block >= 0). */
static int request(dfu_device *d, uint8_t type, uint8_t req, uint16_t value, uint8_t *data,
                   uint16_t len, unsigned timeout_ms, const char *name, int block)
{
    int rc = dfu_req_ready(d);
    if (rc) return rc;
    dfu_usb_setup s = {type, req, value, d->iface, len};
    d->stats.control++;
    rc = d->t->ops->control(d->t, &s, data, timeout_ms);
    return rc < 0 ? fail(d, rc, name, block) : rc;
}

int dfu_req_getstatus(dfu_device *d, dfu_status_reply *st, unsigned timeout_ms)
{
    uint8_t buf[6] = {0};
    d->stats.getstatus++;
    int rc = request(d, DFU_REQTYPE_IN, DFU_GETSTATUS, 0, buf, sizeof(buf), timeout_ms,
                     "DFU_GETSTATUS", -1);
    if (rc < 0) return rc;
    if (rc != 6)
        return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                       "DFU_GETSTATUS: the device answered %d bytes instead of 6", rc);
    st->status = buf[0];
    st->poll_ms = dfu_le24(buf + 1);
    st->state = buf[4];
    st->istring = buf[5];
    if (st->state > DFU_STATE_ERROR)
        return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                       "DFU_GETSTATUS: the device reports state %u, which DFU 1.1 does not define",
                       st->state);
    return DFU_OK;
}

int dfu_req_clrstatus(dfu_device *d)
{
    int rc = request(d, DFU_REQTYPE_OUT, DFU_CLRSTATUS, 0, NULL, 0, DFU_CONTROL_TIMEOUT_MS,
                     "DFU_CLRSTATUS", -1);
    return rc < 0 ? rc : DFU_OK;
}

int dfu_req_abort(dfu_device *d)
{
    int rc =
        request(d, DFU_REQTYPE_OUT, DFU_ABORT, 0, NULL, 0, DFU_CONTROL_TIMEOUT_MS, "DFU_ABORT", -1);
    return rc < 0 ? rc : DFU_OK;
}

int dfu_req_dnload(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len)
{
    d->stats.dnload++;
    /* The transport takes a writable buffer for both directions; OUT data is never modified. */
    int rc = request(d, DFU_REQTYPE_OUT, DFU_DNLOAD, block, (uint8_t *)(uintptr_t)data, len,
                     DFU_CONTROL_TIMEOUT_MS, "DFU_DNLOAD", block);
    if (rc < 0) return rc;
    if (rc != len)
        return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                       "DFU_DNLOAD (block %u): the device accepted %d of %u bytes", block, rc, len);
    return DFU_OK;
}

int dfu_req_upload(dfu_device *d, uint16_t block, uint8_t *data, uint16_t len)
{
    d->stats.upload++;
    int rc = request(d, DFU_REQTYPE_IN, DFU_UPLOAD, block, data, len, DFU_CONTROL_TIMEOUT_MS,
                     "DFU_UPLOAD", block);
    if (rc < 0) return rc;
    if (rc > len)
        return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                       "DFU_UPLOAD (block %u): the device sent %d bytes for %u asked", block, rc,
                       len);
    return rc;
}

int dfu_err_status(dfu_device *d, const dfu_status_reply *st, const char *what)
{
    return dfu_err_device(d->ctx, DFU_ERR_DEVICE, st->state, st->status,
                          "%s: device reports %s (%s), state %s", what, dfu_status_name(st->status),
                          dfu_status_description(st->status), dfu_state_name(st->state));
}
