/*
 * The libusb backend: enumeration, opening, and waiting for a device to (re-)appear. Hotplug
 * events wake the wait where libusb has them (Linux, macOS); elsewhere (Windows) it polls the
 * device list in short steps. Either way it never sleeps a fixed time.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "libusb_internal.h"
#include "usb_libusb.h"

#define POLL_STEP_MS      100  /* re-enumeration period without hotplug */
#define HOTPLUG_RESCAN_MS 1000 /* with hotplug: rescan anyway, for a device that failed to open */

typedef struct usb_backend {
    dfu_backend base;
    libusb_context *usb;
    bool arrived; /* set by the hotplug callback */
} usb_backend;

static int append(dfu_device_info **list, size_t *count, dfu_device_info *info)
{
    dfu_device_info *p = realloc(*list, (*count + 1) * sizeof(*p));
    if (!p) return DFU_ERR_NOMEM;
    *list = p;
    p[(*count)++] = *info;
    return DFU_OK;
}

static int usb_enumerate(dfu_backend *b, dfu_ctx *ctx, dfu_device_info **list, size_t *count)
{
    usb_backend *u = (usb_backend *)b;
    libusb_device **devs;
    *list = NULL;
    *count = 0;
    ssize_t n = libusb_get_device_list(u->usb, &devs);
    if (n < 0)
        return dfu_err(ctx, dfu_libusb_code((int)n), "listing USB devices: %s",
                       libusb_error_name((int)n));
    int rc = DFU_OK;
    for (ssize_t i = 0; i < n && !rc; i++) {
        dfu_device_info info;
        int found = dfu_libusb_describe(ctx, devs[i], &info);
        if (found < 0) rc = found;
        if (found > 0 && (rc = append(list, count, &info))) dfu_device_info_clear(&info);
    }
    libusb_free_device_list(devs, 1);
    if (rc) {
        dfu_device_info_list_free(*list, *count);
        *list = NULL;
        *count = 0;
        return dfu_err(ctx, rc, "out of memory listing USB devices");
    }
    return DFU_OK;
}

/* The device enumeration found, if it is still the same one (bus and device number). */
static libusb_device *find_device(libusb_device **devs, ssize_t n, const dfu_device_info *info)
{
    for (ssize_t i = 0; i < n; i++)
        if (libusb_get_bus_number(devs[i]) == info->bus &&
            libusb_get_device_address(devs[i]) == info->address)
            return devs[i];
    return NULL;
}

static int usb_open(dfu_backend *b, dfu_ctx *ctx, const dfu_device_info *info, dfu_transport **out)
{
    usb_backend *u = (usb_backend *)b;
    libusb_device **devs;
    ssize_t n = libusb_get_device_list(u->usb, &devs);
    if (n < 0) return dfu_libusb_err(ctx, (int)n, info, "list USB devices to open");
    libusb_device *dev = find_device(devs, n, info);
    libusb_device_handle *h = NULL;
    int e = dev ? libusb_open(dev, &h) : LIBUSB_ERROR_NO_DEVICE;
    libusb_free_device_list(devs, 1);
    if (e) return dfu_libusb_err(ctx, e, info, "open");
    return dfu_libusb_transport_new(out, ctx, u->usb, h, info);
}

/* 1 and *out filled when a present device matches, 0 when none does, or an error. */
static int find_match(dfu_backend *b, dfu_ctx *ctx, dfu_match_fn match, void *arg,
                      dfu_device_info *out)
{
    dfu_device_info *list;
    size_t count;
    int rc = usb_enumerate(b, ctx, &list, &count);
    for (size_t i = 0; !rc && i < count; i++) {
        if (!match(&list[i], arg)) continue;
        *out = list[i];
        memset(&list[i], 0, sizeof(list[i]));
        rc = 1;
    }
    dfu_device_info_list_free(list, count);
    return rc;
}

