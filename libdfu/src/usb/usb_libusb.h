/*
 * The libusb backend: real USB devices through libusb-1.0. Each backend owns its own
 * libusb_context (no global state), so two backends in one process do not share devices, events
 * or options. A transport opened from a backend must be closed before the backend is freed.
 */
#ifndef DFU_USB_LIBUSB_H
#define DFU_USB_LIBUSB_H

#include "transport.h"

/* DFU_ERR_UNSUPPORTED when libdfu was built without libusb; DFU_ERR_USB when libusb cannot
 * start (no USB subsystem, e.g. in a container without /dev/bus/usb). */
int dfu_backend_libusb_new(dfu_backend **out, dfu_ctx *ctx);

#endif
