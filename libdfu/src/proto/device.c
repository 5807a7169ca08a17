/*
 * Opening a device: find exactly one, detach it into DFU mode if it runs its application
 * (following it across the re-enumeration by port path, never by serial), apply its quirks,
 * select the alternate setting and bring it to dfuIDLE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../usb/select.h"
#include "proto.h"

/* After a detach the device needs time to re-enumerate; real ones take 0.2 to 3 s. */
#define DFU_DETACH_WAIT_MS 10000u

static int find(dfu_backend *b, dfu_ctx *ctx, const dfu_selector *sel, unsigned wait_ms,
                dfu_device_info *out)
{
    int rc = dfu_select_one(b, ctx, sel, out);
    if (rc != DFU_ERR_NO_DEVICE || wait_ms == 0) return rc;
    dfu_info(ctx, "waiting up to %u ms for a device matching \"%s\"", wait_ms,
             dfu_selector_text(sel));
    dfu_device_info first;
    rc = b->ops->wait(b, ctx, dfu_match_selector, (void *)(uintptr_t)sel, wait_ms, dfu_ctx_stop,
                      ctx, &first);
    if (rc == DFU_ERR_TIMEOUT)
        return dfu_err(ctx, DFU_ERR_NO_DEVICE,
                       "no DFU device matching \"%s\" appeared within %u ms",
                       dfu_selector_text(sel), wait_ms);
    if (rc == DFU_ERR_CANCELLED)
        return dfu_err(ctx, rc, "cancelled while waiting for a device matching \"%s\"",
                       dfu_selector_text(sel));
    if (rc) return rc;
    dfu_device_info_clear(&first);
    return dfu_select_one(b, ctx, sel, out); /* several may have arrived: say so */
}

/* The DFU interface's first alternate setting. */
static const dfu_alt_info *first_alt(const dfu_device_info *info)
{
    return info->alt_count ? &info->alts[0] : NULL;
}

/* Run-time mode: DFU_DETACH, a USB reset unless the device detaches by itself, then wait for
 * it to come back in DFU mode at the same port path. */
static int detach(dfu_backend *b, dfu_ctx *ctx, dfu_device_info *info, unsigned wait_ms)
{
    const dfu_alt_info *alt = first_alt(info);
    if (!alt) return dfu_err(ctx, DFU_ERR_PROTOCOL, "the run-time device has no DFU interface");
    dfu_info(ctx, "%04x:%04x at %s runs its application: detaching it into DFU mode", info->vid,
             info->pid, info->path);
    dfu_transport *t;
    int rc = b->ops->open(b, ctx, info, &t);
    if (rc) return rc;
    /* No device yet to ask its wait hook: the context's cancel callback, as in the waits. */
    t->waiting = dfu_ctx_stop;
    t->waiting_arg = ctx;
    rc = t->ops->set_alt(t, alt->iface, alt->alt);
    dfu_usb_setup s = {DFU_REQTYPE_OUT, DFU_DETACH,
                       info->func.detach_timeout_ms ? info->func.detach_timeout_ms : 1000,
                       alt->iface, 0};
    if (!rc) rc = t->ops->control(t, &s, NULL, DFU_CONTROL_TIMEOUT_MS);
    if (rc < 0 && rc != DFU_ERR_DISCONNECTED) {
        t->ops->close(t);
        return dfu_err(ctx, rc, "%s: DFU_DETACH failed (%s)", info->path, dfu_error_name(rc));
    }
    if (rc != DFU_ERR_DISCONNECTED && !(info->func.attributes & DFU_ATTR_WILL_DETACH)) {
        rc = t->ops->reset(t); /* the device re-enumerates: DFU_ERR_DISCONNECTED is expected */
        if (rc && rc != DFU_ERR_DISCONNECTED)
            dfu_debug(ctx, "reset after DFU_DETACH: %s", dfu_error_name(rc));
    }
    t->ops->close(t);
    char *path = info->path;
    info->path = NULL;
    dfu_device_info_clear(info);
    rc = b->ops->wait(b, ctx, dfu_match_path_dfu_mode, path, wait_ms, dfu_ctx_stop, ctx, info);
    if (rc == DFU_ERR_TIMEOUT)
        rc = dfu_err(ctx, DFU_ERR_NO_DEVICE,
                     "the device at %s detached but did not come back in DFU mode within %u ms "
                     "(give it longer with `detach_wait_ms`)",
                     path, wait_ms);
    else if (rc == DFU_ERR_CANCELLED)
        rc = dfu_err(ctx, rc,
                     "cancelled while waiting for the device at %s to come back in DFU mode; it "
                     "was detached from its application and may now be in its bootloader (a USB "
                     "reset or power cycle starts the application again)",
                     path);
    else if (!rc)
        dfu_info(ctx, "back in DFU mode at %s as %04x:%04x", info->path, info->vid, info->pid);
    free(path);
    return rc;
}

