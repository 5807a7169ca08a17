/*
 * Boot logic: after a reset the profile decides, as its real counterpart does, between its
 * bootloader and the application. ST ROMs follow the BOOT0 strap; bootloaders in flash stay when
 * the button is held, when the application asked for them (detach), or when the application's
 * vector table does not look bootable.
 */
#include "../core/bytes.h"
#include "sim_internal.h"

static bool in_ram(const dfu_sim *s, uint32_t sp)
{
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        uint64_t end = (uint64_t)r->address + dfu_simi_region_size(r);
        /* The initial SP is usually the top of RAM: one past its last byte. */
        if (r->kind == SIM_MEM_RAM && sp > r->address && sp <= end) return true;
    }
    return false;
}

bool dfu_simi_app_valid(const dfu_sim *s, uint32_t base)
{
    int region = dfu_simi_region_of(s, base, 8);
    if (region < 0) return false;
    const uint8_t *v = s->mem[region] + (base - s->prof->regions[region].address);
    uint32_t sp = dfu_le32(v), reset = dfu_le32(v + 4);
    uint64_t end = (uint64_t)s->prof->regions[region].address +
                   dfu_simi_region_size(&s->prof->regions[region]);
    switch (s->prof->check) {
    case SIM_CHECK_SP_RAM: return (sp & 0x2FFE0000u) == 0x20000000u;
    case SIM_CHECK_SP_ALIGN: return (sp & 3u) == 0;
    case SIM_CHECK_NOT_BLANK: return sp != 0xFFFFFFFFu;
    default: return in_ram(s, sp) && (reset & 1u) && (reset & ~1u) >= base && (reset & ~1u) < end;
    }
}

void dfu_simi_enter_bootloader(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    ps->mode = SIM_MODE_BOOTLOADER;
    ps->status = DFU_STATUS_OK;
    ps->istring = 0;
    ps->alt = 0;
    ps->pointer = 0x08000000; /* DfuSe's default address pointer */
    ps->pending = false;
    ps->seq_started = false;
    ps->manifested = false;
    ps->stuck = false;
    ps->hung = false;
    ps->detach_deadline = SIM_NEVER;
    s->lie_next = s->poll_next = false;
    ps->state = DFU_STATE_DFU_IDLE;
    dfu_simi_dialect(s)->enter(s);
    dfu_simi_trace(s, "bootloader runs: %s, %s", dfu_state_name(ps->state),
                   dfu_status_name(ps->status));
}

static void enter_app(dfu_sim *s)
{
    s->ps.mode = SIM_MODE_APP;
    s->ps.state = DFU_STATE_APP_IDLE;
    s->ps.status = DFU_STATUS_OK;
    s->ps.detach_deadline = SIM_NEVER;
    s->ps.hung = s->ps.stuck = false;
    dfu_simi_trace(s, "application runs%s", s->cfg.runtime ? " (DFU run-time interface)" : "");
}

void dfu_simi_boot(dfu_sim *s)
{
    const sim_profile *p = s->prof;
    bool force = s->ps.force_bootloader;
    s->ps.force_bootloader = false;
    bool valid = dfu_simi_app_valid(s, p->app_base);
    if (p->boot == SIM_BOOT_STROM) {
        if (force || s->cfg.boot0) {
            dfu_simi_enter_bootloader(s);
        } else if (valid) {
            enter_app(s);
        } else {
            /* BOOT0 low and nothing bootable in flash: the core runs garbage. */
            s->ps.mode = SIM_MODE_DEAD;
            dfu_simi_trace(s, "BOOT0 low and no valid application: nothing on the bus");
        }
    } else if (force || s->button || !valid) {
        dfu_simi_enter_bootloader(s);
    } else {
        enter_app(s);
    }
}

void dfu_simi_jump(dfu_sim *s, uint32_t base)
{
    if (!dfu_simi_app_valid(s, base)) {
        dfu_simi_reset(s, "jumped to code that does not run");
        return;
    }
    dfu_simi_trace(s, "jumps to the application at 0x%08X", (unsigned)base);
    enter_app(s);
    dfu_simi_reenumerate(s, "leaving the bootloader");
}
