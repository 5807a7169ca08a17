/*
 * TinyUSB's DFU class driver (dfu_device.c) with an application that flashes in the
 * background: flashing starts once the first GETSTATUS in dfuDNLOAD-SYNC is answered
 * (dfuDNBUSY with the application's timeout); every GETSTATUS while it runs answers dfuDNBUSY
 * with 0 ms; when done the driver is back in dfuDNLOAD-SYNC and needs one more GETSTATUS to
 * reach dfuDNLOAD-IDLE. CLRSTATUS and ABORT reset the state machine in any state; UPLOAD never
 * changes the state; DNLOAD outside dfuIDLE/dfuDNLOAD-IDLE is stalled, the state unchanged.
 */
#include "sim_internal.h"

static void tu_enter(dfu_sim *s)
{
    s->ps.cmd = 0; /* flashing_in_progress */
}

static uint32_t alt_poll(const dfu_sim *s)
{
    const sim_alt_def *a = &s->prof->alts[s->ps.alt < s->prof->alt_count ? s->ps.alt : 0];
    return a->poll_ms ? a->poll_ms : s->prof->polls.write;
}

static void tu_getstatus(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    if (ps->state == DFU_STATE_DNLOAD_SYNC && ps->cmd) {
        dfu_simi_status_reply(s, r, ps->status, alt_poll(s), DFU_STATE_DNBUSY);
        dfu_simi_set_state(s, DFU_STATE_DNBUSY);
        ps->pending = false;
        uint32_t addr = dfu_simi_plain_block_address(s, ps->pending_block);
        uint8_t st = dfu_simi_plain_write(s, addr, ps->pending_buf, ps->pending_len, false);
        if (st != DFU_STATUS_OK) {
            dfu_simi_op_begin(s, SIM_WHAT_COMMAND_ERROR);
            s->ps.op.status = st;
        }
        {
            dfu_simi_op_commit(s, 0);
            return;
        }
    }
    if (ps->state == DFU_STATE_MANIFEST_SYNC && ps->cmd) {
        dfu_simi_status_reply(s, r, ps->status, s->prof->polls.manifest, DFU_STATE_MANIFEST);
        dfu_simi_set_state(s, DFU_STATE_MANIFEST);
        dfu_simi_op_begin(s, SIM_WHAT_MANIFEST);
        {
            dfu_simi_op_commit(s, s->prof->timing.manifest_us);
            return;
        }
    }
    if (ps->state == DFU_STATE_DNLOAD_SYNC) dfu_simi_set_state(s, DFU_STATE_DNLOAD_IDLE);
    if (ps->state == DFU_STATE_MANIFEST_SYNC) dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
    dfu_simi_status_reply(s, r, ps->status, 0, ps->state); /* dfuDNBUSY: 0 ms */
}

static void tu_reset_state(dfu_sim *s)
{
    s->ps.status = DFU_STATUS_OK;
    s->ps.cmd = 0;
    dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
}

static void tu_dnload(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    uint16_t len = dfu_simi_length(r);
    if (!(s->attributes & DFU_ATTR_CAN_DNLOAD) || len > s->transfer_size ||
        (ps->state != DFU_STATE_DFU_IDLE && ps->state != DFU_STATE_DNLOAD_IDLE)) {
        dfu_simi_stall(r);
        return;
    }
    if (ps->state == DFU_STATE_DFU_IDLE) dfu_simi_plain_start(s);
    ps->cmd = 1;
    dfu_simi_keep_download(s, r);
    dfu_simi_set_state(s, len ? DFU_STATE_DNLOAD_SYNC : DFU_STATE_MANIFEST_SYNC);
    r->result = len;
}

static void tu_upload(dfu_sim *s, sim_req *r)
{
    uint16_t len = dfu_simi_length(r);
    if (!(s->attributes & DFU_ATTR_CAN_UPLOAD) || len > s->transfer_size) {
        dfu_simi_stall(r);
        return;
    }
    uint64_t addr = dfu_simi_alt_base(s) + (uint64_t)dfu_simi_value(r) * s->transfer_size;
    r->result = addr > UINT32_MAX ? 0 : dfu_simi_plain_read(s, (uint32_t)addr, r->data, len);
}

static void tu_request(dfu_sim *s, sim_req *r)
{
    switch (dfu_simi_req(r)) {
    case DFU_DETACH: r->result = 0; return; /* tud_dfu_detach_cb: nothing in DFU mode */
    case DFU_CLRSTATUS:
    case DFU_ABORT:
        tu_reset_state(s);
        r->result = 0;
        return;
    case DFU_GETSTATE: {
        dfu_simi_state_reply(r, s->ps.state);
        return;
    }
    case DFU_UPLOAD: {
        tu_upload(s, r);
        return;
    }
    case DFU_DNLOAD: {
        tu_dnload(s, r);
        return;
    }
    case DFU_GETSTATUS: {
        tu_getstatus(s, r);
        return;
    }
    default: {
        dfu_simi_stall(r);
        return;
    }
    }
}

/* tud_dfu_finish_flashing() */
static void tu_op_done(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    ps->cmd = 0;
    if (dfu_simi_wire_status(ps->op.status) != DFU_STATUS_OK) {
        ps->status = ps->op.status;
        {
            dfu_simi_set_state(s, DFU_STATE_ERROR);
            return;
        }
    }
    if (ps->state == DFU_STATE_DNBUSY) dfu_simi_set_state(s, DFU_STATE_DNLOAD_SYNC);
    if (ps->state == DFU_STATE_MANIFEST)
        dfu_simi_set_state(s, dfu_simi_manifest_tolerant(s) ? DFU_STATE_MANIFEST_SYNC
                                                            : DFU_STATE_MANIFEST_WAIT_RESET);
}

static void tu_bus_reset(dfu_sim *s)
{
    /* The application restarts into the new firmware once manifestation waits for a reset;
     * otherwise the driver's dfu_moded_reset() just returns to dfuIDLE. */
    if (s->ps.state == DFU_STATE_MANIFEST_WAIT_RESET) {
        dfu_simi_reset(s, "USB reset after manifestation");
        return;
    }
    s->ps.alt = 0;
    tu_reset_state(s);
}

const sim_dialect_ops dfu_simi_dialect_tinyusb = {tu_enter, tu_request, tu_op_done, tu_bus_reset};