static int resolve_quirks(dfu_device *d, const dfu_open_options *o)
{
    memset(&d->quirks, 0, sizeof(d->quirks));
    const dfu_device_info *i = &d->info;
    int rc = DFU_OK;
    if (!o->no_builtin_quirks)
        rc = dfu_quirks_apply(d->ctx, dfu_quirks_builtin(), "built-in quirks", i->vid, i->pid,
                              i->bcd_device, &d->quirks);
    if (!rc && o->quirks)
        rc = dfu_quirks_apply(d->ctx, o->quirks, o->quirks_source ? o->quirks_source : "quirks",
                              i->vid, i->pid, i->bcd_device, &d->quirks);
    if (!rc && d->quirks.names[0])
        dfu_info(d->ctx, "quirks for %04x:%04x/%04x: %s", i->vid, i->pid, i->bcd_device,
                 d->quirks.names);
    return rc;
}

/* GD32VF103: the layout string claims 2 KiB pages; pages are 1 KiB and the serial's third
 * character gives the flash size, in ST's density code (dfu-util, fwupd). */
static int gd32_layout(dfu_device *d, dfu_layout **out)
{
    static const struct {
        char code;
        unsigned kib;
    } sizes[] = {{'4', 16}, {'6', 32}, {'8', 64}, {'B', 128}, {'C', 256}, {'D', 384}, {'E', 512}};
    const char *serial = d->info.serial;
    unsigned kib = 0;
    for (size_t i = 0; serial && strlen(serial) > 2 && i < DFU_ARRAY_SIZE(sizes); i++)
        if (serial[2] == sizes[i].code) kib = sizes[i].kib;
    if (!kib) {
        dfu_warn(d->ctx, "gd32-layout quirk: cannot tell the flash size from serial \"%s\"",
                 serial ? serial : "");
        return DFU_ERR_UNSUPPORTED;
    }
    char text[64];
    snprintf(text, sizeof(text), "@Internal Flash  /0x08000000/%u*001Kg", kib);
    dfu_info(d->ctx, "gd32-layout quirk: using \"%s\" instead of the device's layout", text);
    return dfu_layout_parse(out, d->ctx, text);
}

static int read_layouts(dfu_device *d)
{
    d->layouts = calloc(d->info.alt_count ? d->info.alt_count : 1, sizeof(*d->layouts));
    if (!d->layouts) return dfu_err(d->ctx, DFU_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < d->info.alt_count; i++) {
        const char *name = d->info.alts[i].name;
        if (d->quirks.gd32_layout && i == 0 && gd32_layout(d, &d->layouts[i]) == DFU_OK) continue;
        if (!name || name[0] != '@') continue;
        if (dfu_layout_parse(&d->layouts[i], d->ctx, name))
            dfu_warn(d->ctx, "alt %u: %s", d->info.alts[i].alt, dfu_ctx_error(d->ctx)->message);
    }
    dfu_ctx_clear_error(d->ctx);
    return DFU_OK;
}

/* What the descriptors (corrected by quirks and options) say the device can do. */
static void read_capabilities(dfu_device *d, const dfu_open_options *o)
{
    const dfu_func_desc *f = &d->info.func;
    d->can_download = !f->present || (f->attributes & DFU_ATTR_CAN_DNLOAD);
    d->can_upload = (!f->present || (f->attributes & DFU_ATTR_CAN_UPLOAD)) && !d->quirks.no_upload;
    bool layouts = false;
    for (size_t i = 0; i < d->info.alt_count; i++)
        if (d->info.alts[i].name && d->info.alts[i].name[0] == '@') layouts = true;
    d->dfuse =
        !d->quirks.force_dfu11 && (d->quirks.force_dfuse || f->dfu_version == DFU_VERSION_DFUSE ||
                                   (f->dfu_version == 0 && layouts));
    d->device_transfer_size = d->quirks.transfer_size ? d->quirks.transfer_size : f->transfer_size;
    unsigned size = o->transfer_size ? o->transfer_size : d->device_transfer_size;
    if (size == 0) {
        dfu_warn(d->ctx, "the device reports wTransferSize 0; using 1024 bytes");
        size = 1024;
    } else if (size == 0xffff && !o->transfer_size) {
        /* Not a size but "unknown" (fwupd reads it so too): a size most devices take. */
        dfu_warn(d->ctx, "the device reports wTransferSize 0xffff; using 1024 bytes "
                         "(`transfer_size` chooses another)");
        size = 1024;
    }
    if (size > DFU_MAX_TRANSFER) {
        dfu_info(d->ctx, "wTransferSize %u is more than USB stacks take; using %u", size,
                 DFU_MAX_TRANSFER);
        size = DFU_MAX_TRANSFER;
    }
    d->transfer_size = (uint16_t)size;
}

