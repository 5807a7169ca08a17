/*
 * libusb errors as libdfu errors, with messages a user can act on: each names the device (ids
 * and port path) and, where there is something to do about it, says what.
 */
#include <stdio.h>

#include "../core/internal.h"
#include "libusb_internal.h"

int dfu_libusb_code(int e)
{
    switch (e) {
    case LIBUSB_SUCCESS: return DFU_OK;
    case LIBUSB_ERROR_PIPE: return DFU_ERR_STALL;
    case LIBUSB_ERROR_TIMEOUT: return DFU_ERR_TIMEOUT;
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND: return DFU_ERR_DISCONNECTED;
    case LIBUSB_ERROR_ACCESS: return DFU_ERR_ACCESS;
    case LIBUSB_ERROR_BUSY: return DFU_ERR_BUSY;
    case LIBUSB_ERROR_NO_MEM: return DFU_ERR_NOMEM;
    case LIBUSB_ERROR_NOT_SUPPORTED: return DFU_ERR_UNSUPPORTED;
    case LIBUSB_ERROR_INTERRUPTED: return DFU_ERR_CANCELLED;
    default: return DFU_ERR_USB;
    }
}

/* What the user can do about e on this platform; "" when nothing specific. */
static const char *advice(int e)
{
    switch (e) {
    case LIBUSB_ERROR_ACCESS:
#if defined(__linux__)
        return ": permission denied. Install libdfu's udev rule (70-libdfu.rules, from "
               "packaging/udev/ in the source tree; `cmake --install` puts it in "
               "lib/udev/rules.d) into /etc/udev/rules.d/, run `sudo udevadm control --reload "
               "&& sudo udevadm trigger`, then unplug and replug the device; or run as root";
#elif defined(_WIN32)
        return ": access denied. The device needs the WinUSB driver (install it with Zadig) "
               "and must not be open in another program";
#else
        return ": permission denied. Run with the privileges needed to open USB devices";
#endif
    case LIBUSB_ERROR_BUSY:
        return ": the interface is held by another driver or program (close other DFU tools, "
               "e.g. dfu-util, STM32CubeProgrammer, a serial terminal, and try again)";
    case LIBUSB_ERROR_NO_DEVICE:
    case LIBUSB_ERROR_NOT_FOUND: return ": the device disappeared (unplugged or re-enumerated)";
    case LIBUSB_ERROR_TIMEOUT: return ": the device did not answer in time";
    case LIBUSB_ERROR_PIPE: return ": the device stalled the request";
    default: return "";
    }
}

#ifdef _WIN32
/* libusb on Windows says NOT_SUPPORTED when the device has no WinUSB-compatible driver. */
static void winusb_message(char *buf, size_t cap, const dfu_device_info *info, const char *what,
                           int intf)
{
    snprintf(buf, cap,
             "%s %04x:%04x at %s: Windows has no WinUSB driver bound to it: install WinUSB "
             "with Zadig for %04x:%04x interface %d (in DFU mode the device has other ids: "
             "repeat for them)",
             what, info->vid, info->pid, info->path ? info->path : "?", info->vid, info->pid, intf);
}
#endif

void dfu_libusb_message(char *buf, size_t cap, int e, const dfu_device_info *info, const char *what)
{
#ifdef _WIN32
    if (e == LIBUSB_ERROR_NOT_SUPPORTED) {
        winusb_message(buf, cap, info, what, info->alt_count ? info->alts[0].iface : 0);
        return;
    }
#endif
    snprintf(buf, cap, "%s %04x:%04x at %s (bus %u, device %u): %s%s", what, info->vid, info->pid,
             info->path ? info->path : "?", info->bus, info->address, libusb_error_name(e),
             advice(e));
}

int dfu_libusb_err(dfu_ctx *ctx, int e, const dfu_device_info *info, const char *what)
{
    char msg[DFU_ERROR_MESSAGE_MAX];
    dfu_libusb_message(msg, sizeof(msg), e, info, what);
    return dfu_err(ctx, dfu_libusb_code(e), "%s", msg);
}
