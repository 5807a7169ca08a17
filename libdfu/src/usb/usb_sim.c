/* The "sim" backend and transport (see usb_sim.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "../proto/descriptor.h"
#include "usb_sim.h"

typedef struct sim_backend {
    dfu_backend base;
    dfu_virtual_clock vclock;
    dfu_clock *clock;
    uint64_t t0; /* the clock's reading when the devices' time was 0 */
    size_t count;
    dfu_sim **sims;
    char **paths;
} sim_backend;

typedef struct sim_transport {
    dfu_transport base;
    sim_backend *b;
    size_t index;
    uint32_t generation; /* the enumeration this handle belongs to */
} sim_transport;

static uint64_t dev_now(sim_backend *b)
{
    return dfu_clock_now(b->clock) - b->t0;
}

/* Waits on the backend's clock until device time t (a virtual clock just jumps there). */
static void wait_until(sim_backend *b, uint64_t t)
{
    uint64_t now = dev_now(b);
    if (t > now) dfu_clock_sleep(b->clock, t - now);
}

/* A device number that changes on every (re-)enumeration, different for each device. */
static uint8_t device_number(size_t index, uint32_t generation)
{
    return (uint8_t)(1 + (index * 8 + generation) % 127);
}

/* Waits until device time t, asking t->waiting every DFU_WAIT_ASK_MS when there is one: false
 * when it said stop. */
static bool wait_held(sim_backend *b, const dfu_transport *t, uint64_t t_end)
{
    if (!t || !t->waiting) {
        wait_until(b, t_end);
        return true;
    }
    for (uint64_t now = dev_now(b); now < t_end; now = dev_now(b)) {
        wait_until(b, DFU_MIN(t_end, now + (uint64_t)DFU_WAIT_ASK_MS * 1000));
        if (dev_now(b) < t_end && t->waiting(t->waiting_arg)) return false;
    }
    return true;
}

/* A control transfer on the backend's clock: done when the device says, or at the timeout. A
 * device that holds it (busy erasing) may see it abandoned (t may be NULL: nobody to ask). */
static int transfer(sim_backend *b, const dfu_transport *t, size_t i, const dfu_usb_setup *setup,
                    uint8_t *data, unsigned timeout_ms)
{
    uint64_t now = dev_now(b);
    dfu_sim_xfer x;
    dfu_sim_control(b->sims[i], now, setup, data, &x);
    if (timeout_ms == 0 && x.done_us == UINT64_MAX) return DFU_ERR_TIMEOUT;
    uint64_t limit = timeout_ms ? now + (uint64_t)timeout_ms * 1000 : UINT64_MAX;
    /* The device has acted on the request already, whether the host waits for it or not. */
    if (!wait_held(b, t, DFU_MIN(x.done_us, limit))) return DFU_ERR_CANCELLED;
    return x.done_us > limit ? DFU_ERR_TIMEOUT : x.result;
}

/* ---- transport ---- */

static bool still_there(sim_transport *t)
{
    dfu_sim_bus bus;
    dfu_sim_bus_status(t->b->sims[t->index], dev_now(t->b), &bus);
    return bus.present && bus.generation == t->generation;
}

static int t_control(dfu_transport *tr, const dfu_usb_setup *setup, uint8_t *data,
                     unsigned timeout_ms)
{
    sim_transport *t = (sim_transport *)tr;
    if (!still_there(t)) return DFU_ERR_DISCONNECTED; /* gone, or a new device number */
    return transfer(t->b, tr, t->index, setup, data, timeout_ms);
}

static int t_set_alt(dfu_transport *tr, uint8_t iface, uint8_t alt)
{
    dfu_usb_setup setup = {0x01, 11, alt, iface, 0}; /* SET_INTERFACE */
    int rc = t_control(tr, &setup, NULL, 1000);
    return rc < 0 ? rc : DFU_OK;
}

static int t_reset(dfu_transport *tr)
{
    sim_transport *t = (sim_transport *)tr;
    if (!still_there(t)) return DFU_ERR_DISCONNECTED;
    dfu_sim_bus_reset(t->b->sims[t->index], dev_now(t->b));
    return still_there(t) ? DFU_OK : DFU_ERR_DISCONNECTED;
}

static void t_close(dfu_transport *tr)
{
    free(tr);
}

static const dfu_transport_ops transport_ops = {t_control, t_set_alt, t_reset, t_close};

/* ---- enumeration ---- */

static int get_string(sim_backend *b, size_t i, uint8_t index, uint16_t langid, bool utf8,
                      dfu_ctx *ctx, char **out)
{
    uint8_t buf[255];
    *out = NULL;
    if (index == 0) return DFU_OK;
    dfu_usb_setup setup = {0x80, 6, (uint16_t)(DFU_DESC_STRING << 8 | index), langid, 255};
    int n = transfer(b, NULL, i, &setup, buf, 1000);
    if (n < 0) return DFU_OK; /* a string that cannot be read is left out, as libusb does */
    return dfu_desc_decode_string(out, ctx, buf, (size_t)n, utf8);
}

