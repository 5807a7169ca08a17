/*
 * DFU 1.1 appendix A.2, state by state, for the "dfu11" reference profile. What the tables do
 * not list is "any other request": stall, and dfuERROR (errSTALLEDPKT) except in dfuERROR itself
 * (stays) and dfuMANIFEST-WAIT-RESET, which waits for a USB reset: there GETSTATUS and GETSTATE
 * are answered (the table leaves them open; dfu-util asks before it resets) and the rest
 * stalls. bwPollTimeout is the real length of the work; a request before it has elapsed is a
 * protocol error.
 */
#include "sim_internal.h"

static void spec_enter(dfu_sim *s)
{
    /* A.2.3: reset or power-on with firmware that is not valid -> dfuERROR, errFIRMWARE. */
    if (!dfu_simi_app_valid(s, s->prof->app_base)) {
        s->ps.state = DFU_STATE_ERROR;
        s->ps.status = DFU_STATUS_ERR_FIRMWARE;
    }
}

static uint32_t ms_of(const dfu_sim *s)
{
    uint64_t us = s->ps.op.end - s->ps.op.start;
    return (uint32_t)((us + 999) / 1000);
}

/* A.2.4: the block is programmed once its GETSTATUS arrives. */
static void start_block(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    ps->pending = false;
    uint32_t addr = dfu_simi_plain_block_address(s, ps->pending_block);
    uint8_t st = dfu_simi_plain_write(s, addr, ps->pending_buf, ps->pending_len, false);
    if (st != DFU_STATUS_OK) {
        dfu_simi_fail(s, st);
        {
            dfu_simi_status_reply(s, r, ps->status, 0, ps->state);
            return;
        }
    }
    dfu_simi_op_commit(s, 0);
    dfu_simi_set_state(s, DFU_STATE_DNBUSY);
    dfu_simi_status_reply(s, r, ps->status, ms_of(s), DFU_STATE_DNBUSY);
}

static void spec_getstatus(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    if (ps->state == DFU_STATE_DNLOAD_SYNC) {
        if (ps->pending) {
            start_block(s, r);
            return;
        }
        dfu_simi_set_state(s, DFU_STATE_DNLOAD_IDLE);
    } else if (ps->state == DFU_STATE_MANIFEST_SYNC) {
        if (!ps->manifested) {
            dfu_simi_op_begin(s, SIM_WHAT_MANIFEST);
            dfu_simi_op_commit(s, s->prof->timing.manifest_us);
            dfu_simi_set_state(s, DFU_STATE_MANIFEST);
            {
                dfu_simi_status_reply(s, r, ps->status, ms_of(s), DFU_STATE_MANIFEST);
                return;
            }
        }
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE); /* manifested, and tolerant (A.2.7) */
    }
    dfu_simi_status_reply(s, r, ps->status, 0, ps->state);
}

static void spec_dnload(dfu_sim *s, sim_req *r)
{
    uint16_t len = dfu_simi_length(r);
    uint8_t st = s->ps.state;
    if (!(s->attributes & DFU_ATTR_CAN_DNLOAD) || len > s->transfer_size ||
        (st != DFU_STATE_DFU_IDLE && st != DFU_STATE_DNLOAD_IDLE)) {
        dfu_simi_stall_error(s, r);
        return;
    }
    if (len == 0) {
        if (st == DFU_STATE_DFU_IDLE) {
            dfu_simi_stall_error(s, r);
            return;
        }
        s->ps.manifested = false;
        dfu_simi_set_state(s, DFU_STATE_MANIFEST_SYNC);
        r->result = 0;
        return;
    }
    if (st == DFU_STATE_DFU_IDLE) dfu_simi_plain_start(s);
    dfu_simi_keep_download(s, r);
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
    r->result = len;
}

