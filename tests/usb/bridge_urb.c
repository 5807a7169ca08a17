/*
 * The usbfs ioctls of one plugged device, answered on umockdev's ioctl thread. Control URBs run
 * on the simulated device when submitted and are reaped once due; the handler never blocks.
 * Once the device is gone, queued URBs are still reaped (with -ESHUTDOWN, as the kernel does with
 * USBDEVFS_CAP_REAP_AFTER_DISCONNECT: libusb only learns of a disconnect that way or from the
 * "remove" uevent) and everything else fails with ENODEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge_internal.h"

#define FIFO_PAGE 4096

void plug_update_fifo(plug *p, uint64_t wall)
{
    static char page[FIFO_PAGE];
    bool want = false;
    for (urb *u = p->urbs; u && !want; u = u->next)
        want = u->done_wall <= wall && umockdev_ioctl_client_get_connected(u->client);
    if (want == p->drained || p->fifo < 0) return;
    /* Page-sized reads and writes keep the pipe exactly full or one page short of it. */
    ssize_t n = want ? read(p->fifo, page, FIFO_PAGE) : write(p->fifo, page, FIFO_PAGE);
    if (n == FIFO_PAGE) p->drained = want;
}

uint64_t plug_next_due(const plug *p)
{
    uint64_t next = UINT64_MAX;
    for (const urb *u = p->urbs; u; u = u->next)
        if (u->done_wall < next && umockdev_ioctl_client_get_connected(u->client))
            next = u->done_wall;
    return next;
}

static void urb_free(urb *u)
{
    g_object_unref(u->buf_data);
    g_object_unref(u->urb_data);
    g_object_unref(u->client);
    free(u);
}

void plug_free_urbs(plug *p)
{
    while (p->urbs) {
        urb *u = p->urbs;
        p->urbs = u->next;
        urb_free(u);
    }
}

void plug_fail_all(plug *p, int status)
{
    for (urb *u = p->urbs; u; u = u->next) {
        if (u->done_wall <= sim_usb_wall_us()) continue; /* already complete: keeps its result */
        u->status = status;
        u->actual = 0;
        u->done_wall = 0;
    }
}

static void finish(UMockdevIoctlClient *c, long result, int err)
{
    umockdev_ioctl_client_complete(c, result, err);
}

static UMockdevIoctlData *arg_struct(UMockdevIoctlClient *c, size_t len)
{
    return umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(c), 0, len, NULL);
}

static void capabilities(UMockdevIoctlClient *c)
{
    UMockdevIoctlData *d = arg_struct(c, sizeof(uint32_t));
    uint32_t caps = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                    USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
    memcpy(d->data, &caps, sizeof(caps));
    g_object_unref(d);
    finish(c, 0, 0);
}

static void set_interface(plug *p, UMockdevIoctlClient *c)
{
    UMockdevIoctlData *d = arg_struct(c, sizeof(struct usbdevfs_setinterface));
    struct usbdevfs_setinterface si;
    memcpy(&si, d->data, sizeof(si));
    g_object_unref(d);
    int rc = dfu_sim_set_interface(p->dev->sim, sim_dev_now(p->dev), (uint8_t)si.interface,
                                   (uint8_t)si.altsetting);
    sim_usb_wake(p->dev->bridge);
    if (rc == DFU_ERR_DISCONNECTED)
        finish(c, -1, ENODEV);
    else
        finish(c, rc ? -1 : 0, rc ? EINVAL : 0); /* the kernel's answer to a missing alt */
}

static void set_configuration(plug *p, UMockdevIoctlClient *c)
{
    UMockdevIoctlData *d = arg_struct(c, sizeof(int));
    int value;
    memcpy(&value, d->data, sizeof(value));
    g_object_unref(d);
    int rc = value < 0 ? 0 : sim_dev_configure(p->dev, (uint8_t)value);
    finish(c, rc ? -1 : 0, rc == DFU_ERR_DISCONNECTED ? ENODEV : rc ? EPIPE : 0);
}

/* USBDEVFS_RESET: ENODEV when the device re-enumerates (what the kernel answers; libusb then
 * says LIBUSB_ERROR_NOT_FOUND). */
static void reset(plug *p, UMockdevIoctlClient *c)
{
    sim_dev *d = p->dev;
    dfu_sim_bus_reset(d->sim, sim_dev_now(d));
    dfu_sim_bus bus;
    dfu_sim_bus_status(d->sim, sim_dev_now(d), &bus);
    bool leaves = !bus.present || bus.generation != d->generation;
    if (leaves) p->gone = true; /* the service thread unplugs it */
    sim_usb_wake(d->bridge);
    finish(c, leaves ? -1 : 0, leaves ? ENODEV : 0);
}

static int status_of(int result)
{
    switch (result) {
    case DFU_ERR_STALL: return -EPIPE;
    case DFU_ERR_DISCONNECTED: return -ESHUTDOWN;
    default: return -EPROTO; /* a transfer error on the wire */
    }
}

