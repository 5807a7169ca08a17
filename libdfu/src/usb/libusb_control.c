/*
 * A control transfer that the caller can abandon. libusb_control_transfer() blocks until the
 * device answers or the timeout passes, and an STM32 ROM holds the status request through a
 * whole erase (32 s for a mass erase): nothing could stop it. This is the same transfer made
 * with libusb's asynchronous calls, handling events in steps and asking in between, as the
 * transport's `waiting` field says.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "libusb_internal.h"

#define ASK_EVERY_US (DFU_WAIT_ASK_MS * 1000u)

static void LIBUSB_CALL on_done(struct libusb_transfer *x)
{
    *(int *)x->user_data = 1;
}

/* Asks libusb to cancel x: true once that is under way or x is no longer in flight. Until then
 * the transfer runs on to its timeout. */
static bool cancel(struct libusb_transfer *x)
{
    int e = libusb_cancel_transfer(x);
    return e == 0 || e == LIBUSB_ERROR_NOT_FOUND;
}

/* Handles events until the transfer is done, cancelling it when asked to (true then) or when
 * event handling fails (as libusb_control_transfer() does). A cancel libusb refuses is asked for
 * again at every step: the transfer is abandoned all the same, and reported so. */
static bool wait_done(libusb_context *usb, struct libusb_transfer *x, int *done,
                      int (*waiting)(void *), void *arg)
{
    dfu_clock *clock = dfu_clock_wall();
    uint64_t asked = dfu_clock_now(clock);
    bool failed = false, abandoned = false, cancel_sent = false;
    while (!*done) {
        struct timeval tv = {0, ASK_EVERY_US};
        int e = libusb_handle_events_timeout_completed(usb, &tv, done);
        if (e < 0 && e != LIBUSB_ERROR_INTERRUPTED) failed = true;
        uint64_t now = dfu_clock_now(clock);
        if (!*done && !failed && !abandoned && waiting && now - asked >= ASK_EVERY_US) {
            asked = now;
            /* The device keeps what it was sent: a held request is acted on when it is done. */
            abandoned = waiting(arg) != 0;
        }
        if (!*done && (failed || abandoned) && !cancel_sent) cancel_sent = cancel(x);
    }
    return abandoned;
}

static int outcome(const struct libusb_transfer *x, bool abandoned, uint8_t *data, bool in)
{
    switch (x->status) {
    case LIBUSB_TRANSFER_COMPLETED:
        if (in && x->actual_length > 0)
            memcpy(data, x->buffer + LIBUSB_CONTROL_SETUP_SIZE, (size_t)x->actual_length);
        return x->actual_length;
    /* Abandoned, whether libusb cancelled it or it ran on to its timeout. */
    case LIBUSB_TRANSFER_TIMED_OUT: return abandoned ? DFU_ERR_CANCELLED : DFU_ERR_TIMEOUT;
    case LIBUSB_TRANSFER_STALL: return DFU_ERR_STALL;
    case LIBUSB_TRANSFER_NO_DEVICE: return DFU_ERR_DISCONNECTED;
    case LIBUSB_TRANSFER_CANCELLED: return abandoned ? DFU_ERR_CANCELLED : DFU_ERR_USB;
    default: return DFU_ERR_USB;
    }
}

int dfu_libusb_control(libusb_context *usb, libusb_device_handle *h, const dfu_usb_setup *s,
                       uint8_t *data, unsigned timeout_ms, int (*waiting)(void *), void *arg)
{
    bool in = (s->bmRequestType & LIBUSB_ENDPOINT_IN) != 0;
    uint8_t *buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)s->wLength);
    struct libusb_transfer *x = libusb_alloc_transfer(0);
    if (!buf || !x) {
        free(buf);
        libusb_free_transfer(x);
        return DFU_ERR_NOMEM;
    }
    libusb_fill_control_setup(buf, s->bmRequestType, s->bRequest, s->wValue, s->wIndex, s->wLength);
    if (!in && s->wLength) memcpy(buf + LIBUSB_CONTROL_SETUP_SIZE, data, s->wLength);
    int done = 0;
    libusb_fill_control_transfer(x, h, buf, on_done, &done, timeout_ms);
    int rc = libusb_submit_transfer(x);
    if (rc == 0)
        rc = outcome(x, wait_done(usb, x, &done, waiting, arg), data, in);
    else
        rc = dfu_libusb_code(rc);
    libusb_free_transfer(x);
    free(buf);
    return rc;
}
