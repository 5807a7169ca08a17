/* Names of error codes, DFU states, statuses and requests, and the library version. */
#include "internal.h"
#include "libdfu/spec.h"

#ifndef DFU_VERSION_STRING
#define DFU_VERSION_STRING "0.0.0"
#endif

const char *dfu_version(void)
{
    return DFU_VERSION_STRING;
}

const char *dfu_error_name(int code)
{
    static const char *const names[] = {
        "ok",          "generic", "nomem",        "arg",       "io",     "format",
        "unsupported", "exists",  "no-device",    "ambiguous", "access", "busy",
        "stall",       "timeout", "disconnected", "usb",       "device", "protocol",
        "verify",      "refused", "cancelled",    "not-found",
    };
    if (code > 0 || -code >= (int)DFU_ARRAY_SIZE(names)) return "unknown";
    return names[-code];
}

const char *dfu_state_name(int state)
{
    static const char *const names[] = {
        "appIDLE",          "appDETACH",   "dfuIDLE",
        "dfuDNLOAD-SYNC",   "dfuDNBUSY",   "dfuDNLOAD-IDLE",
        "dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET",
        "dfuUPLOAD-IDLE",   "dfuERROR",
    };
    if (state < 0 || state >= (int)DFU_ARRAY_SIZE(names)) return "unknown";
    return names[state];
}

static const struct {
    const char *name;
    const char *description;
} statuses[] = {
    {"OK", "no error condition is present"},
    {"errTARGET", "file is not targeted for use by this device"},
    {"errFILE", "file is for this device but fails some vendor-specific verification test"},
    {"errWRITE", "device is unable to write memory"},
    {"errERASE", "memory erase function failed"},
    {"errCHECK_ERASED", "memory erase check failed"},
    {"errPROG", "program memory function failed"},
    {"errVERIFY", "programmed memory failed verification"},
    {"errADDRESS", "cannot program memory due to received address that is out of range"},
    {"errNOTDONE", "received DFU_DNLOAD with wLength = 0, but device does not think it has all "
                   "of the data yet"},
    {"errFIRMWARE", "device's firmware is corrupt; it cannot return to run-time operations"},
    {"errVENDOR", "iString indicates a vendor-specific error (ST: read protection active)"},
    {"errUSBR", "device detected unexpected USB reset signaling"},
    {"errPOR", "device detected unexpected power on reset"},
    {"errUNKNOWN", "something went wrong, but the device does not know what it was"},
    {"errSTALLEDPKT", "device stalled an unexpected request"},
};

const char *dfu_status_name(int status)
{
    if (status < 0 || status >= (int)DFU_ARRAY_SIZE(statuses)) return "unknown";
    return statuses[status].name;
}

const char *dfu_status_description(int status)
{
    if (status < 0 || status >= (int)DFU_ARRAY_SIZE(statuses)) return "unknown status code";
    return statuses[status].description;
}

const char *dfu_request_name(int request)
{
    static const char *const names[] = {
        "DFU_DETACH",    "DFU_DNLOAD",   "DFU_UPLOAD", "DFU_GETSTATUS",
        "DFU_CLRSTATUS", "DFU_GETSTATE", "DFU_ABORT",
    };
    if (request < 0 || request >= (int)DFU_ARRAY_SIZE(names)) return "unknown";
    return names[request];
}
