/*
 * The plain DFU 1.1 data path: there are no addresses on the wire, the device decides where a
 * block goes (base + N * wTransferSize, or simply after the previous block) and when to erase.
 * Block numbers are 16 bits: when one is much smaller than the previous, the host has wrapped
 * around and the offset goes on.
 */
#include <string.h>

#include "sim_internal.h"

static const sim_alt_def *alt(const dfu_sim *s)
{
    return &s->prof->alts[s->ps.alt < s->prof->alt_count ? s->ps.alt : 0];
}

uint32_t dfu_simi_alt_base(const dfu_sim *s)
{
    const sim_alt_def *a = alt(s);
    return a->base ? a->base : s->prof->regions[a->region].address;
}

uint32_t dfu_simi_alt_end(const dfu_sim *s)
{
    const sim_region_def *r = &s->prof->regions[alt(s)->region];
    return r->address + dfu_simi_region_size(r);
}

void dfu_simi_plain_start(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    ps->seq_started = true;
    ps->last_block = 0;
    ps->wraps = 0;
    ps->offset = 0;
    memset(ps->erased, 0, sizeof(ps->erased));
}

uint32_t dfu_simi_plain_block_address(dfu_sim *s, uint16_t block)
{
    sim_pstate *ps = &s->ps;
    if (block < ps->last_block && ps->last_block - block > 0x8000) ps->wraps++;
    ps->last_block = block;
    uint64_t a = dfu_simi_alt_base(s) + ((uint64_t)ps->wraps * 65536u + block) * s->transfer_size;
    return a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
}

/* Number of the sector starting at start, counted in its region, for the erased bitmap. */
static uint32_t sector_number(const dfu_sim *s, uint32_t start)
{
    int i = dfu_simi_region_of(s, start, 1);
    uint32_t n = 0, a = s->prof->regions[i].address, sec, size;
    while (a < start && dfu_simi_sector(s, a, &sec, &size)) {
        a = sec + size;
        n++;
    }
    return n;
}

static bool take_first_touch(dfu_sim *s, uint32_t start)
{
    uint32_t n = sector_number(s, start);
    if (n / 8 >= SIM_BITMAP_BYTES) return true;
    uint8_t bit = (uint8_t)(1u << (n % 8));
    bool first = !(s->ps.erased[n / 8] & bit);
    s->ps.erased[n / 8] |= bit;
    return first;
}

/* dapboot: erase when a write falls outside the window [erase_lo, erase_hi) it last opened. */
static bool take_window(dfu_sim *s, uint32_t start, uint32_t size, uint32_t addr)
{
    sim_pstate *ps = &s->ps;
    bool erase = addr < ps->erase_lo || addr >= ps->erase_hi;
    if (erase) {
        ps->erase_lo = start;
        ps->erase_hi = start + size;
    }
    return erase;
}

uint8_t dfu_simi_plain_write(dfu_sim *s, uint32_t addr, const uint8_t *data, uint32_t len,
                             bool window)
{
    const sim_region_def *r = &s->prof->regions[alt(s)->region];
    if (addr < dfu_simi_alt_base(s) || (uint64_t)addr + len > dfu_simi_alt_end(s))
        return s->prof->status.bad_address;
    if (dfu_simi_touches_bootloader(s, addr, len) || !(dfu_simi_access(s, addr) & SIM_W))
        return s->prof->status.not_writable;
    dfu_simi_op_begin(s, SIM_WHAT_DATA);
    if (r->kind == SIM_MEM_FLASH) {
        uint32_t a = addr, start, size;
        while (a < addr + len && dfu_simi_sector(s, a, &start, &size)) {
            bool erase = window ? take_window(s, start, size, a) : take_first_touch(s, start);
            if (erase) dfu_simi_op_erase(s, start, size);
            a = start + size;
        }
        if (window) s->ps.erase_lo = addr + len;
    }
    dfu_simi_op_program(s, addr, data, len);
    return DFU_STATUS_OK;
}

int dfu_simi_plain_read(dfu_sim *s, uint32_t addr, uint8_t *out, uint16_t len)
{
    uint32_t end = dfu_simi_alt_end(s);
    uint32_t n = addr >= end ? 0 : end - addr;
    if (n > len) n = len;
    if (n) memcpy(out, dfu_simi_mem_at(s, addr), n);
    return (int)n;
}
