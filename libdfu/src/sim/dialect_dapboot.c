/*
 * dapboot's DFU 1.1 state machine: blocks go one after the other from the application's start
 * whatever their wBlockNum; the GETSTATUS in dfuDNLOAD-SYNC answers dfuDNBUSY with a fixed
 * 100 ms and the block is then erased-and-programmed while USB waits, ending in
 * dfuDNLOAD-IDLE. Manifestation checks the application's stack pointer, then resets into it.
 * Requests that do not fit the state are acknowledged and ignored; unknown ones (DFU_DETACH
 * here) stall with errSTALLEDPKT.
 */
#include "sim_internal.h"

static void dap_enter(dfu_sim *s)
{
    (void)s;
}

static void dap_getstatus(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    uint32_t poll = 0;
    if (ps->state == DFU_STATE_DNLOAD_SYNC) {
        dfu_simi_set_state(s, DFU_STATE_DNBUSY);
        poll = s->prof->polls.write;
    } else if (ps->state == DFU_STATE_MANIFEST_SYNC) {
        dfu_simi_set_state(s, ps->manifested ? DFU_STATE_DFU_IDLE : DFU_STATE_MANIFEST);
    }
    dfu_simi_status_reply(s, r, ps->status, poll, ps->state);
    if (ps->state == DFU_STATE_DNBUSY) {
        uint32_t addr = dfu_simi_alt_base(s) + ps->offset;
        uint8_t st = dfu_simi_plain_write(s, addr, ps->pending_buf, ps->pending_len, true);
        if (st != DFU_STATUS_OK) {
            dfu_simi_op_begin(s, SIM_WHAT_COMMAND_ERROR);
            s->ps.op.status = st;
        }
        dfu_simi_op_commit(s, 0);
    } else if (ps->state == DFU_STATE_MANIFEST) {
        dfu_simi_op_begin(s, SIM_WHAT_MANIFEST);
        dfu_simi_op_commit(s, s->prof->timing.manifest_us);
    }
}

static void dap_dnload(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    uint16_t len = dfu_simi_length(r);
    r->result = len;
    if (len > s->transfer_size) {
        dfu_simi_stall_error(s, r);
        return;
    }
    if (ps->state == DFU_STATE_DFU_IDLE) {
        if (len == 0) {
            dfu_simi_stall_error(s, r);
            return;
        }
        ps->offset = 0; /* a new download starts at the application's base */
        ps->manifested = false;
    } else if (ps->state == DFU_STATE_DNLOAD_IDLE) {
        if (len == 0) {
            dfu_simi_set_state(s, DFU_STATE_MANIFEST_SYNC);
            return;
        }
    } else {
        return; /* dapboot: "default: break" - acknowledged, nothing happens */
    }
    dfu_simi_keep_download(s, r);
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
}

static void dap_upload(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    uint16_t len = dfu_simi_length(r);
    if (ps->state != DFU_STATE_DFU_IDLE && ps->state != DFU_STATE_UPLOAD_IDLE) {
        r->result = 0;
        return;
    }
    if (ps->state == DFU_STATE_DFU_IDLE) ps->offset = 0;
    int n = dfu_simi_plain_read(s, dfu_simi_alt_base(s) + ps->offset, r->data, len);
    ps->offset += (uint32_t)n;
    dfu_simi_set_state(s, n < len ? DFU_STATE_DFU_IDLE : DFU_STATE_UPLOAD_IDLE);
    r->result = n;
}

static void dap_request(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    switch (dfu_simi_req(r)) {
    case DFU_GETSTATE: {
        dfu_simi_state_reply(r, ps->state);
        return;
    }
    case DFU_GETSTATUS: {
        dap_getstatus(s, r);
        return;
    }
    case DFU_CLRSTATUS:
        ps->status = DFU_STATUS_OK;
        if (ps->state == DFU_STATE_ERROR) dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        r->result = 0;
        return;
    case DFU_DNLOAD: {
        dap_dnload(s, r);
        return;
    }
    case DFU_UPLOAD: {
        dap_upload(s, r);
        return;
    }
    case DFU_ABORT:
        r->result = 0;
        if (ps->state == DFU_STATE_DFU_IDLE || ps->state == DFU_STATE_DNLOAD_SYNC ||
            ps->state == DFU_STATE_DNLOAD_IDLE || ps->state == DFU_STATE_MANIFEST_SYNC ||
            ps->state == DFU_STATE_UPLOAD_IDLE)
            dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        return;
    default: {
        dfu_simi_stall_error(s, r);
        return;
    } /* DFU_DETACH included */
    }
}

static void dap_op_done(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    if (ps->op.what == SIM_WHAT_MANIFEST) {
        if (!dfu_simi_app_valid(s, s->prof->app_base)) {
            dfu_simi_fail(s, DFU_STATUS_ERR_FIRMWARE);
            return;
        }
        ps->manifested = true;
        dfu_simi_set_state(s, DFU_STATE_MANIFEST_SYNC);
        {
            dfu_simi_reset(s, "manifestation done, bitWillDetach");
            return;
        }
    }
    if (ps->state != DFU_STATE_DNBUSY) return;
    if (ps->op.status != DFU_STATUS_OK) {
        dfu_simi_fail(s, ps->op.status);
        return;
    }
    ps->offset += ps->pending_len;
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_IDLE);
}

static void dap_bus_reset(dfu_sim *s)
{
    dfu_simi_reset(s, "USB reset: dapboot restarts the board");
}

const sim_dialect_ops dfu_simi_dialect_dapboot = {dap_enter, dap_request, dap_op_done,
                                                  dap_bus_reset};
