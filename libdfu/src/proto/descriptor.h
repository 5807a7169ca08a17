/*
 * Host-side parsing of the USB descriptors DFU needs: the device descriptor, the DFU interfaces
 * and alternate settings of a configuration descriptor with their functional descriptor, and
 * string descriptors. Written for what devices really send: truncated 7-byte functional
 * descriptors, wTransferSize 0 or 0xffff, string descriptors whose bLength lies, UTF-8 where
 * UTF-16 belongs. Nothing here reads past the buffer it is given.
 */
#ifndef DFU_PROTO_DESCRIPTOR_H
#define DFU_PROTO_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "libdfu/context.h"
#include "libdfu/device.h"

#define DFU_DESC_DEVICE        0x01
#define DFU_DESC_CONFIGURATION 0x02
#define DFU_DESC_STRING        0x03
#define DFU_DESC_INTERFACE     0x04
#define DFU_DESC_MAX_ALTS      64

typedef struct dfu_desc_device {
    uint16_t bcd_usb, vid, pid, bcd_device;
    uint8_t max_packet0, i_manufacturer, i_product, i_serial, num_configurations;
} dfu_desc_device;

/* A DFU alternate setting (class 0xFE, subclass 1, protocol 0, 1 or 2). */
typedef struct dfu_desc_alt {
    uint8_t iface, alt, protocol, i_interface;
} dfu_desc_alt;

typedef struct dfu_desc_config {
    uint8_t config_value;
    size_t alt_count;
    dfu_desc_alt alts[DFU_DESC_MAX_ALTS];
    dfu_func_desc func; /* of the first DFU interface; present = false when it has none */
} dfu_desc_config;

/* DFU_ERR_PROTOCOL, naming the offset, for anything malformed. */
int dfu_desc_parse_device(dfu_desc_device *out, dfu_ctx *ctx, const uint8_t *p, size_t len);
/* A functional descriptor: bLength 9, or 7 (DFU 1.0, no bcdDFUVersion: dfu_version 0). */
int dfu_desc_parse_functional(dfu_func_desc *out, dfu_ctx *ctx, const uint8_t *p, size_t len);
/* A whole configuration descriptor (up to wTotalLength or len, whichever is shorter). A
 * descriptor of type 0x21 counts only inside a DFU interface (HID uses the same number). */
int dfu_desc_parse_config(dfu_desc_config *out, dfu_ctx *ctx, const uint8_t *p, size_t len);
/* A string descriptor to a malloc'ed UTF-8 string: UTF-16LE as USB says, or the raw bytes
 * when utf8 is set (devices that send UTF-8, see dfu_desc_string_is_utf8). A bLength larger
 * than what arrived is clamped; invalid code units become U+FFFD; U+0000 ends the string. */
int dfu_desc_decode_string(char **out, dfu_ctx *ctx, const uint8_t *p, size_t len, bool utf8);
/* Devices known to send UTF-8 string descriptors (GD32VF103 ROM, 28e9:0189). */
bool dfu_desc_string_is_utf8(uint16_t vid, uint16_t pid, uint16_t bcd);
/* The mode an alternate setting is in (DFU 1.0 devices use protocol 0 for both; DfuSe ones
 * with protocol 0 are in DFU mode, as dfu-util decides). */
dfu_mode dfu_desc_alt_mode(const dfu_desc_alt *alt, const dfu_func_desc *func);

#endif