static int pick_alt(dfu_device *d, const dfu_open_options *o, const dfu_alt_info **out)
{
    for (size_t i = 0; i < d->info.alt_count; i++) {
        const dfu_alt_info *a = &d->info.alts[i];
        bool hit =
            o->alt >= 0 ? a->alt == o->alt
            : o->alt_name
                ? (a->name && (strcmp(a->name, o->alt_name) == 0 ||
                               (d->layouts[i] && strcmp(d->layouts[i]->name, o->alt_name) == 0)))
                : true;
        if (hit) {
            *out = a;
            return DFU_OK;
        }
    }
    if (o->alt >= 0) return dfu_err_no_alt(d, o->alt);
    char have[512];
    return dfu_err(d->ctx, DFU_ERR_ARG, "%s has no alternate setting named \"%s\" (it has: %s)",
                   d->info.path, o->alt_name ? o->alt_name : "",
                   dfu_alt_list(d, have, sizeof(have)));
}

static int open_found(dfu_device *d, const dfu_open_options *o)
{
    int rc = d->backend->ops->open(d->backend, d->ctx, &d->info, &d->t);
    if (rc) return rc;
    d->clock = d->backend->ops->clock(d->backend);
    dfu_wait_attach(d);
    if ((rc = resolve_quirks(d, o))) return rc;
    if ((rc = read_layouts(d))) return rc;
    read_capabilities(d, o);
    /* The device's buffer holds wTransferSize bytes: a longer block is stalled, every time,
     * which retries only repeat. */
    uint16_t own = d->device_transfer_size;
    if (o->transfer_size && own && own != 0xffff && o->transfer_size > own)
        return dfu_err(d->ctx, DFU_ERR_ARG,
                       "%s: blocks of %u bytes are more than the device takes (its wTransferSize "
                       "is %u); if its descriptor is wrong, correct it with a transfer-size quirk",
                       d->info.path, (unsigned)o->transfer_size, (unsigned)own);
    const dfu_alt_info *alt = NULL;
    if ((rc = pick_alt(d, o, &alt))) return rc;
    d->iface = alt->iface;
    d->alt = alt->alt;
    rc = d->t->ops->set_alt(d->t, d->iface, d->alt);
    if (rc)
        return dfu_err_prefix(d->ctx, rc, "%s: selecting alternate setting %u", d->info.path,
                              d->alt);
    if (d->info.mode == DFU_MODE_DFU) rc = dfu_make_idle(d);
    return rc;
}

