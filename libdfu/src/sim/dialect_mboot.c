/*
 * MicroPython mboot's DfuSe handling: lax about states. A DNLOAD is accepted in any state and
 * remembered as the command to run; the next GETSTATUS moves to the state that command implies
 * (dfuDNBUSY, dfuMANIFEST, dfuUPLOAD-IDLE), answers with bwPollTimeout 0, and only then does
 * the work, holding the USB until it is done. An error status is reported once and then
 * cleared (the state stays dfuERROR). Requests it does not know are never answered.
 */
#include "../core/bytes.h"
#include "sim_internal.h"

enum { CMD_NONE, CMD_EXIT, CMD_UPLOAD, CMD_DNLOAD };
enum { ISTR_BOOTLOADER = 0x10, ISTR_ADDRESS = 0x11 }; /* mboot's error strings */

static void mboot_enter(dfu_sim *s)
{
    s->ps.cmd = CMD_NONE;
}

static void refused(dfu_sim *s, bool bootloader)
{
    dfu_simi_op_begin(s, SIM_WHAT_COMMAND_ERROR);
    s->ps.op.status = DFU_STATUS_ERR_ADDRESS;
    s->ps.istring = bootloader ? ISTR_BOOTLOADER : ISTR_ADDRESS;
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

static bool flash_address(const dfu_sim *s, uint32_t addr, uint32_t len)
{
    int r = dfu_simi_region_of(s, addr, len);
    return r >= 0 && s->prof->regions[r].kind == SIM_MEM_FLASH;
}

static void write_block(dfu_sim *s, const uint8_t *b, uint16_t n)
{
    uint32_t addr = dfu_simi_dfuse_address(s, s->ps.pending_block);
    if (!flash_address(s, addr, n)) {
        refused(s, false);
    } else if (dfu_simi_touches_bootloader(s, addr, n)) {
        refused(s, true);
    } else {
        dfu_simi_op_begin(s, SIM_WHAT_DATA);
        dfu_simi_op_program(s, addr, b, n);
        dfu_simi_op_commit(s, 0);
    }
}

static void erase_sector(dfu_sim *s, uint32_t addr)
{
    uint32_t start, size;
    if (!flash_address(s, addr, 1) || !dfu_simi_sector(s, addr, &start, &size)) {
        refused(s, false);
    } else if (dfu_simi_touches_bootloader(s, start, size)) {
        refused(s, true);
    } else {
        dfu_simi_op_begin(s, SIM_WHAT_ERASE);
        dfu_simi_op_erase(s, start, size);
        dfu_simi_op_commit(s, s->prof->timing.command_us);
    }
}

/* No chip erase: every sector but mboot's own, one after the other. */
static void mass_erase(dfu_sim *s)
{
    uint32_t a = s->prof->regions[0].address, start, size;
    uint32_t end = a + dfu_simi_region_size(&s->prof->regions[0]);
    dfu_simi_op_begin(s, SIM_WHAT_MASS_ERASE);
    for (; a < end && dfu_simi_sector(s, a, &start, &size); a = start + size)
        if (!dfu_simi_touches_bootloader(s, start, size)) dfu_simi_op_erase(s, start, size);
    dfu_simi_op_commit(s, s->prof->timing.command_us);
}

static void execute(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    const uint8_t *b = ps->pending_buf;
    uint16_t n = ps->pending_len;
    bool command = ps->pending_block == 0;
    ps->pending = false;
    if (ps->pending_block >= DFUSE_FIRST_DATA_BLOCK) {
        write_block(s, b, n);
    } else if (command && n == 5 && b[0] == DFUSE_CMD_SET_ADDRESS) {
        ps->pointer = dfu_le32(b + 1);
        dfu_simi_op_begin(s, SIM_WHAT_SET_ADDRESS);
        dfu_simi_op_commit(s, s->prof->timing.command_us);
    } else if (command && n == 5 && b[0] == DFUSE_CMD_ERASE) {
        erase_sector(s, dfu_le32(b + 1));
    } else if (command && n == 1 && b[0] == DFUSE_CMD_ERASE) {
        mass_erase(s);
    } else {
        /* Anything else (read unprotect, wBlockNum 1): dfuERROR with status OK, as mboot does. */
        dfu_simi_op_begin(s, SIM_WHAT_COMMAND_ERROR);
        s->ps.op.status = SIM_SILENT;
        dfu_simi_op_commit(s, s->prof->timing.command_us);
    }
}

static void mboot_getstatus(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    if (dfu_simi_length(r) != 6) {
        r->never = true;
        return;
    }
    uint8_t cmd = ps->cmd;
    if (cmd == CMD_EXIT) dfu_simi_set_state(s, DFU_STATE_MANIFEST);
    if (cmd == CMD_UPLOAD) dfu_simi_set_state(s, DFU_STATE_UPLOAD_IDLE);
    if (cmd == CMD_DNLOAD) dfu_simi_set_state(s, DFU_STATE_DNBUSY);
    dfu_simi_status_reply(s, r, ps->status, 0, ps->state);
    ps->status = DFU_STATUS_OK; /* "Clear errors now they've been sent" */
    ps->istring = 0;
    if (ps->state == DFU_STATE_MANIFEST) {
        dfu_simi_op_begin(s, SIM_WHAT_MANIFEST);
        dfu_simi_op_commit(s, s->prof->timing.manifest_us);
    } else if (cmd == CMD_DNLOAD) {
        ps->cmd = CMD_NONE;
        execute(s);
    }
}

static void mboot_upload(dfu_sim *s, sim_req *r)
{
    uint16_t block = dfu_simi_value(r), len = dfu_simi_length(r);
    if (block < DFUSE_FIRST_DATA_BLOCK || len > s->transfer_size) {
        r->never = true; /* mboot returns no data and no error: the host times out */
        return;
    }
    s->ps.cmd = CMD_UPLOAD;
    uint32_t addr = dfu_simi_dfuse_address(s, block);
    for (uint16_t i = 0; i < len; i++) {
        const uint8_t *m = dfu_simi_mem_at(s, addr + i);
        r->data[i] = m ? *m : 0xFF; /* unmapped memory reads as erased */
    }
    r->result = len;
}

static void mboot_request(dfu_sim *s, sim_req *r)
{
    sim_pstate *ps = &s->ps;
    switch (dfu_simi_req(r)) {
    case DFU_DNLOAD:
        if (dfu_simi_length(r) > s->transfer_size) {
            dfu_simi_stall(r);
            return;
        }
        if (dfu_simi_length(r) == 0) {
            ps->cmd = CMD_EXIT;
        } else {
            ps->cmd = CMD_DNLOAD;
            dfu_simi_keep_download(s, r);
        }
        r->result = dfu_simi_length(r);
        return;
    case DFU_UPLOAD: {
        mboot_upload(s, r);
        return;
    }
    case DFU_GETSTATUS: {
        mboot_getstatus(s, r);
        return;
    }
    case DFU_GETSTATE:
        if (dfu_simi_length(r) != 1) break;
        {
            dfu_simi_state_reply(r, ps->state);
            return;
        }
    case DFU_CLRSTATUS:
    case DFU_ABORT:
        ps->cmd = CMD_NONE;
        ps->status = DFU_STATUS_OK;
        ps->istring = 0;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
        r->result = 0;
        return;
    default: break;
    }
    if (r->setup->bmRequestType & 0x80)
        r->never = true; /* unknown IN request: no answer at all */
    else
        r->result = 0; /* unknown OUT request (DFU_DETACH): acknowledged, ignored */
}

static void mboot_op_done(dfu_sim *s)
{
    sim_pstate *ps = &s->ps;
    if (ps->op.what == SIM_WHAT_MANIFEST) {
        dfu_simi_reset(s, "mboot leaves via reset");
        return;
    }
    if (ps->state != DFU_STATE_DNBUSY) return;
    if (ps->op.status == DFU_STATUS_OK) {
        dfu_simi_set_state(s, DFU_STATE_DNLOAD_IDLE);
        return;
    }
    ps->status = dfu_simi_wire_status(ps->op.status);
    dfu_simi_set_state(s, DFU_STATE_ERROR);
}

static void mboot_bus_reset(dfu_sim *s)
{
    dfu_simi_trace(s, "USB reset: mboot keeps its state");
}

const sim_dialect_ops dfu_simi_dialect_mboot = {mboot_enter, mboot_request, mboot_op_done,
                                                mboot_bus_reset};
