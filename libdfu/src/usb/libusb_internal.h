/* Pieces of the libusb backend shared by its files (usb_libusb.c, libusb_*.c). */
#ifndef DFU_USB_LIBUSB_INTERNAL_H
#define DFU_USB_LIBUSB_INTERNAL_H

#include <libusb.h>

#include "transport.h"

/*
 * Describes dev into info when it has a DFU interface (returns 1), else returns 0 and leaves
 * info empty. Strings and missing functional descriptors need the device opened; when that fails
 * (permissions, another driver) the description is still returned without them and the reason is
 * logged as a warning with what to do. Negative: DFU_ERR_NOMEM.
 */
int dfu_libusb_describe(dfu_ctx *ctx, libusb_device *dev, dfu_device_info *info);

/* "1-1.4": bus number and the port numbers from libusb_get_port_numbers. */
void dfu_libusb_port_path(libusb_device *dev, char *buf, size_t cap);

/* The dfu_error for a libusb error code (PIPE = stall, NO_DEVICE = disconnected, ...). */
int dfu_libusb_code(int libusb_err);

/*
 * Records an error for a libusb failure while doing `what` (e.g. "open", "claim interface 0")
 * on the device info describes, with the device's path and ids and, where the user can act on
 * it, what to do: install the udev rule (permission denied on Linux), free the device from the
 * other driver or program (busy), install WinUSB with Zadig (Windows, not supported).
 * Returns the dfu_error.
 */
int dfu_libusb_err(dfu_ctx *ctx, int libusb_err, const dfu_device_info *info, const char *what);

/* The same message, formatted into buf (for warnings during enumeration). */
void dfu_libusb_message(char *buf, size_t cap, int libusb_err, const dfu_device_info *info,
                        const char *what);

/* Opens a transport on an already opened handle (takes ownership of it) of the context usb. */
int dfu_libusb_transport_new(dfu_transport **out, dfu_ctx *ctx, libusb_context *usb,
                             libusb_device_handle *h, const dfu_device_info *info);

/* One control transfer, as libusb_control_transfer() makes it, asking waiting(arg) every
 * DFU_WAIT_ASK_MS while it lasts (waiting NULL: nobody to ask): non-zero abandons it
 * (DFU_ERR_CANCELLED). Returns the bytes moved or a dfu_error, recording no message. */
int dfu_libusb_control(libusb_context *usb, libusb_device_handle *h, const dfu_usb_setup *s,
                       uint8_t *data, unsigned timeout_ms, int (*waiting)(void *), void *arg);

#endif
