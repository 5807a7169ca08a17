/*
 * Time and the bus: pending events (an operation ending, a planned fault, the device
 * re-appearing, the cable coming back, the detach timer) fire in time order as the caller's
 * clock passes them; resets and power loss drop the device off the bus and bring it back after
 * its re-enumeration time with a new device number.
 */
#include "sim_internal.h"

uint32_t dfu_simi_reenum_us(const dfu_sim *s)
{
    int64_t ms = s->cfg.reenum_ms >= 0 ? s->cfg.reenum_ms : (int64_t)s->prof->reenum_ms;
    return (uint32_t)ms * 1000u;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t dfu_simi_next_event(const dfu_sim *s)
{
    const sim_pstate *ps = &s->ps;
    uint64_t t = min64(s->cut_at, min64(ps->appear_at, ps->replug_at));
    if (ps->op.active) t = min64(t, ps->op.end);
    if (ps->mode == SIM_MODE_APP && ps->state == DFU_STATE_APP_DETACH)
        t = min64(t, ps->detach_deadline);
    return t;
}

void dfu_simi_update_presence(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    bool now = ps->powered && ps->cable && ps->attached && ps->mode != SIM_MODE_DEAD;
    if (now && !ps->present) {
        ps->generation++;
        ps->alt = 0;
        ps->config = 0;
        s->stats.enumerations++;
        dfu_simi_trace(s, "enumerated (%s, device number %u)",
                       ps->mode == SIM_MODE_BOOTLOADER ? "bootloader" : "application",
                       (unsigned)ps->generation);
    } else if (!now && ps->present) {
        s->gone_at = ps->t_now;
        dfu_simi_trace(s, "gone from the bus");
    }
    ps->present = now;
}

static void fire(dfu_sim *s, uint64_t e)
{
    sim_pstate *ps = &s->ps;
    if (e == s->cut_at) {
        s->cut_at = SIM_NEVER;
        dfu_simi_fault_cut(s);
    } else if (ps->op.active && e == ps->op.end) {
        dfu_simi_op_finish(s);
    } else if (e == ps->appear_at) {
        ps->appear_at = SIM_NEVER;
        ps->attached = true;
        dfu_simi_update_presence(s);
    } else if (e == ps->replug_at) {
        ps->replug_at = SIM_NEVER;
        ps->cable = true;
        dfu_simi_trace(s, "cable plugged back");
        dfu_simi_update_presence(s);
    } else {
        dfu_simi_trace(s, "detach timer expired");
        ps->detach_deadline = SIM_NEVER;
        dfu_simi_set_state(s, DFU_STATE_APP_IDLE);
    }
}

void dfu_simi_advance(dfu_sim *s, uint64_t t)
{
    if (t < s->ps.t_now) t = s->ps.t_now; /* time never goes back */
    for (;;) {
        uint64_t e = dfu_simi_next_event(s);
        if (e > t) break;
        if (e > s->ps.t_now) s->ps.t_now = e;
        fire(s, e);
    }
    s->ps.t_now = t;
}

void dfu_simi_reenumerate(dfu_sim *s, const char *why)
{
    dfu_simi_trace(s, "detaches from the bus (%s)", why);
    s->ps.attached = false;
    dfu_simi_update_presence(s);
    s->ps.appear_at = s->ps.t_now + dfu_simi_reenum_us(s);
}

void dfu_simi_reset(dfu_sim *s, const char *why)
{
    s->stats.resets++;
    dfu_simi_trace(s, "reset (%s)", why);
    dfu_simi_op_cut(s);
    dfu_simi_boot(s);
    dfu_simi_reenumerate(s, "reset");
}

void dfu_simi_power_loss(dfu_sim *s, const char *why)
{
    dfu_simi_trace(s, "power lost (%s)", why);
    dfu_simi_op_cut(s);
    s->ps.powered = false;
    dfu_simi_update_presence(s);
    dfu_simi_mem_power_loss(s);
    s->ps.powered = true;
    s->ps.detach_deadline = SIM_NEVER;
    s->stats.resets++;
    dfu_simi_boot(s);
    dfu_simi_reenumerate(s, "power-on reset");
}
