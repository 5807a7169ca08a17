/*
 * ST DfuSe commands (AN3156): DNLOAD with wBlockNum 0 carries a command that the device executes
 * on the following GETSTATUS; data blocks start at wBlockNum 2 and land at
 * pointer + (wBlockNum - 2) * wTransferSize.
 */
#include <stdio.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "proto.h"

/* Long enough for Set Address on every ST part. */
#define DFUSE_COMMAND_EXPECT_MS 1000u
/* A mass erase: the F405 datasheet's 32 s maximum plus margin (dfu-util uses 35 s). */
#define DFUSE_MASS_ERASE_EXPECT_MS DFU_LONGEST_OPERATION_MS
/* Programming one block: well under this on every part. */
#define DFUSE_WRITE_EXPECT_MS 1000u

static int command(dfu_device *d, const uint8_t *cmd, uint16_t len, const dfu_wait *w,
                   dfu_status_reply *st)
{
    int rc = dfu_dnload_wait(d, 0, cmd, len, w, st);
    if (rc) return rc;
    /* After the stuck-dfuDNBUSY recovery an erase ends in dfuIDLE: it is done. */
    bool idle_ok = w->erase && st->state == DFU_STATE_DFU_IDLE;
    if (st->state != DFU_STATE_DNLOAD_IDLE && !idle_ok)
        return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st->state, st->status,
                              "%s: the device ended in %s instead of dfuDNLOAD-IDLE", w->what,
                              dfu_state_name(st->state));
    return DFU_OK;
}

int dfu_dfuse_set_address(dfu_device *d, uint32_t address)
{
    uint8_t cmd[5] = {DFUSE_CMD_SET_ADDRESS};
    dfu_put_le32(cmd + 1, address);
    char what[64];
    snprintf(what, sizeof(what), "setting the address to 0x%08x", address);
    dfu_wait w = {what, DFUSE_COMMAND_EXPECT_MS, 0, false, false};
    dfu_status_reply st;
    d->stats.set_address++;
    return command(d, cmd, sizeof(cmd), &w, &st);
}

int dfu_dfuse_erase_page(dfu_device *d, uint32_t address, uint32_t size)
{
    uint8_t cmd[5] = {DFUSE_CMD_ERASE};
    dfu_put_le32(cmd + 1, address);
    char what[80];
    snprintf(what, sizeof(what), "erasing the %u-byte sector at 0x%08x", size, address);
    dfu_wait w = {what, dfu_erase_expect_ms(size), d->quirks.erase_poll_ms, true, false};
    dfu_status_reply st;
    d->stats.erase++;
    return command(d, cmd, sizeof(cmd), &w, &st);
}

int dfu_dfuse_mass_erase(dfu_device *d)
{
    uint8_t cmd[1] = {DFUSE_CMD_ERASE};
    dfu_wait w = {"mass erase", DFUSE_MASS_ERASE_EXPECT_MS, d->quirks.mass_erase_poll_ms, true,
                  false};
    dfu_status_reply st;
    d->stats.erase++;
    return command(d, cmd, sizeof(cmd), &w, &st);
}

/* Read Unprotect answered with dfuERROR: the command was refused. errSTALLEDPKT is how the ST
 * class says it does not know a command (AN2662 fig.55); mboot refuses every command it does
 * not know with status OK, which says nothing about why. */
static int unprotect_refused(dfu_device *d)
{
    const dfu_error_info *e = dfu_ctx_error(d->ctx);
    int state = e->dfu_state, status = e->dfu_status;
    char said[DFU_ERROR_MESSAGE_MAX / 2];
    snprintf(said, sizeof(said), "%s", e->message); /* the context's own message */
    if (status == DFU_STATUS_ERR_STALLEDPKT)
        return dfu_err_device(d->ctx, DFU_ERR_UNSUPPORTED, state, status,
                              "%s: the device does not support Read Unprotect; nothing was "
                              "erased",
                              said);
    if (status == DFU_STATUS_OK)
        return dfu_err_device(d->ctx, DFU_ERR_DEVICE, state, status,
                              "%s: the device refused the command without a reason (it may not "
                              "support it)",
                              said);
    return DFU_ERR_DEVICE;
}

int dfu_dfuse_read_unprotect(dfu_device *d)
{
    /* The ST ROM answers the first GETSTATUS with dfuDNBUSY, then erases everything and resets
     * (AN2662 p.78): a later GETSTATUS fails as it goes, which is the success. A device without
     * the command answers one with dfuERROR. Polled as a mass erase is, for as long. */
    uint8_t cmd[1] = {DFUSE_CMD_READ_UNPROTECT};
    dfu_wait w = {"read unprotect", DFUSE_MASS_ERASE_EXPECT_MS, d->quirks.mass_erase_poll_ms, false,
                  true};
    dfu_status_reply st;
    int rc = dfu_dnload_wait(d, 0, cmd, sizeof(cmd), &w, &st);
    if (rc == DFU_ERR_DEVICE) return unprotect_refused(d);
    if (rc || d->gone) return rc;
    return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                          "read unprotect: the device did not reset (it is in %s, status %s), so "
                          "whether its read protection was removed is unknown",
                          dfu_state_name(st.state), dfu_status_name(st.status));
}

