/*
 * Standard USB requests (chapter 9) as a full-speed device answers them: descriptors,
 * configuration, interface selection, status and features. libusb and dfu-util read string
 * and functional descriptors through these.
 */
#include <string.h>

#include "sim_internal.h"

enum {
    GET_STATUS = 0,
    CLEAR_FEATURE = 1,
    SET_FEATURE = 3,
    SET_ADDRESS = 5,
    GET_DESCRIPTOR = 6,
    GET_CONFIGURATION = 8,
    SET_CONFIGURATION = 9,
    GET_INTERFACE = 10,
    SET_INTERFACE = 11,
};

static void reply(sim_req *r, const uint8_t *d, size_t n)
{
    if (n == 0) {
        r->result = DFU_ERR_STALL;
        return;
    }
    if (n > r->setup->wLength) n = r->setup->wLength;
    memcpy(r->data, d, n);
    r->result = (int)n;
}

static void get_descriptor(dfu_sim *s, sim_req *r)
{
    uint8_t d[512];
    uint8_t type = (uint8_t)(r->setup->wValue >> 8), index = (uint8_t)r->setup->wValue;
    size_t n = 0;
    switch (type) {
    case 0x01: n = dfu_simi_device_desc(s, d); break;
    case 0x02: n = index == 0 ? dfu_simi_config_desc(s, d, sizeof(d)) : 0; break;
    case 0x03: n = dfu_simi_string_desc(s, index, d); break;
    case 0x0F: n = dfu_simi_bos_desc(s, d); break;
    case DFU_DESC_FUNCTIONAL: n = dfu_simi_dfu_capable(s) ? dfu_simi_func_desc(s, d) : 0; break;
    default: break; /* device qualifier and others: a full-speed-only device stalls */
    }
    reply(r, d, n);
}

void dfu_simi_select_alt(dfu_sim *s, uint8_t alt)
{
    s->ps.alt = alt;
    dfu_simi_trace(s, "alternate setting %u", (unsigned)alt);
    /* TinyUSB resets its DFU state machine on SET_INTERFACE; ST's class only switches. */
    if ((s->prof->quirks & SIM_Q_ALT_RESETS) && s->ps.mode == SIM_MODE_BOOTLOADER) {
        s->ps.status = DFU_STATUS_OK;
        s->ps.cmd = 0;
        dfu_simi_set_state(s, DFU_STATE_DFU_IDLE);
    }
}

static void set_interface(dfu_sim *s, sim_req *r)
{
    uint8_t iface = (uint8_t)r->setup->wIndex, alt = (uint8_t)r->setup->wValue;
    bool dfu = dfu_simi_dfu_capable(s) && iface == dfu_simi_dfu_interface(s);
    if (dfu && alt < dfu_simi_alt_count(s)) {
        dfu_simi_select_alt(s, alt);
        r->result = 0;
    } else if (!dfu && iface == 0 && alt == 0) {
        r->result = 0; /* the application's own interface */
    } else {
        r->result = DFU_ERR_STALL;
    }
}

void dfu_simi_standard(dfu_sim *s, sim_req *r)
{
    uint8_t recipient = r->setup->bmRequestType & 0x1F, zero[2] = {0, 0};
    uint8_t status[2] = {(uint8_t)((s->prof->config_attributes & 0x40) ? 1 : 0), 0};
    r->result = 0;
    switch (r->setup->bRequest) {
    case GET_STATUS: {
        reply(r, recipient == 0 ? status : zero, 2);
        return;
    }
    case CLEAR_FEATURE:
    case SET_FEATURE:
        if (recipient == 1) r->result = DFU_ERR_STALL;
        return;
    case SET_ADDRESS: return;
    case GET_DESCRIPTOR: {
        get_descriptor(s, r);
        return;
    }
    case GET_CONFIGURATION: {
        reply(r, &s->ps.config, 1);
        return;
    }
    case SET_CONFIGURATION:
        if (r->setup->wValue > 1)
            r->result = DFU_ERR_STALL;
        else
            s->ps.config = (uint8_t)r->setup->wValue;
        return;
    case GET_INTERFACE: {
        uint8_t alt = r->setup->wIndex == dfu_simi_dfu_interface(s) ? s->ps.alt : 0;
        {
            reply(r, &alt, 1);
            return;
        }
    }
    case SET_INTERFACE: {
        set_interface(s, r);
        return;
    }
    default: r->result = DFU_ERR_STALL; return;
    }
}
