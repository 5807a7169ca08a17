/*
 * The ST system bootloader's DFU state machine (AN3156/AN2662, ST's USBD DFU class), shared by
 * stm32f405, stm32h743, stm32l476 and the GD32 clone. A DNLOAD is kept until the GETSTATUS
 * that follows: that one answers dfuDNBUSY with the profile's poll timeout, then the ROM does
 * the work and goes back to dfuDNLOAD-SYNC, so the next GETSTATUS reports dfuDNLOAD-IDLE.
 * Requests the ROM does not expect in a state are stalled without a state change, except the
 * ones AN2662 figure 55 sends to dfuERROR/errSTALLEDPKT (unknown commands, wBlockNum 1).
 */
#include "sim_internal.h"

static void st_enter(dfu_sim *s)
{
    /* Real logs: "Determining device status: state = dfuERROR, status = 10". */
    if (s->prof->quirks & SIM_Q_START_ERROR) {
        s->ps.state = DFU_STATE_ERROR;
        s->ps.status = DFU_STATUS_ERR_FIRMWARE;
    }
}

static bool idle_or(const dfu_sim *s, uint8_t other)
{
    return s->ps.state == DFU_STATE_DFU_IDLE || s->ps.state == other;
}

static void st_dnload(dfu_sim *s, sim_req *r)
{
    uint16_t len = dfu_simi_length(r), block = dfu_simi_value(r);
    if (!idle_or(s, DFU_STATE_DNLOAD_IDLE)) {
        dfu_simi_stall(r);
        return;
    }
    if (len == 0) {
        /* Leave: executed on the next GETSTATUS, which reports dfuMANIFEST. */
        s->ps.pending = false;
        s->ps.manifested = false;
        dfu_simi_set_state(s, DFU_STATE_MANIFEST_SYNC);
        r->result = 0;
        if (s->prof->quirks & SIM_Q_LEAVE_NO_STATUS) {
            dfu_simi_trace(s, "leaves at once, no GETSTATUS answered");
            dfu_simi_jump(s, s->ps.pointer);
        }
        return;
    }
    if (len > s->transfer_size || block == 1 ||
        (block == 0 && !dfu_simi_dfuse_command_known(r->data, len))) {
        dfu_simi_stall_error(s, r);
        return;
    }
    dfu_simi_keep_download(s, r);
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
    r->result = len;
}

static uint32_t poll_for_pending(const dfu_sim *s)
{
    const sim_polls *p = &s->prof->polls;
    const sim_pstate *ps = &s->ps;
    if (ps->pending_block != 0) return p->write;
    switch (ps->pending_buf[0]) {
    case DFUSE_CMD_SET_ADDRESS: return p->set_address;
    case DFUSE_CMD_ERASE: return ps->pending_len == 1 ? p->mass_erase : p->erase;
    default: return p->unprotect;
    }
}

static void st_getstatus(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    switch (ps->state) {
    case DFU_STATE_DNLOAD_SYNC:
        if (ps->pending) {
            dfu_simi_set_state(s, DFU_STATE_DNBUSY);
            dfu_simi_status_reply(s, r, ps->status, poll_for_pending(s), DFU_STATE_DNBUSY);
            dfu_simi_dfuse_execute(s); /* after the answer, as the ROM does */
            return;
        }
        dfu_simi_set_state(s, DFU_STATE_DNLOAD_IDLE);
        break;
    case DFU_STATE_DNBUSY: {
        dfu_simi_status_reply(s, r, ps->status, s->prof->polls.busy, DFU_STATE_DNBUSY);
        return;
    }
    case DFU_STATE_MANIFEST_SYNC:
        if (!ps->manifested) {
            dfu_simi_set_state(s, DFU_STATE_MANIFEST);
            dfu_simi_status_reply(s, r, ps->status, s->prof->polls.manifest, DFU_STATE_MANIFEST);
            dfu_simi_op_begin(s, SIM_WHAT_MANIFEST);
            dfu_simi_op_commit(s, s->prof->timing.manifest_us);
            return;
        }
        if (dfu_simi_manifest_tolerant(s)) dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        break;
    default: break;
    }
    dfu_simi_status_reply(s, r, ps->status, 0, ps->state);
}

