/* The public face of a simulated device: creation, the bus, the backdoors, introspection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static void derive_serial(dfu_sim *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const sim_profile *p = s->prof;
    const uint8_t *id = p->uid;
    if (s->cfg.serial) {
        snprintf(s->serial, sizeof(s->serial), "%s", s->cfg.serial);
    } else if (p->serial_kind == SIM_SERIAL_ST12) {
        /* The ROM folds the 96-bit UID into 12 hex digits; every board of one UID collides. */
        const uint8_t b[6] = {
            id[11], (uint8_t)(id[10] + id[2]), id[9], (uint8_t)(id[8] + id[0]), id[7], id[6]};
        for (int i = 0; i < 6; i++) {
            s->serial[2 * i] = hex[b[i] >> 4];
            s->serial[2 * i + 1] = hex[b[i] & 15];
        }
        s->serial[12] = '\0';
    } else if (p->serial_kind == SIM_SERIAL_HEX24) {
        for (int i = 0; i < 12; i++) {
            s->serial[2 * i] = hex[id[i] >> 4];
            s->serial[2 * i + 1] = hex[id[i] & 15];
        }
        s->serial[24] = '\0';
    } else {
        snprintf(s->serial, sizeof(s->serial), "%s", p->serial);
    }
}

static void effective_attributes(dfu_sim *s)
{
    s->attributes = s->prof->attributes;
    if (s->cfg.tolerant == 1) s->attributes |= DFU_ATTR_MANIFESTATION_TOLERANT;
    if (s->cfg.tolerant == 0) s->attributes &= (uint8_t)~DFU_ATTR_MANIFESTATION_TOLERANT;
    if (s->cfg.willdetach == 1) s->attributes |= DFU_ATTR_WILL_DETACH;
    if (s->cfg.willdetach == 0) s->attributes &= (uint8_t)~DFU_ATTR_WILL_DETACH;
    s->transfer_size = (uint16_t)(s->cfg.transfer ? s->cfg.transfer : s->prof->transfer_size);
}

/* A new board, plugged in and enumerated at time 0. */
static void power_up(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    ps->powered = ps->cable = true;
    ps->appear_at = ps->replug_at = ps->detach_deadline = SIM_NEVER;
    dfu_simi_boot(s);
    ps->attached = true;
    dfu_simi_update_presence(s);
}

/* After loading a state file: whatever was pending has finished while nobody watched. */
static void catch_up(dfu_sim *s)
{
    s->t_offset = s->ps.t_now;
    for (uint64_t e; (e = dfu_simi_next_event(s)) != SIM_NEVER;) dfu_simi_advance(s, e);
    s->t_offset = s->ps.t_now;
}

int dfu_sim_new(dfu_sim **out, dfu_ctx *ctx, const char *spec)
{
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "sim: no place for the device");
    *out = NULL;
    dfu_sim *s = calloc(1, sizeof(*s));
    if (!s) return dfu_err(ctx, DFU_ERR_NOMEM, "sim: out of memory");
    int rc = dfu_simi_parse(&s->cfg, ctx, spec);
    if (rc) {
        free(s);
        return rc;
    }
    s->prof = s->cfg.prof;
    s->rng = s->cfg.seed ^ 0x5DEECE66Dull;
    s->cut_at = SIM_NEVER;
    derive_serial(s);
    effective_attributes(s);
    if (dfu_simi_mem_alloc(s)) {
        dfu_sim_free(s);
        return dfu_err(ctx, DFU_ERR_NOMEM, "sim: out of memory for the device's memory");
    }
    dfu_simi_mem_init_contents(s);
    s->button = s->cfg.button != 0;
    power_up(s);
    if (s->cfg.state_file) {
        rc = dfu_simi_file_open(s, ctx, s->cfg.state_file);
        if (rc) {
            dfu_sim_free(s);
            return rc;
        }
        catch_up(s);
        /* A board plugged in again starts from power-on: its boot logic decides the mode, and
         * it has enumerated by the time a host looks. */
        if (s->cfg.replug) {
            /* Plugged in again: the cable too, if an earlier run pulled it for good. */
            s->ps.cable = true;
            s->ps.replug_at = SIM_NEVER;
            dfu_simi_power_loss(s, "board plugged in (replug)");
            catch_up(s);
            dfu_simi_file_sync(s);
        }
    }
    *out = s;
    return DFU_OK;
}

void dfu_sim_free(dfu_sim *sim)
{
    if (!sim) return;
    dfu_simi_file_close(sim);
    dfu_simi_mem_free(sim);
    dfu_simi_config_free(&sim->cfg);
    free(sim);
}

int dfu_sim_set_interface(dfu_sim *sim, uint64_t now_us, uint8_t iface, uint8_t alt)
{
    dfu_usb_setup setup = {0x01, 11, alt, iface, 0};
    dfu_sim_xfer x;
    dfu_sim_control(sim, now_us, &setup, NULL, &x);
    return x.result < 0 ? x.result : DFU_OK;
}