static int LIBUSB_CALL on_arrival(libusb_context *c, libusb_device *d, libusb_hotplug_event ev,
                                  void *arg)
{
    (void)c;
    (void)d;
    (void)ev;
    ((usb_backend *)arg)->arrived = true;
    return 0; /* stay registered */
}

/* Lets up to ms pass: until a hotplug arrival (when registered), the time is up, or the caller
 * cancels (asked first, then every DFU_WAIT_ASK_MS): true then. Each answer is acted on: a
 * caller whose callback says stop once is not asked again to find out. */
static bool wait_step(usb_backend *u, int (*stop)(void *), void *stop_arg, bool hotplug,
                      uint64_t ms)
{
    dfu_clock *clock = dfu_clock_wall();
    uint64_t end = dfu_clock_now(clock) + ms * 1000;
    for (uint64_t now = dfu_clock_now(clock); !u->arrived && now < end;
         now = dfu_clock_now(clock)) {
        if (stop && stop(stop_arg) != 0) return true;
        uint64_t us = DFU_MIN(end - now, (uint64_t)DFU_WAIT_ASK_MS * 1000);
        if (!hotplug) {
            dfu_clock_sleep(clock, us);
            continue;
        }
        struct timeval tv = {(time_t)(us / 1000000), (long)(us % 1000000)};
        libusb_handle_events_timeout_completed(u->usb, &tv, NULL);
    }
    return false;
}

static int usb_wait(dfu_backend *b, dfu_ctx *ctx, dfu_match_fn match, void *arg,
                    unsigned timeout_ms, int (*stop)(void *), void *stop_arg, dfu_device_info *out)
{
    usb_backend *u = (usb_backend *)b;
    dfu_clock *clock = dfu_clock_wall();
    uint64_t deadline = dfu_clock_now(clock) + (uint64_t)timeout_ms * 1000;
    libusb_hotplug_callback_handle cb;
    bool hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
                   libusb_hotplug_register_callback(
                       u->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, 0, LIBUSB_HOTPLUG_MATCH_ANY,
                       LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, on_arrival, u,
                       &cb) == LIBUSB_SUCCESS;
    int rc;
    for (;;) {
        u->arrived = false;
        rc = find_match(b, ctx, match, arg, out);
        if (rc) break;
        uint64_t now = dfu_clock_now(clock);
        if (now >= deadline) {
            rc = dfu_err(ctx, DFU_ERR_TIMEOUT, "no matching USB device appeared within %u ms",
                         timeout_ms);
            break;
        }
        uint64_t left_ms = (deadline - now + 999) / 1000;
        if (wait_step(u, stop, stop_arg, hotplug,
                      DFU_MIN(left_ms, hotplug ? HOTPLUG_RESCAN_MS : POLL_STEP_MS))) {
            rc = dfu_err(ctx, DFU_ERR_CANCELLED, "cancelled while waiting for the device");
            break;
        }
    }
    if (hotplug) libusb_hotplug_deregister_callback(u->usb, cb);
    return rc > 0 ? DFU_OK : rc;
}

static dfu_clock *usb_clock(dfu_backend *b)
{
    (void)b;
    return dfu_clock_wall();
}

static void usb_free(dfu_backend *b)
{
    usb_backend *u = (usb_backend *)b;
    if (!u) return;
    libusb_exit(u->usb);
    free(u);
}

static const dfu_backend_ops usb_backend_ops = {"usb",    usb_enumerate, usb_open,
                                                usb_wait, usb_clock,     usb_free};

int dfu_backend_libusb_new(dfu_backend **out, dfu_ctx *ctx)
{
    usb_backend *u = calloc(1, sizeof(*u));
    if (!u) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory starting libusb");
    int e = libusb_init(&u->usb);
    if (e) {
        free(u);
        return dfu_err(ctx, DFU_ERR_USB, "cannot start libusb: %s (is there a USB subsystem?)",
                       libusb_error_name(e));
    }
    u->base.ops = &usb_backend_ops;
    *out = &u->base;
    return DFU_OK;
}
