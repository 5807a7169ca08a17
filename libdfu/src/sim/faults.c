/*
 * Faults on purpose, each deterministic for a seed: what happens when a download block or
 * DfuSe command number N arrives, inside erase or program operation number N, or on every
 * class request with some probability. Numbers count from 0 since the instance was created,
 * as dfu_sim_get_stats() counts them, so a harness can sweep every N.
 */
#include "sim_internal.h"

static void unplug(dfu_sim *s, uint32_t replug_ms)
{
    s->ps.cable = false;
    dfu_simi_update_presence(s);
    s->ps.replug_at = replug_ms ? s->ps.t_now + (uint64_t)replug_ms * 1000 : SIM_NEVER;
}

static bool take(dfu_sim *s, int i)
{
    uint32_t bit = 1u << i;
    if (s->fired & bit) return false;
    s->fired |= bit;
    dfu_simi_trace(s, "fault %s", s->cfg.faults[i].text);
    return true;
}

/* xfer@block / xfer@command: which side of the device the transfer is lost on. */
static sim_fault_action xfer_loss(dfu_sim *s, const sim_fault *f)
{
    bool after = f->value == SIM_XFER_AFTER;
    if (f->value == SIM_XFER_EITHER) after = (dfu_simi_rand(s) & 1) != 0;
    dfu_simi_trace(s, "%s", after ? "the answer is lost" : "the request is lost");
    return after ? SIM_ACT_USB_AFTER : SIM_ACT_USB_BEFORE;
}

sim_fault_action dfu_simi_fault_arrival(dfu_sim *s, sim_fault_where where, uint64_t index)
{
    sim_fault_action act = SIM_ACT_NONE;
    for (int i = 0; i < (int)s->cfg.fault_count; i++) {
        const sim_fault *f = &s->cfg.faults[i];
        if (f->where != where || f->n != index || !take(s, i)) continue;
        switch (f->kind) {
        case SIM_FAULT_UNPLUG: unplug(s, f->value); return SIM_ACT_LOST;
        case SIM_FAULT_POWERLOSS: dfu_simi_power_loss(s, f->text); return SIM_ACT_LOST;
        case SIM_FAULT_RESET: dfu_simi_reset(s, f->text); return SIM_ACT_LOST;
        case SIM_FAULT_STALL: act = SIM_ACT_STALL; break;
        case SIM_FAULT_XFER:
            act = xfer_loss(s, f);
            if (act == SIM_ACT_USB_BEFORE) return act; /* nothing else reaches the device */
            break;
        case SIM_FAULT_LIE:
            s->lie_next = true;
            s->lie_state = f->lie_state;
            s->lie_status = f->lie_status;
            break;
        case SIM_FAULT_POLLTIMEOUT:
            s->poll_next = true;
            s->poll_value = f->value;
            break;
        case SIM_FAULT_BUSY: s->hang_next = true; break;
        default: break;
        }
    }
    return act;
}

void dfu_simi_fault_plan(dfu_sim *s)
{
    const sim_op *op = &s->ps.op;
    for (int i = 0; i < (int)s->cfg.fault_count; i++) {
        const sim_fault *f = &s->cfg.faults[i];
        if ((s->fired & (1u << i)) || (f->where != SIM_AT_ERASE && f->where != SIM_AT_PROGRAM))
            continue;
        uint64_t t = op->start;
        for (int k = 0; k < op->phase_count; k++) {
            const sim_phase *ph = &op->phase[k];
            uint8_t want = f->where == SIM_AT_ERASE ? SIM_PH_ERASE : SIM_PH_PROGRAM;
            if (ph->kind == want && ph->ordinal == f->n) {
                uint32_t ppm = f->kind == SIM_FAULT_UNPLUG ? 500000 : f->ppm;
                if (ppm == SIM_PPM_RANDOM) ppm = dfu_simi_rand_ppm(s);
                s->cut_at = t + (uint64_t)ph->dur_us * ppm / 1000000;
                s->cut_fault = i;
                return;
            }
            t += ph->dur_us;
        }
    }
}

void dfu_simi_fault_cut(dfu_sim *s)
{
    int i = s->cut_fault;
    if (!take(s, i)) return;
    const sim_fault *f = &s->cfg.faults[i];
    if (f->kind == SIM_FAULT_UNPLUG)
        unplug(s, f->value); /* the device keeps power: the operation goes on */
    else
        dfu_simi_power_loss(s, f->text);
}

bool dfu_simi_fault_xfer(dfu_sim *s, bool *after)
{
    for (size_t i = 0; i < s->cfg.fault_count; i++) {
        const sim_fault *f = &s->cfg.faults[i];
        if (f->kind != SIM_FAULT_XFER || f->where != SIM_AT_RATE || dfu_simi_rand_ppm(s) >= f->ppm)
            continue;
        *after = (dfu_simi_rand(s) & 1) != 0;
        dfu_simi_trace(s, "fault %s: %s", f->text,
                       *after ? "the answer is lost" : "the request is lost");
        return true;
    }
    return false;
}
