/*
 * One control transfer through the device: time passes up to its arrival, a busy device may
 * hold it, faults may eat it, then the standard, class or vendor handler answers, and the
 * transfer completes after the USB cost of its bytes (full speed: ~1 ms + ~1 us per byte).
 */
#include <string.h>

#include "sim_internal.h"

static uint64_t cost_us(const dfu_usb_setup *setup)
{
    return SIM_USB_SETUP_US + (uint64_t)setup->wLength * SIM_USB_BYTE_NS / 1000;
}

static bool is_class(const dfu_usb_setup *setup)
{
    return (setup->bmRequestType & 0x60) == 0x20;
}

static bool dfuse(const dfu_sim *s)
{
    return s->prof->dialect == SIM_DIALECT_ST || s->prof->dialect == SIM_DIALECT_MBOOT;
}

const sim_dialect_ops *dfu_simi_dialect(const dfu_sim *s)
{
    switch (s->prof->dialect) {
    case SIM_DIALECT_ST: return &dfu_simi_dialect_st;
    case SIM_DIALECT_MBOOT: return &dfu_simi_dialect_mboot;
    case SIM_DIALECT_DAPBOOT: return &dfu_simi_dialect_dapboot;
    case SIM_DIALECT_TINYUSB: return &dfu_simi_dialect_tinyusb;
    default: return &dfu_simi_dialect_spec;
    }
}

/* The busy fault: the device answers dfuDNBUSY for good and refuses the rest. */
static void hung_request(dfu_sim *s, sim_req *r)
{
    uint32_t poll = s->prof->polls.busy ? s->prof->polls.busy : s->prof->polls.write;
    dfu_simi_set_state(s, DFU_STATE_DNBUSY);
    if (r->setup->bRequest == DFU_GETSTATUS)
        dfu_simi_status_reply(s, r, DFU_STATUS_OK, poll, DFU_STATE_DNBUSY);
    else if (r->setup->bRequest == DFU_GETSTATE)
        dfu_simi_state_reply(r, DFU_STATE_DNBUSY);
    else
        dfu_simi_stall(r);
}

/* Counts the request and lets the faults aimed at it act; false when they took it. */
static bool arrive(dfu_sim *s, sim_req *r)
{
    const dfu_usb_setup *u = r->setup;
    if (u->bRequest == DFU_GETSTATUS) s->stats.getstatus++;
    if (u->bRequest == DFU_UPLOAD) s->stats.upload_blocks++;
    if (u->bRequest != DFU_DNLOAD || u->wLength == 0) return true;
    bool command = dfuse(s) && u->wValue == 0;
    uint64_t index = command ? s->stats.dnload_commands++ : s->stats.dnload_blocks++;
    switch (dfu_simi_fault_arrival(s, command ? SIM_AT_COMMAND : SIM_AT_BLOCK, index)) {
    case SIM_ACT_LOST: r->result = DFU_ERR_DISCONNECTED; return false;
    case SIM_ACT_STALL: dfu_simi_stall_error(s, r); return false;
    case SIM_ACT_USB_BEFORE: r->result = DFU_ERR_USB; return false;
    case SIM_ACT_USB_AFTER: r->answer_lost = true; return true;
    default: return true;
    }
}

static void class_request(dfu_sim *s, sim_req *r)
{
    const dfu_usb_setup *u = r->setup;
    if ((u->bmRequestType & 0x1F) != 1 || !dfu_simi_dfu_capable(s) ||
        (uint8_t)u->wIndex != dfu_simi_dfu_interface(s)) {
        dfu_simi_stall(r);
        return;
    }
    if (s->ps.mode == SIM_MODE_APP) {
        dfu_simi_runtime_request(s, r);
        return;
    }
    if (!arrive(s, r)) return;
    if (s->ps.hung) {
        hung_request(s, r);
    } else if (s->prof->busy == SIM_BUSY_STALL && dfu_simi_op_running(s)) {
        dfu_simi_trace(s, "busy: the control pipe stalls");
        dfu_simi_stall(r);
    } else {
        dfu_simi_dialect(s)->request(s, r);
    }
    if (s->hang_next) {
        s->hang_next = false;
        s->ps.hung = true;
        dfu_simi_op_cut(s);
    }
}

static void handle(dfu_sim *s, sim_req *r)
{
    bool after = false, cls = is_class(r->setup);
    if (cls && dfu_simi_fault_xfer(s, &after) && !after) {
        r->result = DFU_ERR_USB;
        return;
    }
    if ((r->setup->bmRequestType & 0x60) == 0)
        dfu_simi_standard(s, r);
    else if (cls)
        class_request(s, r);
    else
        dfu_simi_stall(r); /* vendor requests */
    if (after || r->answer_lost) r->result = DFU_ERR_USB;
}

static void trace_request(dfu_sim *s, const dfu_usb_setup *u)
{
    if (!dfu_simi_tracing(s)) return;
    const char *name =
        is_class(u) && u->bRequest <= DFU_ABORT ? dfu_request_name(u->bRequest) : "request";
    dfu_simi_trace(s, "%s %02X %02X wValue=%04X wIndex=%04X wLength=%u", name,
                   (unsigned)u->bmRequestType, (unsigned)u->bRequest, (unsigned)u->wValue,
                   (unsigned)u->wIndex, (unsigned)u->wLength);
}

static void trace_answer(dfu_sim *s, const sim_req *r)
{
    if (!dfu_simi_tracing(s)) return;
    uint64_t done = s->t_done - s->t_offset;
    if (r->never)
        dfu_simi_trace(s, "-> never answered");
    else if (r->result >= 0)
        dfu_simi_trace(s, "-> %d byte(s), done at %llu us", r->result, (unsigned long long)done);
    else
        dfu_simi_trace(s, "-> %s", dfu_error_name(r->result));
}

void dfu_sim_control(dfu_sim *sim, uint64_t now_us, const dfu_usb_setup *setup, uint8_t *data,
                     dfu_sim_xfer *out)
{
    sim_req r = {setup, data, 0, false, false};
    dfu_simi_advance(sim, now_us + sim->t_offset);
    sim->stats.control_transfers++;
    trace_request(sim, setup);
    uint32_t gen = sim->ps.generation;
    uint64_t arrival = sim->ps.t_now;
    if (sim->ps.present && sim->prof->busy == SIM_BUSY_HOLD && dfu_simi_op_running(sim)) {
        dfu_simi_trace(sim, "busy: transfer held until the operation ends");
        dfu_simi_advance(sim, sim->ps.op.end);
    }
    sim->t_done = sim->ps.t_now + cost_us(setup);
    if (!sim->ps.present || sim->ps.generation != gen) {
        /* Gone, or gone and back while the transfer was held: it fails when the device went. */
        r.result = DFU_ERR_DISCONNECTED;
        sim->t_done = sim->gone_at > arrival ? sim->gone_at : arrival;
    } else {
        handle(sim, &r);
    }
    out->result = r.result;
    out->done_us = r.never ? UINT64_MAX : sim->t_done - sim->t_offset;
    trace_answer(sim, &r);
    dfu_simi_file_sync(sim);
}
