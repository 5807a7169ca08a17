/*
 * The transport layer: what the protocol layer uses to talk to a device, and nothing else.
 *
 * A backend enumerates devices, opens one as a transport, and waits for a device to arrive (after
 * a detach, reset or leave it re-enumerates). A transport moves control transfers and selects
 * alternate settings. Every wait in the protocol layer goes through the backend's clock: wall time
 * for real devices, virtual time for the simulator (a sleep advances it instantly).
 *
 * Backends: "usb" (libusb, usb_libusb.c) and "sim" (in-process simulated devices, usb_sim.c).
 */
#ifndef DFU_USB_TRANSPORT_H
#define DFU_USB_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "libdfu/context.h"
#include "libdfu/device.h"
#include "libdfu/spec.h"

/*
 * How often whoever waits on a device is asked whether to go on: the protocol layer's waits
 * (proto/wait.c), a transfer the device holds (dfu_transport.waiting), a backend's wait for a
 * device to arrive (dfu_backend_ops.wait). The "every 100 ms" that context.h and update.h
 * promise the caller's callbacks.
 */
#define DFU_WAIT_ASK_MS 100u

typedef struct dfu_clock dfu_clock;
struct dfu_clock {
    uint64_t (*now_us)(dfu_clock *c);
    void (*sleep_us)(dfu_clock *c, uint64_t us);
};

static inline uint64_t dfu_clock_now(dfu_clock *c)
{
    return c->now_us(c);
}
static inline void dfu_clock_sleep(dfu_clock *c, uint64_t us)
{
    c->sleep_us(c, us);
}

/* The process's monotonic wall clock (stateless, shared). */
dfu_clock *dfu_clock_wall(void);

/* A virtual clock: now starts at 0, sleep advances it without waiting. */
typedef struct dfu_virtual_clock {
    dfu_clock base;
    uint64_t now;
} dfu_virtual_clock;
void dfu_virtual_clock_init(dfu_virtual_clock *c);

typedef struct dfu_transport dfu_transport;
typedef struct dfu_transport_ops {
    /*
     * One control transfer. data holds wLength bytes (OUT) or room for them (IN). Returns the
     * bytes moved (>= 0) or DFU_ERR_STALL, DFU_ERR_TIMEOUT, DFU_ERR_DISCONNECTED, DFU_ERR_USB.
     * Records no error message: the caller knows what the failure means.
     */
    int (*control)(dfu_transport *t, const dfu_usb_setup *setup, uint8_t *data,
                   unsigned timeout_ms);
    /* Claims interface (once) and selects the alternate setting. */
    int (*set_alt)(dfu_transport *t, uint8_t iface, uint8_t alt);
    /* USB reset. DFU_ERR_DISCONNECTED when the device re-enumerates as a result (expected). */
    int (*reset)(dfu_transport *t);
    void (*close)(dfu_transport *t);
} dfu_transport_ops;

struct dfu_transport {
    const dfu_transport_ops *ops;
    dfu_clock *clock;
    /*
     * Asked at least every DFU_WAIT_ASK_MS while a transfer takes longer (a device that holds it
     * until an operation ends, or never answers); non-zero abandons the transfer with
     * DFU_ERR_CANCELLED, and the device may still act on the request. NULL (as a transport is
     * made): never asked.
     */
    int (*waiting)(void *arg);
    void *waiting_arg;
};

typedef bool (*dfu_match_fn)(const dfu_device_info *info, void *arg);

typedef struct dfu_backend dfu_backend;
typedef struct dfu_backend_ops {
    const char *name; /* "usb", "sim" */
    /* Every DFU-capable device present now (run-time and DFU mode). */
    int (*enumerate)(dfu_backend *b, dfu_ctx *ctx, dfu_device_info **list, size_t *count);
    int (*open)(dfu_backend *b, dfu_ctx *ctx, const dfu_device_info *info, dfu_transport **out);
    /*
     * Waits until a device for which match() returns true is present and fills *out. Uses
     * hotplug events or short polls on the backend's clock, never a fixed sleep; DFU_ERR_TIMEOUT
     * after timeout_ms. Asks stop(stop_arg) at least every DFU_WAIT_ASK_MS of the wait (NULL:
     * nobody to ask): non-zero ends it with DFU_ERR_CANCELLED.
     */
    int (*wait)(dfu_backend *b, dfu_ctx *ctx, dfu_match_fn match, void *arg, unsigned timeout_ms,
                int (*stop)(void *), void *stop_arg, dfu_device_info *out);
    dfu_clock *(*clock)(dfu_backend *b);
    void (*free)(dfu_backend *b);
} dfu_backend_ops;

struct dfu_backend {
    const dfu_backend_ops *ops;
};

/* Frees an array returned by enumerate. */
void dfu_device_info_list_free(dfu_device_info *list, size_t count);

#endif