/* Runs the transfer on the device now; it completes when the device says. */
static void run_control(sim_dev *d, urb *u, uint8_t *buf, size_t len)
{
    dfu_usb_setup s = {buf[0], buf[1], (uint16_t)(buf[2] | buf[3] << 8),
                       (uint16_t)(buf[4] | buf[5] << 8), (uint16_t)(buf[6] | buf[7] << 8)};
    if (s.wLength > len - 8) s.wLength = (uint16_t)(len - 8);
    uint64_t now = sim_dev_now(d), wall = sim_usb_wall_us();
    dfu_sim_xfer x;
    dfu_sim_control(d->sim, now, &s, buf + 8, &x);
    if (x.done_us > now && !d->realtime) {
        d->skipped_us += x.done_us - now; /* busy time passes at once */
        x.done_us = now;
    }
    u->done_wall = x.done_us > now ? wall + (x.done_us - now) : wall;
    u->status = x.result >= 0 ? 0 : status_of(x.result);
    u->actual = x.result >= 0 ? x.result : 0;
    if (d->bridge->verbose)
        fprintf(stderr, "dfu-sim-usb: %s: %02x %02x %04x %04x %04x -> %d%s\n", d->path,
                s.bmRequestType, s.bRequest, s.wValue, s.wIndex, s.wLength, x.result,
                u->done_wall > wall ? " (held)" : "");
}

static void submit(plug *p, UMockdevIoctlClient *c)
{
    UMockdevIoctlData *ud = arg_struct(c, sizeof(struct usbdevfs_urb));
    struct usbdevfs_urb *x = ud ? (struct usbdevfs_urb *)ud->data : NULL;
    if (!x || x->type != USBDEVFS_URB_TYPE_CONTROL || x->buffer_length < 8) {
        if (ud) g_object_unref(ud);
        finish(c, -1, EINVAL); /* only endpoint 0 exists */
        return;
    }
    UMockdevIoctlData *bd = umockdev_ioctl_data_resolve(ud, offsetof(struct usbdevfs_urb, buffer),
                                                        (size_t)x->buffer_length, NULL);
    urb *u = calloc(1, sizeof(*u));
    if (!bd || !u) {
        if (bd) g_object_unref(bd);
        g_object_unref(ud);
        free(u);
        finish(c, -1, ENOMEM);
        return;
    }
    u->client = g_object_ref(c);
    u->urb_data = ud;
    u->buf_data = bd;
    run_control(p->dev, u, bd->data, (size_t)bd->data_len);
    urb **tail = &p->urbs;
    while (*tail) tail = &(*tail)->next;
    *tail = u;
    plug_update_fifo(p, sim_usb_wall_us());
    sim_usb_wake(p->dev->bridge); /* a later completion, or a device that left */
    finish(c, 0, 0);
}

static urb *take_reapable(plug *p, UMockdevIoctlClient *c)
{
    uint64_t wall = sim_usb_wall_us();
    for (urb **pp = &p->urbs; *pp; pp = &(*pp)->next) {
        urb *u = *pp;
        if (u->client != c || u->done_wall > wall) continue;
        *pp = u->next;
        return u;
    }
    return NULL;
}

static void reap(plug *p, UMockdevIoctlClient *c)
{
    urb *u = take_reapable(p, c);
    plug_update_fifo(p, sim_usb_wall_us());
    if (!u) {
        finish(c, -1, p->gone ? ENODEV : EAGAIN);
        return;
    }
    struct usbdevfs_urb *x = (struct usbdevfs_urb *)u->urb_data->data;
    x->status = u->status;
    x->actual_length = u->actual;
    UMockdevIoctlData *ptr = arg_struct(c, sizeof(void *));
    umockdev_ioctl_data_set_ptr(ptr, 0, u->urb_data);
    g_object_unref(ptr);
    urb_free(u);
    finish(c, 0, 0);
}

static void discard(plug *p, UMockdevIoctlClient *c)
{
    unsigned long addr;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
    memcpy(&addr, arg->data, sizeof(addr)); /* the URB's address itself, not a pointer to it */
    uint64_t wall = sim_usb_wall_us();
    for (urb *u = p->urbs; u; u = u->next) {
        if (u->client != c || u->urb_data->client_addr != addr) continue;
        if (u->done_wall > wall) { /* still in flight: cancelled */
            u->status = -ENOENT;
            u->actual = 0;
            u->done_wall = wall;
        }
        plug_update_fifo(p, wall);
        finish(c, 0, 0);
        return;
    }
    finish(c, -1, EINVAL); /* already reaped */
}

static void dispatch(plug *p, UMockdevIoctlClient *c, unsigned long req)
{
    switch (req) {
    case USBDEVFS_GET_CAPABILITIES: capabilities(c); return;
    case USBDEVFS_SETCONFIGURATION: set_configuration(p, c); return;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP: finish(c, 0, 0); return;
    case USBDEVFS_GETDRIVER: finish(c, -1, ENODATA); return; /* no kernel driver bound */
    case USBDEVFS_SETINTERFACE: set_interface(p, c); return;
    case USBDEVFS_RESET: reset(p, c); return;
    case USBDEVFS_SUBMITURB: submit(p, c); return;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: reap(p, c); return;
    case USBDEVFS_DISCARDURB: discard(p, c); return;
    default: finish(c, -1, ENOTTY);
    }
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer data)
{
    (void)h;
    plug *p = data;
    sim_usb *b = p->dev->bridge;
    unsigned long req = umockdev_ioctl_client_get_request(c);
    pthread_mutex_lock(&b->lock);
    if (!p->gone)
        dispatch(p, c, req);
    else if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY)
        reap(p, c); /* what was in flight, then ENODEV */
    else
        finish(c, -1, ENODEV);
    pthread_mutex_unlock(&b->lock);
    return TRUE;
}

void plug_connect_handler(plug *p)
{
    g_signal_connect(p->handler, "handle-ioctl", G_CALLBACK(on_ioctl), p);
}