int dfu_device_open(dfu_device **out, dfu_ctx *ctx, const char *selector,
                    const dfu_open_options *opts)
{
    dfu_open_options defaults = DFU_OPEN_OPTIONS_INIT;
    const dfu_open_options *o = opts ? opts : &defaults;
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_device_open: no output pointer");
    *out = NULL;
    if (dfu_check_options(ctx, "dfu_open_options", o->version, DFU_OPEN_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    dfu_device *d = calloc(1, sizeof(*d));
    if (!d) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    d->ctx = ctx;
    dfu_selector *sel = NULL;
    int rc = dfu_selector_parse(&sel, ctx, selector);
    if (!rc) rc = dfu_backend_for_selector(&d->backend, ctx, sel);
    if (!rc) rc = find(d->backend, ctx, sel, o->wait_ms, &d->info);
    if (!rc && d->info.mode == DFU_MODE_RUNTIME && !o->no_detach) {
        d->detached = true;
        d->runtime_vid = d->info.vid;
        d->runtime_pid = d->info.pid;
        rc = detach(d->backend, ctx, &d->info,
                    o->detach_wait_ms ? o->detach_wait_ms : DFU_DETACH_WAIT_MS);
    }
    bool found = !rc;
    if (!rc) rc = open_found(d, o);
    dfu_selector_free(sel);
    if (rc && found && d->detached && d->t) {
        /* Detached from its application, then refused (no such alternate setting, a transfer
         * size it cannot take): a USB reset starts the application again, as found. The
         * refusal stays the error: the reset's own failure is only told. */
        dfu_err_saved refusal;
        dfu_err_save(ctx, &refusal);
        dfu_ctx_clear_error(ctx);
        int reset = d->t->ops->reset(d->t);
        if (reset == DFU_OK || reset == DFU_ERR_DISCONNECTED)
            dfu_info(ctx, "the device was running its application: reset it to start that again");
        else
            dfu_warn(ctx,
                     "the device was running its application and stays in DFU mode: the USB "
                     "reset to start the application again failed (%s); reset or power-cycle it",
                     dfu_ctx_error(ctx)->code ? dfu_ctx_error(ctx)->message
                                              : dfu_error_name(reset));
        dfu_err_restore(ctx, &refusal);
    }
    if (rc) {
        dfu_device_close(d);
        return rc;
    }
    *out = d;
    return DFU_OK;
}

/* The device back at the port path is the one that went: the layouts (one per alternate
 * setting) still describe it. */
static bool same_device(const dfu_device_info *a, const dfu_device_info *b)
{
    if (a->vid != b->vid || a->pid != b->pid || a->alt_count != b->alt_count) return false;
    for (size_t i = 0; i < a->alt_count; i++) {
        const char *x = a->alts[i].name ? a->alts[i].name : "";
        const char *y = b->alts[i].name ? b->alts[i].name : "";
        if (a->alts[i].iface != b->alts[i].iface || a->alts[i].alt != b->alts[i].alt ||
            strcmp(x, y) != 0)
            return false;
    }
    return true;
}

int dfu_device_reopen(dfu_device *d, unsigned wait_ms)
{
    dfu_device_info info;
    memset(&info, 0, sizeof(info));
    /* Asked as every wait on the device is: the context's cancel callback, then the wait hook
     * (an update's progress heartbeat). */
    int rc = d->backend->ops->wait(d->backend, d->ctx, dfu_match_path_dfu_mode, d->info.path,
                                   wait_ms, dfu_wait_stop_arg, d, &info);
    if (rc == DFU_ERR_TIMEOUT)
        return dfu_err(d->ctx, DFU_ERR_NO_DEVICE,
                       "the device did not come back in DFU mode at %s within %u ms", d->info.path,
                       wait_ms);
    if (rc) return rc;
    dfu_transport *t = NULL;
    if (!same_device(&d->info, &info))
        rc = dfu_err(d->ctx, DFU_ERR_REFUSED,
                     "another device came back at %s (%04x:%04x, %zu alternate settings)",
                     d->info.path, info.vid, info.pid, info.alt_count);
    if (!rc) rc = d->backend->ops->open(d->backend, d->ctx, &info, &t);
    if (rc) {
        dfu_device_info_clear(&info);
        return rc;
    }
    d->t->ops->close(d->t);
    d->t = t;
    dfu_wait_attach(d); /* its held transfers are as cancellable as the old transport's */
    /* The same device: its description stays, and with it every string handed out (they live
     * as long as the handle). Only its place on the bus is new. */
    d->info.bus = info.bus;
    d->info.address = info.address;
    dfu_device_info_clear(&info);
    d->gone = false;
    dfu_info(d->ctx, "back in DFU mode at %s", d->info.path);
    rc = d->t->ops->set_alt(d->t, d->iface, d->alt);
    if (rc)
        return dfu_err_prefix(d->ctx, rc, "%s: selecting alternate setting %u", d->info.path,
                              d->alt);
    return dfu_make_idle(d);
}

void dfu_device_close(dfu_device *dev)
{
    if (!dev) return;
    if (dev->t) dev->t->ops->close(dev->t);
    for (size_t i = 0; dev->layouts && i < dev->info.alt_count; i++)
        dfu_layout_free(dev->layouts[i]);
    free(dev->layouts);
    dfu_device_info_clear(&dev->info);
    if (dev->backend) dev->backend->ops->free(dev->backend);
    free(dev);
}