void dfu_sim_bus_reset(dfu_sim *sim, uint64_t now_us)
{
    dfu_simi_advance(sim, now_us + sim->t_offset);
    if (sim->ps.present) {
        sim->stats.resets++;
        dfu_simi_trace(sim, "USB reset from the host");
        if (sim->ps.mode == SIM_MODE_BOOTLOADER)
            dfu_simi_dialect(sim)->bus_reset(sim);
        else if (sim->cfg.runtime != SIM_RT_NONE)
            dfu_simi_runtime_bus_reset(sim);
    }
    dfu_simi_file_sync(sim);
}

void dfu_sim_unplug(dfu_sim *sim, uint64_t now_us)
{
    dfu_simi_advance(sim, now_us + sim->t_offset);
    dfu_simi_trace(sim, "cable unplugged");
    sim->ps.cable = false;
    sim->ps.replug_at = SIM_NEVER;
    dfu_simi_update_presence(sim);
    dfu_simi_file_sync(sim);
}

void dfu_sim_plug(dfu_sim *sim, uint64_t now_us)
{
    dfu_simi_advance(sim, now_us + sim->t_offset);
    dfu_simi_trace(sim, "cable plugged");
    sim->ps.cable = true;
    sim->ps.replug_at = SIM_NEVER;
    dfu_simi_update_presence(sim);
    dfu_simi_file_sync(sim);
}

void dfu_sim_power_cycle(dfu_sim *sim, uint64_t now_us)
{
    dfu_simi_advance(sim, now_us + sim->t_offset);
    dfu_simi_power_loss(sim, "power cycle");
    dfu_simi_file_sync(sim);
}

void dfu_sim_hold_bootloader_button(dfu_sim *sim, bool held)
{
    sim->button = held;
}

void dfu_sim_bus_status(dfu_sim *sim, uint64_t now_us, dfu_sim_bus *out)
{
    dfu_simi_advance(sim, now_us + sim->t_offset);
    uint64_t next = dfu_simi_next_event(sim);
    out->present = sim->ps.present;
    out->dfu_capable = sim->ps.present && dfu_simi_dfu_capable(sim);
    out->mode = sim->ps.mode == SIM_MODE_BOOTLOADER ? DFU_MODE_DFU : DFU_MODE_RUNTIME;
    out->generation = sim->ps.generation;
    out->next_change_us = next == SIM_NEVER ? UINT64_MAX : next - sim->t_offset;
    dfu_simi_file_sync(sim);
}

int dfu_sim_descriptors(const dfu_sim *sim, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t d[18 + 512];
    if (!sim->ps.present) return DFU_ERR_DISCONNECTED;
    size_t n = dfu_simi_device_desc(sim, d);
    n += dfu_simi_config_desc(sim, d + n, sizeof(d) - n);
    if (len) *len = n;
    if (!buf || cap < n) return DFU_ERR_ARG;
    memcpy(buf, d, n);
    return DFU_OK;
}

const char *dfu_sim_profile_name(const dfu_sim *sim)
{
    return sim->prof->info.name;
}

dfu_state dfu_sim_state(const dfu_sim *sim)
{
    return (dfu_state)sim->ps.state;
}

dfu_status dfu_sim_status(const dfu_sim *sim)
{
    return (dfu_status)sim->ps.status;
}

bool dfu_sim_in_bootloader(const dfu_sim *sim)
{
    return sim->ps.mode == SIM_MODE_BOOTLOADER;
}

const char *dfu_sim_path(const dfu_sim *sim)
{
    return sim->cfg.path;
}

bool dfu_sim_realtime(const dfu_sim *sim)
{
    return sim->cfg.realtime;
}

int dfu_sim_peek(const dfu_sim *sim, uint32_t address, uint8_t *buf, size_t len)
{
    if (len > UINT32_MAX) return DFU_ERR_ARG;
    int i = dfu_simi_region_of(sim, address, (uint32_t)len);
    if (i < 0) return DFU_ERR_ARG;
    memcpy(buf, sim->mem[i] + (address - sim->prof->regions[i].address), len);
    return DFU_OK;
}

int dfu_sim_poke(dfu_sim *sim, uint32_t address, const uint8_t *buf, size_t len)
{
    if (len > UINT32_MAX || dfu_simi_region_of(sim, address, (uint32_t)len) < 0) return DFU_ERR_ARG;
    dfu_simi_mem_set(sim, address, buf, 0, (uint32_t)len);
    return DFU_OK;
}

size_t dfu_sim_region_count(const dfu_sim *sim)
{
    return sim->prof->region_count;
}

int dfu_sim_region_at(const dfu_sim *sim, size_t index, dfu_sim_region *out)
{
    if (index >= sim->prof->region_count) return DFU_ERR_ARG;
    const sim_region_def *r = &sim->prof->regions[index];
    const sim_group *g = r->announced ? r->announced : r->groups;
    size_t n = r->announced ? r->announced_count : r->group_count;
    out->name = r->name;
    out->address = r->address;
    out->size = dfu_simi_region_size(r);
    out->access = 0;
    for (size_t i = 0; i < n; i++) out->access |= g[i].access;
    out->bootloader_size = r->kind == SIM_MEM_ROM ? out->size : r->bootloader_size;
    out->protected_bootloader = out->bootloader_size != 0;
    return DFU_OK;
}

void dfu_sim_get_stats(const dfu_sim *sim, dfu_sim_stats *out)
{
    *out = sim->stats;
}
