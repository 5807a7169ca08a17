/*
 * USB descriptors, built from the profile: the device and configuration descriptors a host
 * caches, string descriptors (UTF-16LE, or raw UTF-8 bytes for the GD32 serial), and the DfuSe
 * memory-layout strings, written from the device's own memory map in the exact format the real
 * device uses (digit widths, ' ' as the byte multiplier, names padded with spaces).
 */
#include <stdio.h>
#include <string.h>

#include "../core/bytes.h"
#include "sim_internal.h"

bool dfu_simi_dfu_capable(const dfu_sim *s)
{
    return s->ps.mode == SIM_MODE_BOOTLOADER ||
           (s->ps.mode == SIM_MODE_APP && s->cfg.runtime != SIM_RT_NONE);
}

/* The DFU interface number: 0 in DFU mode, 1 in the application (after its own function). */
uint8_t dfu_simi_dfu_interface(const dfu_sim *s)
{
    return s->ps.mode == SIM_MODE_BOOTLOADER ? 0 : 1;
}

uint8_t dfu_simi_alt_count(const dfu_sim *s)
{
    return s->ps.mode == SIM_MODE_BOOTLOADER ? (uint8_t)s->prof->alt_count : 1;
}

size_t dfu_simi_device_desc(const dfu_sim *s, uint8_t *d)
{
    const sim_profile *p = s->prof;
    bool app = s->ps.mode != SIM_MODE_BOOTLOADER;
    d[0] = 18;
    d[1] = 0x01;
    dfu_put_le16(d + 2, app ? 0x0200 : p->bcd_usb);
    d[4] = d[5] = d[6] = 0; /* class defined at interface level */
    d[7] = 64;
    dfu_put_le16(d + 8, app ? SIM_APP_VID : p->vid);
    dfu_put_le16(d + 10, app ? SIM_APP_PID : p->pid);
    dfu_put_le16(d + 12, app ? 0x0100 : p->bcd_device);
    d[14] = 1;
    d[15] = 2;
    d[16] = 3;
    d[17] = 1;
    return 18;
}

size_t dfu_simi_func_desc(const dfu_sim *s, uint8_t *d)
{
    if (s->ps.mode != SIM_MODE_BOOTLOADER) {
        /* The run-time interface sends the 7-byte DFU 1.0-style descriptor (no bcdDFUVersion)
         * that fwupd calls "weirdly, quite common". */
        d[0] = 7;
        d[1] = DFU_DESC_FUNCTIONAL;
        d[2] = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD |
               (s->cfg.runtime == SIM_RT_DETACH ? DFU_ATTR_WILL_DETACH : 0);
        dfu_put_le16(d + 3, SIM_APP_DETACH_MS);
        dfu_put_le16(d + 5, s->transfer_size);
        return 7;
    }
    /* funclen= and wtransfer= change only what the bootloader announces, as on the devices
     * that send a DFU 1.0-style descriptor or a wTransferSize of 0 or 0xffff: the blocks it
     * takes stay s->transfer_size. */
    const sim_profile *p = s->prof;
    uint8_t len = s->cfg.funclen ? s->cfg.funclen : p->func_length;
    d[0] = len;
    d[1] = DFU_DESC_FUNCTIONAL;
    d[2] = s->attributes;
    dfu_put_le16(d + 3, p->detach_timeout_ms);
    dfu_put_le16(d + 5, s->cfg.wtransfer >= 0 ? (uint16_t)s->cfg.wtransfer : s->transfer_size);
    if (len >= 9) dfu_put_le16(d + 7, p->dfu_version);
    return len;
}

static size_t interface_desc(uint8_t *d, uint8_t number, uint8_t alt, uint8_t cls, uint8_t protocol,
                             uint8_t istring)
{
    const uint8_t desc[9] = {
        9, 0x04, number, alt, 0, cls, cls == DFU_INTERFACE_CLASS ? 1 : 0, protocol, istring};
    memcpy(d, desc, 9);
    return 9;
}

