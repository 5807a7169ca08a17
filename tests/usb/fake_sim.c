/*
 * TEMPORARY stand-in for the simulator (branch `sim`), used only while libdfu has no
 * src/sim/: a DFU 1.1 device with just enough behaviour to develop the USB bridge against
 * (descriptors and strings, download, upload, status, detach and re-enumeration, an unplug fault,
 * a held GETSTATUS). Deleted once the real simulator is merged.
 * Spec: fake[,runtime][,serial=S][,unplug=N (block)][,hold=MS (GETSTATUS after a block)]
 */
#include <stdlib.h>
#include <string.h>

#include <libdfu/sim.h>

#define MEM  32768
#define XFER 1024

struct dfu_sim {
    bool app, present;
    uint32_t generation;
    uint64_t back_at, hold_us;
    bool detach_armed;
    int state;
    uint32_t written;
    long unplug_block;
    char serial[32];
    uint8_t mem[MEM];
    uint8_t alt;
};

int dfu_sim_new(dfu_sim **out, dfu_ctx *ctx, const char *spec)
{
    (void)ctx;
    if (!strncmp(spec, "sim:", 4)) spec += 4;
    if (strncmp(spec, "fake", 4)) return DFU_ERR_NOT_FOUND;
    dfu_sim *s = calloc(1, sizeof(*s));
    s->present = true;
    s->generation = 1;
    s->back_at = UINT64_MAX;
    s->unplug_block = -1;
    s->state = DFU_STATE_DFU_IDLE;
    strcpy(s->serial, "FAKE0001");
    memset(s->mem, 0xff, sizeof(s->mem));
    for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ',')) {
        if (!strncmp(p, ",runtime", 8)) s->app = true, s->state = DFU_STATE_APP_IDLE;
        if (!strncmp(p, ",serial=", 8)) {
            size_t n = strcspn(p + 8, ",");
            memcpy(s->serial, p + 8, n < 31 ? n : 31);
            s->serial[n < 31 ? n : 31] = 0;
        }
        if (!strncmp(p, ",unplug=", 8)) s->unplug_block = atol(p + 8);
        if (!strncmp(p, ",hold=", 6)) s->hold_us = (uint64_t)atol(p + 6) * 1000;
    }
    *out = s;
    return 0;
}

void dfu_sim_free(dfu_sim *sim)
{
    free(sim);
}

static const uint8_t dev_desc[18] = {18,   1,    0x00, 0x02, 0,    0, 0, 64, 0x09,
                                     0x12, 0x42, 0xdb, 0x00, 0x02, 1, 2, 3,  1};

static size_t config(const dfu_sim *s, uint8_t *b)
{
    uint8_t proto = s->app ? 1 : 2;
    const uint8_t c[] = {
        9,    2,  27,          0,         1,    1,    0,
        0x80, 50, 9,           4,         0,    0,    0,
        0xfe, 1,  proto,       4,         9,    0x21, (uint8_t)(s->app ? 0x03 : 0x0b),
        255,  0,  XFER & 0xff, XFER >> 8, 0x10, 0x01};
    memcpy(b, c, sizeof(c));
    return sizeof(c);
}

int dfu_sim_descriptors(dfu_sim *sim, uint8_t *buf, size_t cap, size_t *len)
{
    if (!sim->present) return DFU_ERR_DISCONNECTED;
    (void)cap;
    memcpy(buf, dev_desc, 18);
    if (sim->app) buf[10] = 0x01, buf[11] = 0x00;
    *len = 18 + config(sim, buf + 18);
    return 0;
}

static int string(const dfu_sim *s, uint8_t idx, uint8_t *out, uint16_t wlen)
{
    const char *t[] = {NULL, "Fake", "Fake DFU", s->serial, "Flash"};
    uint8_t b[64];
    size_t n;
    if (idx == 0) {
        b[0] = 4, b[1] = 3, b[2] = 0x09, b[3] = 0x04, n = 4;
    } else if (idx < 5) {
        n = 2;
        for (const char *c = t[idx]; *c; c++) b[n++] = (uint8_t)*c, b[n++] = 0;
        b[0] = (uint8_t)n, b[1] = 3;
    } else {
        return DFU_ERR_STALL;
    }
    n = n < wlen ? n : wlen;
    memcpy(out, b, n);
    return (int)n;
}

static int standard(dfu_sim *s, const dfu_usb_setup *st, uint8_t *data)
{
    if (st->bRequest != 6) return DFU_ERR_STALL;
    uint8_t type = st->wValue >> 8, b[64];
    size_t n;
    if (type == 1) {
        memcpy(b, dev_desc, 18);
        if (s->app) b[10] = 0x01, b[11] = 0x00;
        n = 18;
    } else if (type == 2) {
        n = config(s, b);
    } else if (type == 3) {
        return string(s, st->wValue & 0xff, data, st->wLength);
    } else {
        return DFU_ERR_STALL;
    }
    n = n < st->wLength ? n : st->wLength;
    memcpy(data, b, n);
    return (int)n;
}