static uint16_t first_langid(sim_backend *b, size_t i)
{
    uint8_t buf[255];
    dfu_usb_setup setup = {0x80, 6, DFU_DESC_STRING << 8, 0, 255};
    int n = transfer(b, NULL, i, &setup, buf, 1000);
    return n >= 4 ? (uint16_t)(buf[2] | buf[3] << 8) : 0x0409;
}

static int fill_strings(sim_backend *b, size_t i, dfu_ctx *ctx, const dfu_desc_device *dev,
                        const dfu_desc_config *cfg, dfu_device_info *info)
{
    uint16_t lang = first_langid(b, i);
    bool utf8 = dfu_desc_string_is_utf8(dev->vid, dev->pid, dev->bcd_device);
    int rc = get_string(b, i, dev->i_manufacturer, lang, false, ctx, &info->manufacturer);
    if (!rc) rc = get_string(b, i, dev->i_product, lang, false, ctx, &info->product);
    if (!rc) rc = get_string(b, i, dev->i_serial, lang, utf8, ctx, &info->serial);
    for (size_t k = 0; !rc && k < cfg->alt_count; k++)
        rc = get_string(b, i, cfg->alts[k].i_interface, lang, false, ctx, &info->alts[k].name);
    return rc;
}

/* What a host learns about device i: descriptors, then strings, through the device itself. */
static int describe(sim_backend *b, size_t i, dfu_ctx *ctx, uint32_t generation,
                    dfu_device_info *info)
{
    uint8_t d[1024];
    size_t n;
    dfu_desc_device dev;
    dfu_desc_config cfg;
    memset(info, 0, sizeof(*info));
    int rc = dfu_sim_descriptors(b->sims[i], d, sizeof(d), &n);
    if (rc) return dfu_err(ctx, rc, "%s: cannot read descriptors", b->paths[i]);
    rc = dfu_desc_parse_device(&dev, ctx, d, n);
    if (!rc) rc = dfu_desc_parse_config(&cfg, ctx, d + d[0], n - d[0]);
    if (rc) return dfu_err_prefix(ctx, rc, "%s", b->paths[i]);
    info->backend = dfu_strdup("sim");
    info->path = dfu_strdup(b->paths[i]);
    info->alts = calloc(cfg.alt_count ? cfg.alt_count : 1, sizeof(*info->alts));
    if (!info->backend || !info->path || !info->alts) {
        dfu_device_info_clear(info);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    info->vid = dev.vid;
    info->pid = dev.pid;
    info->bcd_device = dev.bcd_device;
    info->bus = 1;
    info->address = device_number(i, generation);
    info->func = cfg.func;
    info->alt_count = cfg.alt_count;
    info->mode = cfg.alt_count ? dfu_desc_alt_mode(&cfg.alts[0], &cfg.func) : DFU_MODE_RUNTIME;
    for (size_t k = 0; k < cfg.alt_count; k++) {
        info->alts[k].iface = cfg.alts[k].iface;
        info->alts[k].alt = cfg.alts[k].alt;
        info->alts[k].protocol = cfg.alts[k].protocol;
    }
    rc = fill_strings(b, i, ctx, &dev, &cfg, info);
    if (rc) dfu_device_info_clear(info);
    return rc;
}

static int b_enumerate(dfu_backend *base, dfu_ctx *ctx, dfu_device_info **list, size_t *count)
{
    sim_backend *b = (sim_backend *)base;
    *list = calloc(b->count ? b->count : 1, sizeof(**list));
    *count = 0;
    if (!*list) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < b->count; i++) {
        dfu_sim_bus bus;
        dfu_sim_bus_status(b->sims[i], dev_now(b), &bus);
        if (!bus.present || !bus.dfu_capable) continue;
        int rc = describe(b, i, ctx, bus.generation, &(*list)[*count]);
        if (rc) {
            dfu_device_info_list_free(*list, *count);
            *list = NULL;
            *count = 0;
            return rc;
        }
        (*count)++;
    }
    return DFU_OK;
}

static int b_open(dfu_backend *base, dfu_ctx *ctx, const dfu_device_info *info, dfu_transport **out)
{
    sim_backend *b = (sim_backend *)base;
    for (size_t i = 0; info->path && i < b->count; i++) {
        if (strcmp(b->paths[i], info->path) != 0) continue;
        dfu_sim_bus bus;
        dfu_sim_bus_status(b->sims[i], dev_now(b), &bus);
        if (!bus.present || device_number(i, bus.generation) != info->address)
            return dfu_err(ctx, DFU_ERR_NO_DEVICE, "%s: device number %u is gone", info->path,
                           (unsigned)info->address);
        sim_transport *t = calloc(1, sizeof(*t));
        if (!t) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
        t->base.ops = &transport_ops;
        t->base.clock = b->clock;
        t->b = b;
        t->index = i;
        t->generation = bus.generation;
        *out = &t->base;
        return DFU_OK;
    }
    return dfu_err(ctx, DFU_ERR_NO_DEVICE, "no simulated device at path %s",
                   info->path ? info->path : "(none)");
}

