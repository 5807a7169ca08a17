/*
 * Operations that take time (erases, programming, commands). An operation is a list of phases
 * run one after the other from the moment the triggering transfer completes. Its effect on
 * memory is applied when it ends; if power goes in the middle, the phases before are done, the
 * one under way is partly done, and the rest never happen.
 */
#include <string.h>

#include "sim_internal.h"

static const char *const what_names[] = {"write",         "set address",    "erase",
                                         "mass erase",    "read unprotect", "option bytes",
                                         "manifestation", "refused command"};

static uint8_t apply(dfu_sim *s, const sim_phase *ph, uint32_t cut);

/* An operation still running when a new one starts (TinyUSB flashes in the background, and an
 * ABORT does not stop it): its memory effect lands now, without telling the dialect. */
static void settle(dfu_sim *s)
{
    sim_op *op = &s->ps.op;
    while (op->applied < op->phase_count) {
        const sim_phase *ph = &op->phase[op->applied++];
        apply(s, ph, ph->len);
    }
    op->active = false;
    s->cut_at = SIM_NEVER;
}

void dfu_simi_op_begin(dfu_sim *s, sim_what what)
{
    sim_op *op = &s->ps.op;
    if (op->active) settle(s);
    op->active = false;
    op->what = (uint8_t)what;
    op->status = DFU_STATUS_OK;
    op->phase_count = 0;
    op->applied = 0;
    op->data_len = 0;
}

static sim_phase *add(dfu_sim *s, sim_phase_kind kind, uint32_t addr, uint32_t len, uint32_t us)
{
    sim_op *op = &s->ps.op;
    if (op->phase_count == SIM_MAX_PHASES) {
        /* More work than an operation holds: fail it visibly rather than drop the rest. */
        op->status = DFU_STATUS_ERR_UNKNOWN;
        return NULL;
    }
    sim_phase *ph = &op->phase[op->phase_count++];
    memset(ph, 0, sizeof(*ph));
    ph->kind = (uint8_t)kind;
    ph->addr = addr;
    ph->len = len;
    ph->dur_us = us;
    return ph;
}

void dfu_simi_op_erase(dfu_sim *s, uint32_t addr, uint32_t len)
{
    sim_phase *ph = add(s, SIM_PH_ERASE, addr, len, dfu_simi_erase_us(s, len));
    if (ph) ph->ordinal = s->stats.erases++;
}

static sim_phase *add_data(dfu_sim *s, sim_phase_kind kind, uint32_t addr, const uint8_t *data,
                           uint32_t len, uint32_t us)
{
    sim_op *op = &s->ps.op;
    if (op->data_len + len > sizeof(op->data)) return NULL;
    sim_phase *ph = add(s, kind, addr, len, us);
    if (!ph) return NULL;
    ph->data_off = op->data_len;
    memcpy(op->data + op->data_len, data, len);
    op->data_len += len;
    return ph;
}

void dfu_simi_op_program(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len)
{
    sim_phase *ph = add_data(s, SIM_PH_PROGRAM, addr, data, len, dfu_simi_program_us(s, addr, len));
    if (ph) ph->ordinal = s->stats.programs++;
}

void dfu_simi_op_write(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len)
{
    add_data(s, SIM_PH_WRITE, addr, data, len, s->prof->timing.command_us);
}

void dfu_simi_op_fill(dfu_sim *s, uint32_t addr, uint8_t value, uint32_t len)
{
    sim_phase *ph = add(s, SIM_PH_FILL, addr, len, 0);
    if (ph) ph->fill = value;
}

void dfu_simi_op_commit(dfu_sim *s, uint32_t extra_us)
{
    sim_op *op = &s->ps.op;
    uint64_t dur = extra_us;
    for (int i = 0; i < op->phase_count; i++) dur += op->phase[i].dur_us;
    op->start = s->t_done;
    op->end = op->start + dur;
    op->active = true;
    dfu_simi_trace(s, "%s starts, %u phase(s), done in %llu us", what_names[op->what],
                   (unsigned)op->phase_count, (unsigned long long)dur);
    dfu_simi_fault_plan(s);
}

bool dfu_simi_op_running(const dfu_sim *s)
{
    return s->ps.op.active;
}

/* Applies the first cut bytes of a phase; returns its status. */
static uint8_t apply(dfu_sim *s, const sim_phase *ph, uint32_t cut)
{
    const uint8_t *data = s->ps.op.data + ph->data_off;
    uint32_t n = cut < ph->len ? cut : ph->len;
    switch (ph->kind) {
    case SIM_PH_ERASE: dfu_simi_flash_erase(s, ph->addr, ph->len, cut); return DFU_STATUS_OK;
    case SIM_PH_PROGRAM: return dfu_simi_flash_program(s, ph->addr, data, ph->len, cut);
    case SIM_PH_WRITE: dfu_simi_mem_set(s, ph->addr, data, 0, n); return DFU_STATUS_OK;
    default: dfu_simi_mem_set(s, ph->addr, NULL, ph->fill, n); return DFU_STATUS_OK;
    }
}

void dfu_simi_op_finish(dfu_sim *s)
{
    sim_op *op = &s->ps.op;
    /* Counted before its memory changes, so a state file cut half-way never applies a phase
     * twice (programming twice is not the same on parts that check). */
    while (op->applied < op->phase_count && op->status == DFU_STATUS_OK) {
        const sim_phase *ph = &op->phase[op->applied++];
        op->status = apply(s, ph, ph->len);
    }
    op->active = false;
    s->cut_at = SIM_NEVER;
    dfu_simi_trace(s, "%s done: %s", what_names[op->what], dfu_status_name(op->status));
    if (s->ps.mode == SIM_MODE_BOOTLOADER) dfu_simi_dialect(s)->op_done(s);
}

void dfu_simi_op_cut(dfu_sim *s)
{
    sim_op *op = &s->ps.op;
    if (!op->active) return;
    uint64_t t = op->start;
    for (int i = 0; i < op->phase_count; i++) {
        const sim_phase *ph = &op->phase[i];
        uint64_t end = t + ph->dur_us;
        if (i < op->applied) {
            /* already in memory */
        } else if (s->ps.t_now >= end) {
            op->applied = (uint8_t)(i + 1);
            apply(s, ph, ph->len);
        } else {
            op->applied = (uint8_t)(i + 1);
            uint64_t done = s->ps.t_now > t ? s->ps.t_now - t : 0;
            uint32_t cut = ph->dur_us ? (uint32_t)((uint64_t)ph->len * done / ph->dur_us) : 0;
            dfu_simi_trace(s, "%s cut at byte %u of %u at 0x%08X", what_names[op->what],
                           (unsigned)cut, (unsigned)ph->len, (unsigned)ph->addr);
            apply(s, ph, cut);
            break;
        }
        t = end;
    }
    op->active = false;
    s->cut_at = SIM_NEVER;
}
