/*
 * The DfuSe command set of AN3156 as the ST ROM and its clones execute it: wBlockNum 0 carries
 * a command (0x21 set address, 0x41 erase or mass erase, 0x92 read unprotect), wBlockNum >= 2
 * data at pointer + (wBlockNum - 2) * wTransferSize, the configured transfer size (as ST's USBD
 * DFU class computes it), so a short last block lands where it should.
 */
#include <string.h>

#include "../core/bytes.h"
#include "sim_internal.h"

bool dfu_simi_dfuse_command_known(const uint8_t *b, uint16_t n)
{
    if (n < 1) return false;
    switch (b[0]) {
    case DFUSE_CMD_SET_ADDRESS: return n == 5;
    case DFUSE_CMD_ERASE: return n == 1 || n == 5;
    case DFUSE_CMD_READ_UNPROTECT: return n == 1;
    default: return false;
    }
}

uint32_t dfu_simi_dfuse_address(const dfu_sim *s, uint16_t block)
{
    return s->ps.pointer + (uint32_t)(block - DFUSE_FIRST_DATA_BLOCK) * s->transfer_size;
}

static int option_region(const dfu_sim *s)
{
    for (size_t i = 0; i < s->prof->region_count; i++)
        if (s->prof->regions[i].kind == SIM_MEM_OPTION) return (int)i;
    return -1;
}

bool dfu_simi_rdp_active(const dfu_sim *s)
{
    int r = option_region(s);
    if (!(s->prof->quirks & SIM_Q_RDP) || r < 0) return false;
    return s->mem[r][s->prof->rdp_offset] != 0xAA;
}

/* A command refused when executed: it still takes its time; the status shows next. */
static void refuse(dfu_sim *s, uint8_t status)
{
    dfu_simi_op_begin(s, SIM_WHAT_COMMAND_ERROR);
    s->ps.op.status = status;
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

/* Every flash sector outside the bootloader; a chip erase when the part has one. */
static void add_mass_erase(dfu_sim *s)
{
    bool chip = s->prof->timing.mass_typ_us != 0;
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        if (r->kind != SIM_MEM_FLASH) continue;
        uint32_t a = r->address, end = a + dfu_simi_region_size(r), start, size;
        if (chip) {
            dfu_simi_op_erase(s, a, end - a);
            s->ps.op.phase[s->ps.op.phase_count - 1].dur_us = dfu_simi_mass_erase_us(s);
            continue;
        }
        for (; a < end && dfu_simi_sector(s, a, &start, &size); a = start + size)
            if (!dfu_simi_touches_bootloader(s, start, size)) dfu_simi_op_erase(s, start, size);
    }
}