int dfu_dfuse_leave(dfu_device *d, const uint32_t *address)
{
    if (address) {
        int rc = dfu_dfuse_set_address(d, *address);
        if (rc) return rc;
    }
    /* A zero-length DNLOAD, then GETSTATUS, which the ROM answers with dfuMANIFEST before it
     * disconnects and jumps. Many devices reset as soon as they accept the request instead: that
     * is a success, not the error dfu-util reports. */
    dfu_status_reply st;
    int rc = dfu_req_dnload(d, DFUSE_FIRST_DATA_BLOCK, NULL, 0);
    if (!rc) rc = dfu_req_getstatus(d, &st, DFU_CONTROL_TIMEOUT_MS);
    if (rc) {
        rc = dfu_confirm_left(d, rc, "leaving DFU mode", &st);
        if (rc) return rc > 0 ? DFU_OK : rc;
    }
    if (st.state == DFU_STATE_ERROR) return dfu_err_status(d, &st, "leaving DFU mode");
    if (st.state != DFU_STATE_MANIFEST && st.state != DFU_STATE_MANIFEST_SYNC &&
        st.state != DFU_STATE_MANIFEST_WAIT_RESET)
        return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                              "leaving DFU mode: the device went to %s instead of manifesting",
                              dfu_state_name(st.state));
    d->gone = true;
    return DFU_OK;
}

static int write_block(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len,
                       uint32_t address, bool resets)
{
    char what[80];
    snprintf(what, sizeof(what), "writing %u bytes at 0x%08x (block %u)", len, address, block);
    dfu_wait w = {what, DFUSE_WRITE_EXPECT_MS, 0, false, resets};
    dfu_status_reply st;
    int rc = dfu_dnload_wait(d, block, data, len, &w, &st);
    if (rc || d->gone) return rc;
    if (st.state != DFU_STATE_DNLOAD_IDLE)
        return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                              "%s: the device ended in %s instead of dfuDNLOAD-IDLE", what,
                              dfu_state_name(st.state));
    return DFU_OK;
}

int dfu_dfuse_write_block(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len,
                          uint32_t address)
{
    return write_block(d, block, data, len, address, false);
}

int dfu_dfuse_write_block_then_reset(dfu_device *d, uint16_t block, const uint8_t *data,
                                     uint16_t len, uint32_t address)
{
    return write_block(d, block, data, len, address, true);
}

/* One Set Address, then UPLOAD blocks from 2 (as many as len needs; the caller keeps it within
 * block numbers that do not wrap). */
static int read_run(dfu_device *d, uint32_t address, uint8_t *buf, size_t len)
{
    int rc = dfu_dfuse_set_address(d, address);
    if (!rc) rc = dfu_req_abort(d); /* from dfuDNLOAD-IDLE to dfuIDLE, where UPLOAD is allowed */
    if (rc) return dfu_err_prefix(d->ctx, rc, "reading 0x%08x", address);
    uint32_t xfer = d->transfer_size;
    for (size_t done = 0; done < len;) {
        size_t n = DFU_MIN(len - done, (size_t)xfer);
        uint16_t block = (uint16_t)(DFUSE_FIRST_DATA_BLOCK + done / xfer);
        /* The device places block B at pointer + (B - 2) * wTransferSize whatever the length
         * asked, so the last, shorter read lands right too. */
        rc = dfu_req_upload(d, block, buf + done, (uint16_t)n);
        if (rc == DFU_ERR_STALL) {
            /* A refusal has its reason in the status: errVENDOR is the ST ROM's read
             * protection, errTARGET/errADDRESS memory it will not read, none of them worth
             * asking again; a lost packet (errSTALLEDPKT) is. */
            char what[48];
            snprintf(what, sizeof(what), "reading 0x%08x", address + (uint32_t)done);
            dfu_status_reply st;
            if (dfu_req_getstatus(d, &st, DFU_CONTROL_TIMEOUT_MS) == DFU_OK &&
                st.state == DFU_STATE_ERROR && st.status != DFU_STATUS_OK)
                return dfu_err_status(d, &st, what);
            dfu_ctx_clear_error(d->ctx);
            return dfu_err(d->ctx, DFU_ERR_STALL,
                           "%s: DFU_UPLOAD (block %u): the device stalled "
                           "the request",
                           what, block);
        }
        if (rc < 0) return dfu_err_prefix(d->ctx, rc, "reading 0x%08x", address + (uint32_t)done);
        if ((size_t)rc < n)
            return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                           "reading 0x%08x: the device sent %d bytes where %zu were expected",
                           address + (uint32_t)done, rc, n);
        done += n;
    }
    rc = dfu_req_abort(d);
    return rc ? dfu_err_prefix(d->ctx, rc, "ending the read") : DFU_OK;
}

int dfu_dfuse_read(dfu_device *d, uint32_t address, uint8_t *buf, size_t len)
{
    /* Blocks per Set Address: as many as block numbers allow when the device places them by the
     * size we read, else one (it would read block 3 from pointer + its own size). */
    size_t blocks =
        d->device_transfer_size == d->transfer_size ? 0xffffu - DFUSE_FIRST_DATA_BLOCK + 1 : 1;
    for (size_t done = 0; done < len;) {
        size_t n = DFU_MIN(len - done, blocks * d->transfer_size);
        int rc = read_run(d, address + (uint32_t)done, buf + done, n);
        if (rc) return rc;
        done += n;
    }
    return DFU_OK;
}