size_t dfu_simi_config_desc(const dfu_sim *s, uint8_t *out, size_t cap)
{
    uint8_t d[512];
    size_t n = 9;
    if (s->ps.mode == SIM_MODE_BOOTLOADER) {
        for (uint8_t a = 0; a < s->prof->alt_count; a++)
            n += interface_desc(d + n, 0, a, DFU_INTERFACE_CLASS, DFU_PROTOCOL_DFU,
                                (uint8_t)(4 + a));
    } else {
        n += interface_desc(d + n, 0, 0, 0xFF, 0, 0); /* the application's own function */
        if (s->cfg.runtime != SIM_RT_NONE)
            n += interface_desc(d + n, 1, 0, DFU_INTERFACE_CLASS, DFU_PROTOCOL_RUNTIME, 4);
    }
    /* Like the ST ROM, the functional descriptor follows the last alternate setting. */
    if (dfu_simi_dfu_capable(s)) n += dfu_simi_func_desc(s, d + n);
    d[0] = 9;
    d[1] = 0x02;
    dfu_put_le16(d + 2, (uint16_t)n);
    d[4] = s->ps.mode == SIM_MODE_BOOTLOADER ? 1 : (s->cfg.runtime ? 2 : 1);
    d[5] = 1;
    d[6] = 0;
    d[7] = s->ps.mode == SIM_MODE_BOOTLOADER ? s->prof->config_attributes : 0x80;
    d[8] = s->prof->max_power;
    if (n > cap) n = cap;
    memcpy(out, d, n);
    return n;
}

size_t dfu_simi_bos_desc(const dfu_sim *s, uint8_t *d)
{
    if (s->ps.mode != SIM_MODE_BOOTLOADER || s->prof->bcd_usb < 0x0201) return 0;
    const uint8_t bos[5] = {5, 0x0F, 5, 0, 0}; /* no capabilities */
    memcpy(d, bos, 5);
    return 5;
}

/* "04*016Kg": count and size zero-padded to the widths the real device uses. */
static int group_text(char *out, size_t cap, const sim_group *g)
{
    uint32_t div = g->unit == 'K' ? 1024 : g->unit == 'M' ? 1024 * 1024 : 1;
    return snprintf(out, cap, "%0*u*%0*u%c%c", (int)g->count_digits, (unsigned)g->count,
                    (int)g->size_digits, (unsigned)(g->size / div), g->unit,
                    (char)('a' + g->access - 1));
}

size_t dfu_simi_layout_string(const dfu_sim *s, size_t region, char *out, size_t cap)
{
    const sim_region_def *r = &s->prof->regions[region];
    const sim_group *g = r->announced ? r->announced : r->groups;
    size_t count = r->announced ? r->announced_count : r->group_count;
    int n = snprintf(out, cap, "@%s/0x%08X/", r->name, (unsigned)r->address);
    size_t len = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < count && len + 1 < cap; i++) {
        if (i) out[len++] = ',';
        n = group_text(out + len, cap - len, &g[i]);
        if (n > 0) len += (size_t)n;
    }
    if (len >= cap) len = cap - 1;
    out[len] = '\0';
    return len;
}

/* A string descriptor from ASCII text: UTF-16LE, or the bytes themselves when raw. */
static size_t string_desc(uint8_t *d, const char *text, bool raw)
{
    size_t n = strlen(text), max = raw ? 253 : 126;
    if (n > max) n = max;
    d[1] = 0x03;
    for (size_t i = 0; i < n; i++) {
        if (raw) {
            d[2 + i] = (uint8_t)text[i];
        } else {
            d[2 + 2 * i] = (uint8_t)text[i];
            d[3 + 2 * i] = 0;
        }
    }
    d[0] = (uint8_t)(2 + (raw ? n : 2 * n));
    return d[0];
}

static const char *app_string(const dfu_sim *s, uint8_t index)
{
    switch (index) {
    case 1: return "libdfu sim";
    case 2: return "DFU sim application";
    case 3: return s->serial;
    case 4: return s->cfg.runtime ? "DFU run-time" : NULL;
    default: return NULL;
    }
}

size_t dfu_simi_string_desc(const dfu_sim *s, uint8_t index, uint8_t *d)
{
    const sim_profile *p = s->prof;
    if (index == 0) {
        const uint8_t langid[4] = {4, 0x03, 0x09, 0x04}; /* English (US) */
        memcpy(d, langid, 4);
        return 4;
    }
    if (s->ps.mode != SIM_MODE_BOOTLOADER) {
        const char *t = app_string(s, index);
        return t ? string_desc(d, t, false) : 0;
    }
    char layout[256];
    switch (index) {
    case 1: return string_desc(d, p->manufacturer, false);
    case 2: return string_desc(d, s->cfg.product ? s->cfg.product : p->product, false);
    case 3: return string_desc(d, s->serial, p->serial_utf8);
    default: break;
    }
    if (p->dialect == SIM_DIALECT_MBOOT && index == 0x10)
        return string_desc(d, "Can't overwrite mboot", false);
    if (p->dialect == SIM_DIALECT_MBOOT && index == 0x11)
        return string_desc(d, "Address out of range", false);
    if (index < 4 || (size_t)(index - 4) >= p->alt_count) return 0;
    const sim_alt_def *a = &p->alts[index - 4];
    if (a->name) return string_desc(d, a->name, false);
    dfu_simi_layout_string(s, a->region, layout, sizeof(layout));
    return string_desc(d, layout, false);
}
