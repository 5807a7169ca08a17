/*
 * TEMPORARY (until branch `sim` lands libdfu/src/proto/descriptor.c): host-side parsing of the DFU
 * functional descriptor and of USB string descriptors, used by the libusb backend. Replace every
 * caller with the shared helpers after the merge and delete this file and desc_tmp.c.
 */
#ifndef DFU_USB_DESC_TMP_H
#define DFU_USB_DESC_TMP_H

#include <stddef.h>
#include <stdint.h>
#include "libdfu/device.h"

/* Finds the first DFU functional descriptor (type 0x21, bLength >= 7) in a run of descriptors
 * and fills out; false when none. Truncated 7-byte descriptors leave dfu_version 0. */
bool dfu_tmp_find_func_desc(const uint8_t *buf, size_t len, dfu_func_desc *out);
/* A USB string descriptor (bLength, 3, UTF-16LE...) as a malloc'ed UTF-8 string; NULL when
 * malformed or out of memory. Unpaired surrogates become U+FFFD. */
char *dfu_tmp_string_desc_utf8(const uint8_t *desc, size_t len);

#endif
