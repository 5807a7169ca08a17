/*
 * Picking devices: the backend a selector implies, exactly one device for a selector, and the
 * match that follows a device across re-enumeration.
 *
 * Identity across a detach, reset or leave is the USB port path, never the serial number: STM32
 * ROM serials are not unique, and a device may change ids and serial when it changes mode.
 */
#ifndef DFU_USB_SELECT_H
#define DFU_USB_SELECT_H

#include <stddef.h>
#include "transport.h"

/* The backend for sel (NULL: libusb): the in-process simulator for "sim:" selectors. */
int dfu_backend_for_selector(dfu_backend **out, dfu_ctx *ctx, const dfu_selector *sel);

/*
 * The one device that b enumerates and sel matches (NULL: any), copied into *out.
 * DFU_ERR_NO_DEVICE: none, saying what was looked for and how many DFU devices were seen.
 * DFU_ERR_AMBIGUOUS: several, the message listing each (port path, VID:PID, serial, mode) so the
 * user can pick one with path=.
 */
int dfu_select_one(dfu_backend *b, dfu_ctx *ctx, const dfu_selector *sel, dfu_device_info *out);

/* The matches of sel among list (indexes into list, malloc'ed; *n may be 0 with NULL). */
int dfu_select_matches(const dfu_device_info *list, size_t count, const dfu_selector *sel,
                       size_t **idx, size_t *n);

/* The text the selector was parsed from ("" for NULL). */
const char *dfu_selector_text(const dfu_selector *sel);

/* dfu_match_fn for wait(): arg is the port path (const char *); the device must be back at that
 * path and in DFU mode. */
bool dfu_match_path_dfu_mode(const dfu_device_info *info, void *arg);

/* dfu_match_fn for wait(): arg is a const dfu_selector *. */
bool dfu_match_selector(const dfu_device_info *info, void *arg);

/* "path=1-1.4 0483:df11 serial=XYZ DFU mode" (what a user types to pick it, and what it is). */
void dfu_device_describe(const dfu_device_info *info, char *buf, size_t cap);

#endif
