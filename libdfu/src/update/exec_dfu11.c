/*
 * DFU 1.1 steps. The device places blocks itself, in order (many ignore wBlockNum), so a block
 * cannot be retried on its own: after a transient failure the whole download starts again from
 * dfuIDLE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "exec_internal.h"

static uint16_t block_after(const dfu_exec *x, uint32_t size)
{
    uint32_t xfer = x->dev->transfer_size;
    return (uint16_t)((size + xfer - 1) / xfer); /* wraps at 65536, as the spec says */
}

static int download(dfu_exec *x, const dfu_step *s)
{
    uint16_t xfer = x->dev->transfer_size;
    uint16_t block = 0;
    for (uint32_t off = 0; off < s->size; block++) {
        uint16_t n = (uint16_t)DFU_MIN((uint32_t)xfer, s->size - off);
        int rc = dfu_dfu11_write_block(x->dev, block, x->buf + off, n);
        if (rc) return rc;
        off += n;
        x->res->written_bytes += n;
        dfu_exec_progress(x, DFU_PHASE_WRITE, off, s->size, s->address + off);
        if (x->cancel && off < s->size) return DFU_ERR_CANCELLED;
    }
    return DFU_OK;
}

int dfu_exec_dfu11_write(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    int rc = dfu_exec_reserve(x, s->size);
    if (rc) return rc;
    dfu_exec_data(x, s->alt, s->address, x->buf, s->size);
    for (unsigned attempt = 1;; attempt++) {
        rc = download(x, s);
        if (!dfu_retry_again(x->dev, &x->retry, &rc, attempt,
                             "the download (it starts again from its first block)"))
            return rc;
        x->res->written_bytes = 0;
    }
}

/* One upload block, asked again after a lost transfer. A device that honours wBlockNum answers
 * the same block; one that ignores it may have moved on, and then its data cannot be trusted. */
static int read_block(dfu_exec *x, uint16_t block, uint8_t *buf, uint16_t n, bool *retried)
{
    for (unsigned attempt = 1;; attempt++) {
        int got = dfu_dfu11_read_block(x->dev, block, buf, n);
        if (got >= 0 || attempt > x->retry.limit || !dfu_transient(x->dev, got)) return got;
        x->retry.used++;
        *retried = true;
        dfu_debug(x->ctx, "reading block %u: %s; asking again", block,
                  dfu_ctx_error(x->ctx)->message);
    }
}

/*
 * Reads the firmware back and compares it as it arrives. A block read again after a lost
 * transfer is accepted only if it matches; otherwise the whole upload is read again from a clean
 * start, and only a mismatch seen on a read without retries is reported.
 */
static int upload_and_compare(dfu_exec *x, const dfu_step *s, const uint8_t *want, uint8_t *got,
                              bool *doubtful)
{
    uint16_t xfer = dfu_dfu11_upload_size(x->dev);
    uint32_t have = 0;
    *doubtful = false;
    for (uint16_t block = 0; have < s->size; block++) {
        uint16_t ask = (uint16_t)DFU_MIN((uint32_t)xfer, s->size - have);
        bool retried = false;
        int n = read_block(x, block, got + have, ask, &retried);
        if (n < 0) return n;
        if (retried && memcmp(got + have, want + have, (size_t)n) != 0) {
            *doubtful = true; /* the device may have moved on: this read proves nothing */
            return dfu_err(x->ctx, DFU_ERR_PROTOCOL, "block %u read again did not match", block);
        }
        have += (uint32_t)n;
        dfu_exec_progress(x, DFU_PHASE_VERIFY, have, s->size, s->address + have);
        if (n < ask) break; /* a short frame ends the upload */
    }
    if (have < s->size)
        return dfu_err(x->ctx, DFU_ERR_VERIFY,
                       "verify: the device returned %u bytes, the image has %u", have, s->size);
    int rc = dfu_exec_compare(x, s->address, got, want, s->size);
    if (rc) return rc;
    return dfu_make_idle(x->dev); /* end the upload: dfuUPLOAD-IDLE -> dfuIDLE */
}

int dfu_exec_dfu11_verify(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    int rc = dfu_exec_reserve(x, 2u * s->size);
    if (rc) return rc;
    uint8_t *want = x->buf, *got = x->buf + s->size;
    dfu_exec_data(x, s->alt, s->address, want, s->size);
    rc = dfu_make_idle(x->dev); /* after the download: ABORT to dfuIDLE, where UPLOAD works */
    for (unsigned attempt = 1; !rc; attempt++) {
        bool doubtful = false;
        rc = upload_and_compare(x, s, want, got, &doubtful);
        if (!rc || attempt > x->retry.limit || !(doubtful || dfu_transient(x->dev, rc))) break;
        x->retry.used++;
        dfu_warn(x->ctx, "%s; reading everything again (%u of %u)", dfu_ctx_error(x->ctx)->message,
                 attempt, x->retry.limit);
        rc = dfu_retry_idle(x->dev, &x->retry);
    }
    if (!rc) x->res->verified_bytes += s->size;
    return rc;
}

int dfu_exec_dfu11_manifest(dfu_exec *x, size_t i)
{
    /* The zero-length download continues the block numbering of the data before it. */
    uint32_t size = 0;
    for (size_t j = 0; j < i; j++)
        if (x->plan->steps[j].kind == DFU_STEP_WRITE) size = x->plan->steps[j].size;
    return dfu_dfu11_manifest(x->dev, block_after(x, size));
}

int dfu_exec_dfu11_leave(dfu_exec *x, size_t i)
{
    (void)i;
    return dfu_device_reset(x->dev);
}
