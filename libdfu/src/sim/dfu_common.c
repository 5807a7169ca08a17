/* What every dialect does the same way: state changes, stalls, the GETSTATUS answer. */
#include <string.h>

#include "../core/bytes.h"
#include "sim_internal.h"

uint8_t dfu_simi_req(const sim_req *r)
{
    return r->setup->bRequest;
}

uint16_t dfu_simi_value(const sim_req *r)
{
    return r->setup->wValue;
}

uint16_t dfu_simi_length(const sim_req *r)
{
    return r->setup->wLength;
}

void dfu_simi_set_state(dfu_sim *s, uint8_t state)
{
    if (s->ps.state != state)
        dfu_simi_trace(s, "state %s -> %s", dfu_state_name(s->ps.state), dfu_state_name(state));
    s->ps.state = state;
}

void dfu_simi_fail(dfu_sim *s, uint8_t status)
{
    status = dfu_simi_wire_status(status);
    if (s->ps.status != status) dfu_simi_trace(s, "status %s", dfu_status_name(status));
    s->ps.status = status;
    dfu_simi_set_state(s, DFU_STATE_ERROR);
}

void dfu_simi_stall(sim_req *r)
{
    r->result = DFU_ERR_STALL;
}

void dfu_simi_stall_error(dfu_sim *s, sim_req *r)
{
    r->result = DFU_ERR_STALL;
    dfu_simi_fail(s, DFU_STATUS_ERR_STALLEDPKT);
}

uint8_t dfu_simi_wire_status(uint8_t status)
{
    return status == SIM_SILENT ? DFU_STATUS_OK : status;
}

void dfu_simi_status_reply(dfu_sim *s, sim_req *r, uint8_t status, uint32_t poll_ms, uint8_t state)
{
    uint8_t buf[6];
    if (s->lie_next) {
        s->lie_next = false;
        dfu_simi_trace(s, "fault: lying status %s/%s instead of %s/%s",
                       dfu_status_name(s->lie_status), dfu_state_name(s->lie_state),
                       dfu_status_name(status), dfu_state_name(state));
        status = (uint8_t)s->lie_status;
        state = (uint8_t)s->lie_state;
    }
    if (s->poll_next) {
        s->poll_next = false;
        dfu_simi_trace(s, "fault: bwPollTimeout %u ms instead of %u", (unsigned)s->poll_value,
                       (unsigned)poll_ms);
        poll_ms = s->poll_value;
    }
    if (poll_ms > 0xFFFFFF) poll_ms = 0xFFFFFF;
    buf[0] = status;
    dfu_put_le24(buf + 1, poll_ms);
    buf[4] = state;
    buf[5] = s->ps.istring;
    uint16_t n = dfu_simi_length(r) < 6 ? dfu_simi_length(r) : 6;
    memcpy(r->data, buf, n);
    r->result = n;
    dfu_simi_trace(s, "GETSTATUS -> %s, %u ms, %s", dfu_status_name(status), (unsigned)poll_ms,
                   dfu_state_name(state));
}

void dfu_simi_state_reply(sim_req *r, uint8_t state)
{
    if (dfu_simi_length(r) >= 1) r->data[0] = state;
    r->result = dfu_simi_length(r) >= 1 ? 1 : 0;
}

void dfu_simi_keep_download(dfu_sim *s, const sim_req *r)
{
    uint16_t n = dfu_simi_length(r);
    if (n > SIM_MAX_XFER) n = SIM_MAX_XFER;
    s->ps.pending = true;
    s->ps.pending_block = dfu_simi_value(r);
    s->ps.pending_len = n;
    if (n) memcpy(s->ps.pending_buf, r->data, n);
}

bool dfu_simi_manifest_tolerant(const dfu_sim *s)
{
    return (s->attributes & DFU_ATTR_MANIFESTATION_TOLERANT) != 0;
}