static void leave(dfu_sim *s, uint64_t now, bool app)
{
    s->present = false;
    s->back_at = now + 50000;
    s->app = app;
    s->state = app ? DFU_STATE_APP_IDLE : DFU_STATE_DFU_IDLE;
    s->written = 0;
}

static int dnload(dfu_sim *s, uint64_t now, const dfu_usb_setup *st, const uint8_t *data)
{
    if ((long)st->wValue == s->unplug_block) {
        s->present = false; /* stays off until dfu_sim_plug */
        return DFU_ERR_DISCONNECTED;
    }
    if (!st->wLength) {
        s->state = DFU_STATE_MANIFEST_SYNC;
        return 0;
    }
    uint32_t at = (uint32_t)st->wValue * XFER;
    if (at + st->wLength > MEM) {
        s->state = DFU_STATE_ERROR;
        return DFU_ERR_STALL;
    }
    memcpy(s->mem + at, data, st->wLength);
    s->state = DFU_STATE_DNLOAD_SYNC;
    (void)now;
    return st->wLength;
}

static int klass(dfu_sim *s, uint64_t now, const dfu_usb_setup *st, uint8_t *data, uint64_t *done)
{
    switch (st->bRequest) {
    case DFU_DETACH:
        if (!s->app) return DFU_ERR_STALL;
        s->detach_armed = true;
        s->state = DFU_STATE_APP_DETACH;
        return 0;
    case DFU_DNLOAD: return s->app ? DFU_ERR_STALL : dnload(s, now, st, data);
    case DFU_UPLOAD: {
        uint32_t at = (uint32_t)st->wValue * XFER;
        uint32_t n = at >= MEM ? 0 : MEM - at < st->wLength ? MEM - at : st->wLength;
        memcpy(data, s->mem + at, n);
        s->state = n < st->wLength ? DFU_STATE_DFU_IDLE : DFU_STATE_UPLOAD_IDLE;
        return (int)n;
    }
    case DFU_GETSTATUS:
        if (s->state == DFU_STATE_DNLOAD_SYNC) {
            s->state = DFU_STATE_DNLOAD_IDLE;
            *done = now + s->hold_us;
        } else if (s->state == DFU_STATE_MANIFEST_SYNC) {
            s->state = DFU_STATE_DFU_IDLE;
        }
        memset(data, 0, 6);
        data[4] = (uint8_t)s->state;
        return st->wLength < 6 ? st->wLength : 6;
    case DFU_GETSTATE: data[0] = (uint8_t)s->state; return 1;
    case DFU_CLRSTATUS:
    case DFU_ABORT: s->state = s->app ? DFU_STATE_APP_IDLE : DFU_STATE_DFU_IDLE; return 0;
    default: return DFU_ERR_STALL;
    }
}

void dfu_sim_control(dfu_sim *sim, uint64_t now_us, const dfu_usb_setup *setup, uint8_t *data,
                     dfu_sim_xfer *out)
{
    out->done_us = now_us;
    if (!sim->present) {
        out->result = DFU_ERR_DISCONNECTED;
        return;
    }
    if ((setup->bmRequestType & 0x60) == 0)
        out->result = standard(sim, setup, data);
    else
        out->result = klass(sim, now_us, setup, data, &out->done_us);
}

int dfu_sim_set_interface(dfu_sim *sim, uint64_t now_us, uint8_t interface, uint8_t alt)
{
    (void)now_us;
    if (!sim->present) return DFU_ERR_DISCONNECTED;
    if (interface || alt) return DFU_ERR_STALL;
    sim->alt = alt;
    return 0;
}

void dfu_sim_bus_reset(dfu_sim *sim, uint64_t now_us)
{
    if (sim->detach_armed) {
        sim->detach_armed = false;
        leave(sim, now_us, false);
    }
}

void dfu_sim_unplug(dfu_sim *sim, uint64_t now_us)
{
    (void)now_us;
    sim->present = false;
}

void dfu_sim_plug(dfu_sim *sim, uint64_t now_us)
{
    (void)now_us;
    if (!sim->present) sim->generation++;
    sim->present = true;
}

void dfu_sim_bus_status(dfu_sim *sim, uint64_t now_us, dfu_sim_bus *out)
{
    if (!sim->present && now_us >= sim->back_at) {
        sim->present = true;
        sim->generation++;
        sim->back_at = UINT64_MAX;
    }
    out->present = sim->present;
    out->dfu_capable = true;
    out->mode = sim->app ? DFU_MODE_RUNTIME : DFU_MODE_DFU;
    out->generation = sim->generation;
    out->next_change_us = sim->back_at;
}

int dfu_sim_peek(const dfu_sim *sim, uint32_t address, uint8_t *buf, size_t len)
{
    if (address + len > MEM) return DFU_ERR_ARG;
    memcpy(buf, sim->mem + address, len);
    return 0;
}