static void erase_page(dfu_sim *s, uint32_t addr)
{
    uint32_t start, size;
    if (dfu_simi_rdp_active(s)) {
        refuse(s, s->prof->status.protected_rdp);
        return;
    }
    int region = dfu_simi_region_of(s, addr, 1);
    if (region < 0 || !(dfu_simi_access(s, addr) & SIM_E)) {
        refuse(s, s->prof->status.bad_address);
        return;
    }
    if (!dfu_simi_sector(s, addr, &start, &size) || dfu_simi_touches_bootloader(s, start, size)) {
        refuse(s, s->prof->status.not_writable);
        return;
    }
    dfu_simi_op_begin(s, SIM_WHAT_ERASE);
    /* Option bytes and OTP announced erasable: nothing to erase, the command just succeeds. */
    if (s->prof->regions[region].kind == SIM_MEM_FLASH) dfu_simi_op_erase(s, start, size);
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

static void unprotect(dfu_sim *s)
{
    int ob = option_region(s);
    if (!(s->prof->quirks & SIM_Q_RDP) || ob < 0) {
        refuse(s, DFU_STATUS_ERR_STALLEDPKT);
        return;
    }
    dfu_simi_op_begin(s, SIM_WHAT_UNPROTECT);
    add_mass_erase(s);
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        if (r->kind == SIM_MEM_RAM) dfu_simi_op_fill(s, r->address, 0, dfu_simi_region_size(r));
    }
    uint8_t level0 = 0xAA;
    dfu_simi_op_write(s, s->prof->regions[ob].address + s->prof->rdp_offset, &level0, 1);
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

static void command(dfu_sim *s, const uint8_t *b, uint16_t n)
{
    uint32_t addr = n == 5 ? dfu_le32(b + 1) : 0;
    if (b[0] == DFUSE_CMD_SET_ADDRESS) {
        /* Allowed under read protection (AN2662 p.76). */
        if (dfu_simi_region_of(s, addr, 1) < 0) {
            refuse(s, s->prof->status.bad_address);
            return;
        }
        s->ps.pointer = addr;
        dfu_simi_op_begin(s, SIM_WHAT_SET_ADDRESS);
        dfu_simi_op_commit(s, s->prof->timing.command_us);
    } else if (b[0] == DFUSE_CMD_ERASE && n == 5) {
        erase_page(s, addr);
    } else if (b[0] == DFUSE_CMD_ERASE) {
        if (dfu_simi_rdp_active(s)) {
            refuse(s, s->prof->status.protected_rdp);
            return;
        }
        dfu_simi_op_begin(s, SIM_WHAT_MASS_ERASE);
        add_mass_erase(s);
        dfu_simi_op_commit(s, s->prof->timing.command_us);
    } else {
        unprotect(s);
    }
}

/* Option bytes are written as a whole register and take effect with the reset that follows.
 * (Under read protection the write is refused before this: only Read Unprotect lowers it.) */
static void write_options(dfu_sim *s, uint32_t addr, const uint8_t *data, uint16_t n)
{
    dfu_simi_op_begin(s, SIM_WHAT_OPTIONS);
    dfu_simi_op_write(s, addr, data, n);
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

static void write_data(dfu_sim *s, uint16_t block, const uint8_t *data, uint16_t n)
{
    uint32_t addr = dfu_simi_dfuse_address(s, block);
    if (dfu_simi_rdp_active(s)) {
        refuse(s, s->prof->status.protected_rdp);
        return;
    }
    int region = dfu_simi_region_of(s, addr, n);
    if (region < 0) {
        refuse(s, s->prof->status.bad_address);
        return;
    }
    const sim_region_def *r = &s->prof->regions[region];
    if (!(dfu_simi_access(s, addr) & SIM_W) || !(dfu_simi_access(s, addr + n - 1) & SIM_W) ||
        r->kind == SIM_MEM_ROM || dfu_simi_touches_bootloader(s, addr, n)) {
        refuse(s, s->prof->status.not_writable);
        return;
    }
    if (r->kind == SIM_MEM_OPTION) {
        write_options(s, addr, data, n);
        return;
    }
    dfu_simi_op_begin(s, SIM_WHAT_DATA);
    dfu_simi_op_program(s, addr, data, n);
    dfu_simi_op_commit(s, 0);
}

void dfu_simi_dfuse_execute(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    ps->pending = false;
    if (ps->pending_block == 0)
        command(s, ps->pending_buf, ps->pending_len);
    else
        write_data(s, ps->pending_block, ps->pending_buf, ps->pending_len);
}

int dfu_simi_dfuse_read(dfu_sim *s, uint16_t block, uint8_t *out, uint16_t len)
{
    if (dfu_simi_rdp_active(s)) return -(int)s->prof->status.protected_rdp;
    uint32_t addr = dfu_simi_dfuse_address(s, block);
    if (dfu_simi_region_of(s, addr, len) < 0 || !(dfu_simi_access(s, addr) & SIM_R))
        return -(int)s->prof->status.bad_address;
    memcpy(out, dfu_simi_mem_at(s, addr), len);
    return len;
}
