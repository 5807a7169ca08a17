/*
 * Constants of USB DFU 1.1 and ST's DfuSe dialect (AN3156), shared by the host side and the
 * simulated devices. Names follow the specification so logs match what people search for.
 */
#ifndef LIBDFU_SPEC_H
#define LIBDFU_SPEC_H

#include <stdint.h>
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Class requests (DFU 1.1 section 3). */
enum dfu_request {
    DFU_DETACH = 0x00,
    DFU_DNLOAD = 0x01,
    DFU_UPLOAD = 0x02,
    DFU_GETSTATUS = 0x03,
    DFU_CLRSTATUS = 0x04,
    DFU_GETSTATE = 0x05,
    DFU_ABORT = 0x06,
};

/* bmRequestType of class requests to an interface. */
#define DFU_REQTYPE_OUT 0x21
#define DFU_REQTYPE_IN  0xA1

/* bState values (DFU 1.1 6.1.2). */
typedef enum dfu_state {
    DFU_STATE_APP_IDLE = 0,
    DFU_STATE_APP_DETACH = 1,
    DFU_STATE_DFU_IDLE = 2,
    DFU_STATE_DNLOAD_SYNC = 3,
    DFU_STATE_DNBUSY = 4,
    DFU_STATE_DNLOAD_IDLE = 5,
    DFU_STATE_MANIFEST_SYNC = 6,
    DFU_STATE_MANIFEST = 7,
    DFU_STATE_MANIFEST_WAIT_RESET = 8,
    DFU_STATE_UPLOAD_IDLE = 9,
    DFU_STATE_ERROR = 10,
} dfu_state;

/* bStatus values (DFU 1.1 6.1.2). */
typedef enum dfu_status {
    DFU_STATUS_OK = 0x00,
    DFU_STATUS_ERR_TARGET = 0x01,
    DFU_STATUS_ERR_FILE = 0x02,
    DFU_STATUS_ERR_WRITE = 0x03,
    DFU_STATUS_ERR_ERASE = 0x04,
    DFU_STATUS_ERR_CHECK_ERASED = 0x05,
    DFU_STATUS_ERR_PROG = 0x06,
    DFU_STATUS_ERR_VERIFY = 0x07,
    DFU_STATUS_ERR_ADDRESS = 0x08,
    DFU_STATUS_ERR_NOTDONE = 0x09,
    DFU_STATUS_ERR_FIRMWARE = 0x0A,
    DFU_STATUS_ERR_VENDOR = 0x0B,
    DFU_STATUS_ERR_USBR = 0x0C,
    DFU_STATUS_ERR_POR = 0x0D,
    DFU_STATUS_ERR_UNKNOWN = 0x0E,
    DFU_STATUS_ERR_STALLEDPKT = 0x0F,
} dfu_status;

/* bmAttributes of the DFU functional descriptor (DFU 1.1 table 4.2). */
#define DFU_ATTR_CAN_DNLOAD             0x01
#define DFU_ATTR_CAN_UPLOAD             0x02
#define DFU_ATTR_MANIFESTATION_TOLERANT 0x04
#define DFU_ATTR_WILL_DETACH            0x08
#define DFU_ATTR_ST_CAN_ACCELERATE      0x80 /* ST-specific, DfuSe */

/* Descriptor and interface codes. */
#define DFU_DESC_FUNCTIONAL    0x21
#define DFU_INTERFACE_CLASS    0xFE
#define DFU_INTERFACE_SUBCLASS 0x01
#define DFU_PROTOCOL_RUNTIME   0x01
#define DFU_PROTOCOL_DFU       0x02
#define DFU_VERSION_DFUSE      0x011A

/* DfuSe commands: first byte of a DNLOAD with wBlockNum 0 (AN3156 section 5). */
enum dfuse_command {
    DFUSE_CMD_GET_COMMANDS = 0x00,
    DFUSE_CMD_SET_ADDRESS = 0x21,
    DFUSE_CMD_ERASE = 0x41,
    DFUSE_CMD_READ_UNPROTECT = 0x92,
};
/* Data blocks start at wBlockNum 2: address = pointer + (wBlockNum - 2) * wTransferSize. */
#define DFUSE_FIRST_DATA_BLOCK 2

/* A USB control request's setup packet, in host byte order. */
typedef struct dfu_usb_setup {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint16_t wValue;
    uint16_t wIndex;
    uint16_t wLength;
} dfu_usb_setup;

/* "dfuIDLE", "errWRITE", ...; "unknown" outside the range. */
DFU_API const char *dfu_state_name(int state);
DFU_API const char *dfu_status_name(int status);
/* One-line meaning of a status, from the specification's table. */
DFU_API const char *dfu_status_description(int status);
DFU_API const char *dfu_request_name(int request);

#ifdef __cplusplus
}
#endif
#endif