/* A.2.10: a short frame ends the upload. */
static void spec_upload(dfu_sim *s, sim_req *r)
{
    uint16_t len = dfu_simi_length(r);
    uint8_t st = s->ps.state;
    if (!(s->attributes & DFU_ATTR_CAN_UPLOAD) || len == 0 ||
        (st != DFU_STATE_DFU_IDLE && st != DFU_STATE_UPLOAD_IDLE)) {
        dfu_simi_stall_error(s, r);
        return;
    }
    if (st == DFU_STATE_DFU_IDLE) s->ps.offset = 0;
    int n = dfu_simi_plain_read(s, dfu_simi_alt_base(s) + s->ps.offset, r->data, len);
    s->ps.offset += (uint32_t)n;
    dfu_simi_set_state(s, n < len ? DFU_STATE_DFU_IDLE : DFU_STATE_UPLOAD_IDLE);
    r->result = n;
}

static void spec_request(dfu_sim *s, sim_req *r)
{
    uint8_t st = s->ps.state, req = dfu_simi_req(r);
    if (st == DFU_STATE_DNBUSY || st == DFU_STATE_MANIFEST) {
        dfu_simi_stall_error(s, r);
        return;
    }
    if (st == DFU_STATE_MANIFEST_WAIT_RESET && req != DFU_GETSTATUS && req != DFU_GETSTATE) {
        dfu_simi_stall(r);
        return;
    }
    switch (req) {
    case DFU_GETSTATUS: {
        spec_getstatus(s, r);
        return;
    }
    case DFU_GETSTATE: {
        dfu_simi_state_reply(r, st);
        return;
    }
    case DFU_DNLOAD: {
        spec_dnload(s, r);
        return;
    }
    case DFU_UPLOAD: {
        spec_upload(s, r);
        return;
    }
    case DFU_CLRSTATUS:
        if (st != DFU_STATE_ERROR) {
            dfu_simi_stall_error(s, r);
            return;
        }
        s->ps.status = DFU_STATUS_OK;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        r->result = 0;
        return;
    case DFU_ABORT:
        if (st != DFU_STATE_DFU_IDLE && st != DFU_STATE_DNLOAD_IDLE && st != DFU_STATE_UPLOAD_IDLE)
            break;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        r->result = 0;
        return;
    default: break;
    }
    if (st == DFU_STATE_ERROR) {
        dfu_simi_stall(r);
        return;
    } /* A.2.11: stays in dfuERROR */
    dfu_simi_stall_error(s, r);
}

static void spec_op_done(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    if (ps->op.what == SIM_WHAT_MANIFEST) {
        ps->manifested = true;
        if (ps->state != DFU_STATE_MANIFEST) return;
        if (dfu_simi_manifest_tolerant(s)) {
            dfu_simi_set_state(s, DFU_STATE_MANIFEST_SYNC);
            return;
        }
        dfu_simi_set_state(s, DFU_STATE_MANIFEST_WAIT_RESET);
        /* bitWillDetach: no USB reset needed, the device re-attaches as the application. */
        if (s->attributes & DFU_ATTR_WILL_DETACH) dfu_simi_jump(s, s->prof->app_base);
        return;
    }
    if (ps->state != DFU_STATE_DNBUSY) return;
    if (ps->op.status != DFU_STATUS_OK) {
        dfu_simi_fail(s, ps->op.status);
        return;
    }
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
}

/* A.2.3 and A.2.9: a USB reset runs valid firmware, else reports errFIRMWARE. */
static void spec_bus_reset(dfu_sim *s)
{
    dfu_simi_op_cut(s);
    if (dfu_simi_app_valid(s, s->prof->app_base)) {
        dfu_simi_jump(s, s->prof->app_base);
        return;
    }
    s->ps.pending = false;
    s->ps.status = DFU_STATUS_ERR_FIRMWARE;
    dfu_simi_set_state(s, DFU_STATE_ERROR);
}

const sim_dialect_ops dfu_simi_dialect_spec = {spec_enter, spec_request, spec_op_done,
                                               spec_bus_reset};
