/*
 * The application's DFU run-time interface (the "runtime" option), DFU 1.1 A.2.1-A.2.2:
 * DFU_DETACH either starts the detach timer (a USB reset before it expires brings up the
 * bootloader) or, with bitWillDetach (runtime=detach), makes the application re-enumerate as
 * the bootloader by itself.
 */
#include "sim_internal.h"

static void detach(dfu_sim *s, sim_req *r)
{
    uint32_t ms = dfu_simi_value(r);
    if (ms > SIM_APP_DETACH_MS) ms = SIM_APP_DETACH_MS;
    r->result = 0;
    dfu_simi_set_state(s, DFU_STATE_APP_DETACH);
    if (s->cfg.runtime == SIM_RT_DETACH) {
        s->ps.force_bootloader = true;
        dfu_simi_reset(s, "DFU_DETACH with bitWillDetach");
        return;
    }
    s->ps.detach_deadline = s->ps.t_now + (uint64_t)ms * 1000;
    dfu_simi_trace(s, "detach timer: %u ms", (unsigned)ms);
}

void dfu_simi_runtime_request(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    switch (dfu_simi_req(r)) {
    case DFU_DETACH:
        if (ps->state == DFU_STATE_APP_IDLE) {
            detach(s, r);
            return;
        }
        break;
    case DFU_GETSTATUS: dfu_simi_status_reply(s, r, DFU_STATUS_OK, 0, ps->state); return;
    case DFU_GETSTATE: dfu_simi_state_reply(r, ps->state); return;
    default: break;
    }
    /* Any other request stalls; in appDETACH it also ends the detach (A.2.2). */
    r->result = DFU_ERR_STALL;
    ps->detach_deadline = SIM_NEVER;
    dfu_simi_set_state(s, DFU_STATE_APP_IDLE);
}

void dfu_simi_runtime_bus_reset(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    if (ps->state == DFU_STATE_APP_DETACH && ps->t_now < ps->detach_deadline) {
        ps->force_bootloader = true;
        dfu_simi_reset(s, "USB reset while the detach timer runs");
        return;
    }
    dfu_simi_trace(s, "USB reset: the application carries on");
}