/* Every present device matching, or the earliest time one may change. */
static int try_match(sim_backend *b, dfu_ctx *ctx, dfu_match_fn match, void *arg,
                     dfu_device_info *out, uint64_t *next)
{
    dfu_device_info *list;
    size_t count;
    int rc = b_enumerate(&b->base, ctx, &list, &count);
    if (rc) return rc;
    for (size_t k = 0; k < count; k++) {
        if (!match || match(&list[k], arg)) {
            *out = list[k];
            memset(&list[k], 0, sizeof(list[k]));
            dfu_device_info_list_free(list, count);
            return DFU_OK;
        }
    }
    dfu_device_info_list_free(list, count);
    *next = UINT64_MAX;
    for (size_t i = 0; i < b->count; i++) {
        dfu_sim_bus bus;
        dfu_sim_bus_status(b->sims[i], dev_now(b), &bus);
        if (bus.next_change_us < *next) *next = bus.next_change_us;
    }
    return DFU_ERR_NO_DEVICE;
}

static int b_wait(dfu_backend *base, dfu_ctx *ctx, dfu_match_fn match, void *arg,
                  unsigned timeout_ms, int (*stop)(void *), void *stop_arg, dfu_device_info *out)
{
    sim_backend *b = (sim_backend *)base;
    uint64_t deadline = dev_now(b) + (uint64_t)timeout_ms * 1000;
    for (;;) {
        uint64_t next = UINT64_MAX;
        int rc = try_match(b, ctx, match, arg, out, &next);
        if (rc != DFU_ERR_NO_DEVICE) return rc;
        uint64_t now = dev_now(b);
        if (stop && stop(stop_arg) != 0)
            return dfu_err(ctx, DFU_ERR_CANCELLED, "cancelled while waiting for the device");
        uint64_t until = next == UINT64_MAX || next > deadline ? deadline
                         : next > now                          ? next
                                                               : now + 1;
        if (until <= now) /* the deadline: nothing more will arrive before it */
            return dfu_err(ctx, DFU_ERR_TIMEOUT, "no matching simulated device within %u ms",
                           timeout_ms);
        /* With someone to ask, in steps of DFU_WAIT_ASK_MS so that they are asked (on a virtual
         * clock the steps take no time). */
        if (stop) until = DFU_MIN(until, now + (uint64_t)DFU_WAIT_ASK_MS * 1000);
        wait_until(b, until);
    }
}

static dfu_clock *b_clock(dfu_backend *base)
{
    return ((sim_backend *)base)->clock;
}

static void b_free(dfu_backend *base)
{
    sim_backend *b = (sim_backend *)base;
    if (!b) return;
    for (size_t i = 0; i < b->count; i++) {
        dfu_sim_free(b->sims[i]);
        free(b->paths[i]);
    }
    free(b->sims);
    free(b->paths);
    free(b);
}

static const dfu_backend_ops backend_ops = {"sim", b_enumerate, b_open, b_wait, b_clock, b_free};

int dfu_backend_sim_new(dfu_backend **out, dfu_ctx *ctx, const char *const *specs, size_t count)
{
    *out = NULL;
    sim_backend *b = calloc(1, sizeof(*b));
    if (!b) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    b->sims = calloc(count ? count : 1, sizeof(*b->sims));
    b->paths = calloc(count ? count : 1, sizeof(*b->paths));
    if (!b->sims || !b->paths) {
        b_free(&b->base);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    b->base.ops = &backend_ops;
    bool realtime = false;
    for (size_t i = 0; i < count; i++, b->count++) {
        int rc = dfu_sim_new(&b->sims[i], ctx, specs[i]);
        if (rc) {
            b_free(&b->base);
            return rc;
        }
        char name[32];
        snprintf(name, sizeof(name), "sim-%zu", i + 1);
        const char *path = dfu_sim_path(b->sims[i]);
        b->paths[i] = dfu_strdup(path ? path : name);
        realtime = realtime || dfu_sim_realtime(b->sims[i]);
        if (!b->paths[i]) {
            b->count++;
            b_free(&b->base);
            return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
        }
    }
    dfu_virtual_clock_init(&b->vclock);
    b->clock = realtime ? dfu_clock_wall() : &b->vclock.base;
    b->t0 = dfu_clock_now(b->clock);
    *out = &b->base;
    return DFU_OK;
}

dfu_sim *dfu_backend_sim_device(dfu_backend *base, size_t index)
{
    sim_backend *b = (sim_backend *)base;
    return b && index < b->count ? b->sims[index] : NULL;
}