static void st_upload(dfu_sim *s, sim_req *r)
{
    static const uint8_t commands[] = {DFUSE_CMD_GET_COMMANDS, DFUSE_CMD_SET_ADDRESS,
                                       DFUSE_CMD_ERASE, DFUSE_CMD_READ_UNPROTECT};
    uint16_t len = dfu_simi_length(r), block = dfu_simi_value(r);
    if (!idle_or(s, DFU_STATE_UPLOAD_IDLE) || len == 0) {
        dfu_simi_stall(r);
        return;
    }
    if (block == 0) {
        uint16_t n = len < sizeof(commands) ? len : (uint16_t)sizeof(commands);
        for (uint16_t i = 0; i < n; i++) r->data[i] = commands[i];
        /* ST's class: a full answer leaves the device idle, a short read in UPLOAD-IDLE. */
        dfu_simi_set_state(s, len > 3 ? DFU_STATE_DFU_IDLE : DFU_STATE_UPLOAD_IDLE);
        r->result = n;
        return;
    }
    if (block == 1 || len > s->transfer_size) {
        dfu_simi_stall_error(s, r);
        return;
    }
    int n = dfu_simi_dfuse_read(s, block, r->data, len);
    if (n < 0) {
        r->result = DFU_ERR_STALL;
        {
            dfu_simi_fail(s, (uint8_t)-n);
            return;
        }
    }
    dfu_simi_set_state(s, DFU_STATE_UPLOAD_IDLE);
    r->result = n;
}

static void st_clrstatus(dfu_sim *s, sim_req *r)
{
    r->result = 0;
    s->ps.stuck = false;
    if (s->ps.state == DFU_STATE_ERROR) {
        s->ps.status = DFU_STATUS_OK;
        s->ps.istring = 0;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
    } else {
        /* ST's class: CLRSTATUS outside dfuERROR is itself an error. This is what gets an H7
         * out of its stuck dfuDNBUSY: (errUNKNOWN, dfuERROR), then (OK, dfuIDLE). */
        dfu_simi_fail(s, DFU_STATUS_ERR_UNKNOWN);
    }
}

static bool abortable(const dfu_sim *s)
{
    switch (s->ps.state) {
    case DFU_STATE_DFU_IDLE:
    case DFU_STATE_DNLOAD_SYNC:
    case DFU_STATE_DNLOAD_IDLE:
    case DFU_STATE_MANIFEST_SYNC:
    case DFU_STATE_UPLOAD_IDLE: return true;
    default: return false;
    }
}

static void st_request(dfu_sim *s, sim_req *r)
{
    switch (dfu_simi_req(r)) {
    case DFU_DNLOAD: {
        st_dnload(s, r);
        return;
    }
    case DFU_UPLOAD: {
        st_upload(s, r);
        return;
    }
    case DFU_GETSTATUS: {
        st_getstatus(s, r);
        return;
    }
    case DFU_CLRSTATUS: {
        st_clrstatus(s, r);
        return;
    }
    case DFU_GETSTATE: {
        dfu_simi_state_reply(r, s->ps.state);
        return;
    }
    case DFU_ABORT:
    case DFU_DETACH:
        r->result = 0;
        if (!abortable(s)) return;
        s->ps.pending = false;
        s->ps.status = DFU_STATUS_OK;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        /* bitWillDetach: the class stops and restarts USB; the ROM itself keeps running. */
        if (dfu_simi_req(r) == DFU_DETACH && (s->attributes & DFU_ATTR_WILL_DETACH))
            dfu_simi_reenumerate(s, "DFU_DETACH");
        return;
    default: {
        dfu_simi_stall(r);
        return;
    }
    }
}

static void st_op_done(dfu_sim *s)
{
    const sim_op *op = &s->ps.op;
    switch (op->what) {
    case SIM_WHAT_MANIFEST: {
        dfu_simi_jump(s, s->ps.pointer);
        return;
    }
    case SIM_WHAT_OPTIONS: {
        dfu_simi_reset(s, "option bytes written");
        return;
    }
    case SIM_WHAT_UNPROTECT: {
        dfu_simi_reset(s, "read protection removed");
        return;
    }
    default: break;
    }
    if (s->ps.state != DFU_STATE_DNBUSY) return; /* cleared or aborted meanwhile */
    if (dfu_simi_wire_status(op->status) != DFU_STATUS_OK) {
        dfu_simi_fail(s, op->status);
        return;
    }
    if (op->what == SIM_WHAT_ERASE && (s->prof->quirks & SIM_Q_H7_STUCK_ERASE) && s->cfg.rev_v) {
        dfu_simi_trace(s, "rev V: erase done, but dfuDNBUSY stays");
        s->ps.stuck = true;
        return;
    }
    dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
}

static void st_bus_reset(dfu_sim *s)
{
    /* The ROM keeps its DFU state across USB resets: only leave or power ends DFU mode. */
    dfu_simi_trace(s, "USB reset: the ROM stays as it is");
}

const sim_dialect_ops dfu_simi_dialect_st = {st_enter, st_request, st_op_done, st_bus_reset};
