/* A transport over an open libusb device handle: control transfers, interface and alternate
 * setting, reset, close. */
#include <stdio.h>
#include <stdlib.h>

#include "../core/internal.h"
#include "libusb_internal.h"

typedef struct usb_transport {
    dfu_transport base;
    dfu_ctx *ctx;
    libusb_context *usb;
    libusb_device_handle *h;
    dfu_device_info info; /* for messages */
    int claimed;          /* claimed interface number, -1 when none */
    bool reattach;        /* a kernel driver was detached from it: give it back on close */
} usb_transport;

static int usb_control(dfu_transport *t, const dfu_usb_setup *s, uint8_t *data, unsigned timeout_ms)
{
    usb_transport *u = (usb_transport *)t;
    /* Every transport is asked (dfu_wait_attach, or the context's callback for a detach). */
    return dfu_libusb_control(u->usb, u->h, s, data, timeout_ms, t->waiting, t->waiting_arg);
}

/* Linux binds no driver to DFU interfaces, but a run-time DFU interface can share a device with
 * one that has (a CDC-ACM or HID application). Detach it only when present, and say so. */
static int detach_driver(usb_transport *u, uint8_t intf)
{
    int active = libusb_kernel_driver_active(u->h, intf);
    if (active != 1) return DFU_OK; /* 0, or NOT_SUPPORTED on macOS and Windows */
    int e = libusb_detach_kernel_driver(u->h, intf);
    if (e) return dfu_libusb_err(u->ctx, e, &u->info, "detach the kernel driver from");
    dfu_info(u->ctx, "detached the kernel driver from interface %u of %04x:%04x at %s", intf,
             u->info.vid, u->info.pid, u->info.path);
    u->reattach = true;
    return DFU_OK;
}

static int claim(usb_transport *u, uint8_t intf)
{
    if (u->claimed == intf) return DFU_OK;
    if (u->claimed >= 0) {
        libusb_release_interface(u->h, u->claimed);
        u->claimed = -1;
    }
    int rc = detach_driver(u, intf);
    if (rc) return rc;
    int e = libusb_claim_interface(u->h, intf);
    if (e) {
        char what[48];
        snprintf(what, sizeof(what), "claim interface %u of", intf);
        return dfu_libusb_err(u->ctx, e, &u->info, what);
    }
    u->claimed = intf;
    return DFU_OK;
}

static int usb_set_alt(dfu_transport *t, uint8_t intf, uint8_t alt)
{
    usb_transport *u = (usb_transport *)t;
    int rc = claim(u, intf);
    if (rc) return rc;
    int e = libusb_set_interface_alt_setting(u->h, intf, alt);
    if (!e) return DFU_OK;
    char what[64];
    snprintf(what, sizeof(what), "select alternate setting %u of interface %u of", alt, intf);
    return dfu_libusb_err(u->ctx, e, &u->info, what);
}

static int usb_reset(dfu_transport *t)
{
    usb_transport *u = (usb_transport *)t;
    int e = libusb_reset_device(u->h);
    /* NOT_FOUND: the device came back as a new device (other descriptors, a detach or leave). */
    if (e == LIBUSB_ERROR_NOT_FOUND || e == LIBUSB_ERROR_NO_DEVICE) {
        u->claimed = -1;
        return DFU_ERR_DISCONNECTED;
    }
    return e ? dfu_libusb_err(u->ctx, e, &u->info, "reset") : DFU_OK;
}

static void usb_close(dfu_transport *t)
{
    usb_transport *u = (usb_transport *)t;
    if (!u) return;
    if (u->claimed >= 0) {
        libusb_release_interface(u->h, u->claimed);
        if (u->reattach) libusb_attach_kernel_driver(u->h, u->claimed);
    }
    libusb_close(u->h);
    dfu_device_info_clear(&u->info);
    free(u);
}

static const dfu_transport_ops usb_ops = {usb_control, usb_set_alt, usb_reset, usb_close};

int dfu_libusb_transport_new(dfu_transport **out, dfu_ctx *ctx, libusb_context *usb,
                             libusb_device_handle *h, const dfu_device_info *info)
{
    usb_transport *u = calloc(1, sizeof(*u));
    if (!u || dfu_device_info_copy(&u->info, info)) {
        free(u);
        libusb_close(h);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory opening a USB device");
    }
    u->base.ops = &usb_ops;
    u->base.clock = dfu_clock_wall();
    u->ctx = ctx;
    u->usb = usb;
    u->h = h;
    u->claimed = -1;
    *out = &u->base;
    return DFU_OK;
}
