/*
 * Flash physics and timing. Erasing sets a sector to 0xFF; programming can only clear bits and
 * works in whole write units. AND parts (F4) take any program and clear bits; CHECK parts (F1,
 * L4, H7, with ECC or a hardware check) refuse a unit that does not read erased, leaving it as
 * it was. Whether the bootloader notices is the profile's status for unerased memory.
 */
#include <string.h>

#include "sim_internal.h"

static bool all(const uint8_t *p, uint32_t n, uint8_t v)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != v) return false;
    return true;
}

static bool programmable(const dfu_sim *s, int region)
{
    sim_mem_kind k = s->prof->regions[region].kind;
    return k == SIM_MEM_FLASH || k == SIM_MEM_OTP;
}

/* One write unit: old holds what the cells read, want the data (0xFF where none). */
static bool program_unit(const dfu_sim *s, uint8_t *old, const uint8_t *want, uint32_t n)
{
    const sim_profile *p = s->prof;
    if (p->physics == SIM_PHYS_CHECK && !all(old, n, 0xFF) && !(p->zero_ok && all(want, n, 0)))
        return false;
    for (uint32_t i = 0; i < n; i++) old[i] &= want[i];
    return true;
}

uint8_t dfu_simi_flash_program(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len,
                               uint32_t cut)
{
    int region = dfu_simi_region_of(s, addr, len);
    if (region < 0 || len == 0) return DFU_STATUS_OK;
    if (!programmable(s, region)) {
        if (cut < len) len = cut;
        dfu_simi_mem_set(s, addr, data, 0, len);
        return DFU_STATUS_OK;
    }
    uint32_t unit = s->prof->write_unit, first = addr - addr % unit;
    uint32_t n = (addr - first + len + unit - 1) / unit * unit;
    uint8_t buf[SIM_MAX_XFER + 64], want[SIM_MAX_XFER + 64];
    if (n > sizeof(buf) || dfu_simi_region_of(s, first, n) != region) return DFU_STATUS_ERR_PROG;
    memcpy(buf, dfu_simi_mem_at(s, first), n);
    memset(want, 0xFF, n);
    memcpy(want + (addr - first), data, len);
    uint8_t status = DFU_STATUS_OK;
    for (uint32_t u = 0; u < n; u += unit) {
        if (!program_unit(s, buf + u, want + u, unit)) {
            status = s->prof->status.unerased;
            memcpy(buf + u, dfu_simi_mem_at(s, first + u), n - u); /* the rest stays as it was */
            break;
        }
    }
    if (status == DFU_STATUS_OK && s->prof->physics == SIM_PHYS_AND &&
        memcmp(buf + (addr - first), data, len) != 0)
        status = s->prof->status.unerased; /* the bootloader's read-back, if it has one */
    /* Known before the bytes land, so a state file cut in between keeps the outcome. */
    if (s->ps.op.active && dfu_simi_wire_status(status) != DFU_STATUS_OK) s->ps.op.status = status;
    uint32_t keep = addr - first + cut; /* interrupted: later bytes keep their old value */
    if (cut < len) {
        memcpy(buf + keep, dfu_simi_mem_at(s, first + keep), n - keep);
        buf[keep] = (uint8_t)dfu_simi_rand(s);
    }
    dfu_simi_mem_set(s, first, buf, 0, n);
    return dfu_simi_wire_status(status);
}

void dfu_simi_flash_erase(dfu_sim *s, uint32_t addr, uint32_t len, uint32_t cut)
{
    if (cut >= len) {
        dfu_simi_mem_set(s, addr, NULL, 0xFF, len);
        return;
    }
    dfu_simi_mem_set(s, addr, NULL, 0xFF, cut);
    uint8_t b = (uint8_t)dfu_simi_rand(s);
    dfu_simi_mem_set(s, addr + cut, &b, 0, 1);
}

static uint32_t pick(const dfu_sim *s, uint32_t typ, uint32_t max)
{
    return s->cfg.timing_max ? max : typ;
}

uint32_t dfu_simi_erase_us(const dfu_sim *s, uint32_t size)
{
    const sim_timing *t = &s->prof->timing;
    const sim_erase_time *best = &t->erase[0];
    for (size_t i = 0; i < t->erase_count; i++) {
        if (t->erase[i].size == size) return pick(s, t->erase[i].typ_us, t->erase[i].max_us);
        if (t->erase[i].size < size) best = &t->erase[i];
    }
    /* A size the datasheet has no row for: scale the nearest smaller one. */
    uint64_t us = (uint64_t)pick(s, best->typ_us, best->max_us) * size / best->size;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

uint32_t dfu_simi_program_us(const dfu_sim *s, uint32_t addr, uint32_t len)
{
    int region = dfu_simi_region_of(s, addr, len);
    if (region < 0 || !programmable(s, region)) return s->prof->timing.command_us;
    uint32_t unit = s->prof->write_unit;
    uint64_t units = (addr % unit + len + unit - 1) / unit;
    const sim_timing *t = &s->prof->timing;
    return (uint32_t)(units * pick(s, t->unit_typ_ns, t->unit_max_ns) / 1000);
}

uint32_t dfu_simi_mass_erase_us(const dfu_sim *s)
{
    const sim_timing *t = &s->prof->timing;
    if (t->mass_typ_us) return pick(s, t->mass_typ_us, t->mass_max_us);
    /* No chip erase (mboot): every sector but the bootloader's, one after the other. */
    uint64_t us = 0;
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        if (r->kind != SIM_MEM_FLASH) continue;
        uint32_t a = r->address, end = a + dfu_simi_region_size(r), start, size;
        for (; a < end && dfu_simi_sector(s, a, &start, &size); a = start + size)
            if (!dfu_simi_touches_bootloader(s, start, size)) us += dfu_simi_erase_us(s, size);
    }
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
