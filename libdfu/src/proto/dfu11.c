/* DFU 1.1 downloads, uploads and manifestation (sections 6.1, 6.2, 7). */
#include <stdio.h>

#include "../core/internal.h"
#include "proto.h"

/* Programming one block, on any device we know of, takes well under this. */
#define DFU11_WRITE_EXPECT_MS 2000u
/* Manifestation: devices that check or copy the image take a few seconds. */
#define DFU11_MANIFEST_EXPECT_MS 10000u

static bool own_size_usable(const dfu_device *d)
{
    return d->device_transfer_size != 0 && d->device_transfer_size <= DFU_MAX_TRANSFER;
}

uint16_t dfu_dfu11_upload_size(const dfu_device *d)
{
    return !d->dfuse && own_size_usable(d) ? d->device_transfer_size : d->transfer_size;
}

int dfu_dfu11_check_block_size(dfu_device *d, const char *what, bool force)
{
    uint16_t own = d->device_transfer_size;
    if (d->dfuse || d->transfer_size == own || !own_size_usable(d)) return DFU_OK;
    if (force) {
        dfu_warn(d->ctx,
                 "%s: writing %u-byte blocks to a DFU 1.1 device whose own size is %u (forced): "
                 "a device that places block N at N x %u bytes puts them in the wrong places; %s",
                 what, d->transfer_size, own, own,
                 d->can_upload ? "the read-back uses its own size and would show that"
                               : "it cannot upload, so nothing would show that");
        return DFU_OK;
    }
    return dfu_err(
        d->ctx, DFU_ERR_REFUSED,
        "%s: a DFU 1.1 device may place block N at N x its own transfer size (%u "
        "bytes), so %u-byte blocks could land in the wrong places; use the device's "
        "transfer size, a transfer-size quirk if its descriptor is wrong, or the `force` "
        "option if it stores blocks one after the other (the read-back uses its own size)",
        what, own, d->transfer_size);
}

int dfu_dfu11_write_block(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len)
{
    char what[64];
    snprintf(what, sizeof(what), "writing block %u (%u bytes)", block, len);
    dfu_wait w = {what, DFU11_WRITE_EXPECT_MS, 0, false, false};
    dfu_status_reply st;
    int rc = dfu_dnload_wait(d, block, data, len, &w, &st);
    if (rc) return rc;
    if (st.state != DFU_STATE_DNLOAD_IDLE)
        return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                              "%s: the device ended in %s instead of dfuDNLOAD-IDLE", what,
                              dfu_state_name(st.state));
    return DFU_OK;
}

/* The device waits for a USB reset to start its firmware; give it one unless it detaches
 * by itself (bitWillDetach). */
static int finish_with_reset(dfu_device *d)
{
    d->gone = true;
    if (d->info.func.attributes & DFU_ATTR_WILL_DETACH) return DFU_OK;
    int rc = d->t->ops->reset(d->t);
    if (rc && rc != DFU_ERR_DISCONNECTED)
        dfu_debug(d->ctx, "reset after manifestation: %s (the device may still restart)",
                  dfu_error_name(rc));
    return DFU_OK;
}

/* The zero-length DNLOAD that ends the download. 0: sent (or lost, with the device still here:
 * *have_status then holds its status); 1: the device left to start its firmware; or an error. */
static int send_end(dfu_device *d, uint16_t block, dfu_status_reply *st, bool *have_status)
{
    *have_status = false;
    int rc = dfu_req_dnload(d, block, NULL, 0);
    if (!rc) return 0;
    rc = dfu_confirm_left(d, rc, "ending the download", st);
    if (rc) return rc;
    *have_status = true; /* still here: its state says what next */
    return 0;
}

int dfu_dfu11_manifest(dfu_device *d, uint16_t block)
{
    dfu_status_reply st;
    bool have_status;
    unsigned resent = 0;
    int rc = send_end(d, block, &st, &have_status);
    if (rc) return rc > 0 ? DFU_OK : rc;
    uint64_t start = dfu_clock_now(d->clock);
    uint64_t deadline = start + (2ull * DFU11_MANIFEST_EXPECT_MS) * 1000u;
    dfu_waiter waiter;
    dfu_waiter_start(d, &waiter);
    while (dfu_clock_now(d->clock) < deadline) {
        rc = have_status ? DFU_OK : dfu_req_getstatus(d, &st, DFU_CONTROL_TIMEOUT_MS);
        have_status = false;
        if (rc == DFU_ERR_CANCELLED)
            return dfu_wait_abandon(d, "manifestation", start, DFU11_MANIFEST_EXPECT_MS);
        if (rc) {
            rc = dfu_confirm_left(d, rc, "manifestation", &st);
            if (rc) return rc > 0 ? DFU_OK : rc;
        }
        switch (st.state) {
        case DFU_STATE_DFU_IDLE: return DFU_OK; /* manifestation-tolerant: done, still here */
        case DFU_STATE_DNLOAD_IDLE:
            /* The end never arrived (a device that got it is in a MANIFEST state). Unlike a
             * data block, an empty one cannot be written twice: send it again. */
            if (resent++ == 2)
                return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                                      "manifestation: the device stays in dfuDNLOAD-IDLE after "
                                      "the end of the download was sent 3 times");
            dfu_debug(d->ctx, "the end of the download did not arrive; sending it again");
            rc = send_end(d, block, &st, &have_status);
            if (rc) return rc > 0 ? DFU_OK : rc;
            break;
        case DFU_STATE_MANIFEST_WAIT_RESET: return finish_with_reset(d);
        case DFU_STATE_ERROR: return dfu_err_status(d, &st, "manifestation");
        case DFU_STATE_MANIFEST_SYNC: /* the next GETSTATUS starts or ends it */
        case DFU_STATE_MANIFEST:
        case DFU_STATE_DNBUSY:
        case DFU_STATE_DNLOAD_SYNC: {
            /* What the device asks (in MANIFEST-SYNC nothing), never past the deadline, and at
             * least 1 ms: a device that stays put must not be asked in a tight loop. */
            uint64_t now = dfu_clock_now(d->clock), left = deadline > now ? deadline - now : 0;
            uint64_t us = st.state == DFU_STATE_MANIFEST_SYNC ? 0 : (uint64_t)st.poll_ms * 1000u;
            us = DFU_MAX(DFU_MIN(us, left), 1000u);
            if (dfu_wait_sleep(d, &waiter, us))
                return dfu_wait_abandon(d, "manifestation", start, DFU11_MANIFEST_EXPECT_MS);
            break;
        }
        default:
            return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                                  "manifestation: the device went to %s", dfu_state_name(st.state));
        }
    }
    return dfu_err(d->ctx, DFU_ERR_TIMEOUT, "manifestation: the device did not finish in %u ms",
                   2 * DFU11_MANIFEST_EXPECT_MS);
}

int dfu_dfu11_read_block(dfu_device *d, uint16_t block, uint8_t *buf, uint16_t len)
{
    int rc = dfu_req_upload(d, block, buf, len);
    if (rc < 0) return dfu_err_prefix(d->ctx, rc, "reading block %u", block);
    return rc;
}
