/*
 * One libusb device as a dfu_device_info: its DFU interfaces and alternate settings (from the
 * cached configuration descriptor), the DFU functional descriptor, strings and port path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "../proto/descriptor.h"
#include "libusb_internal.h"

#define STRING_TIMEOUT_MS 1000

void dfu_libusb_port_path(libusb_device *dev, char *buf, size_t cap)
{
    uint8_t ports[8];
    int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
    int len = snprintf(buf, cap, "%u", libusb_get_bus_number(dev));
    for (int i = 0; i < n && len > 0 && (size_t)len < cap; i++)
        len += snprintf(buf + len, cap - (size_t)len, "%c%u", i ? '.' : '-', ports[i]);
}

static bool is_dfu(const struct libusb_interface_descriptor *a)
{
    return a->bInterfaceClass == DFU_INTERFACE_CLASS &&
           a->bInterfaceSubClass == DFU_INTERFACE_SUBCLASS;
}

/* The first DFU functional descriptor in a run of descriptors (libusb's "extra" bytes). */
static bool func_in(dfu_ctx *ctx, const uint8_t *p, int len, dfu_func_desc *out)
{
    for (int i = 0; p && i + 2 <= len && p[i] >= 2; i += p[i])
        if (p[i + 1] == DFU_DESC_FUNCTIONAL &&
            !dfu_desc_parse_functional(out, ctx, p + i, (size_t)(len - i)))
            return true;
    return false;
}

/* The functional descriptor follows the interface (usually its last alternate setting); a few
 * devices put it after the configuration descriptor itself. */
static bool find_func_desc(dfu_ctx *ctx, const struct libusb_config_descriptor *cfg,
                           const struct libusb_interface *intf, dfu_func_desc *out)
{
    for (int a = 0; a < intf->num_altsetting; a++)
        if (func_in(ctx, intf->altsetting[a].extra, intf->altsetting[a].extra_length, out))
            return true;
    return func_in(ctx, cfg->extra, cfg->extra_length, out);
}

/* Collects every DFU alternate setting; string indexes go to names[] (freed by the caller). */
static int collect_alts(dfu_ctx *ctx, const struct libusb_config_descriptor *cfg,
                        dfu_device_info *info, uint8_t **names)
{
    size_t n = 0;
    for (int i = 0; i < cfg->bNumInterfaces; i++)
        for (int a = 0; a < cfg->interface[i].num_altsetting; a++)
            n += is_dfu(&cfg->interface[i].altsetting[a]);
    if (!n) return DFU_OK;
    info->alts = calloc(n, sizeof(*info->alts));
    *names = calloc(n, 1);
    if (!info->alts || !*names) return DFU_ERR_NOMEM;
    for (int i = 0; i < cfg->bNumInterfaces; i++) {
        const struct libusb_interface *intf = &cfg->interface[i];
        for (int a = 0; a < intf->num_altsetting; a++) {
            const struct libusb_interface_descriptor *d = &intf->altsetting[a];
            if (!is_dfu(d)) continue;
            if (!info->func.present) find_func_desc(ctx, cfg, intf, &info->func);
            dfu_alt_info *alt = &info->alts[info->alt_count];
            alt->iface = d->bInterfaceNumber;
            alt->alt = d->bAlternateSetting;
            alt->protocol = d->bInterfaceProtocol;
            (*names)[info->alt_count++] = d->iInterface;
        }
    }
    /* Protocol 0 (DFU 1.0) needs the functional descriptor to tell the mode. */
    for (size_t i = 0; i < info->alt_count; i++) {
        dfu_desc_alt a = {info->alts[i].iface, info->alts[i].alt, info->alts[i].protocol, 0};
        if (dfu_desc_alt_mode(&a, &info->func) == DFU_MODE_RUNTIME) info->mode = DFU_MODE_RUNTIME;
    }
    return DFU_OK;
}

/* A string descriptor in the device's first language, as UTF-8; NULL when it has none. utf8:
 * the device sends UTF-8 bytes where UTF-16 belongs (GD32 serials). */
static char *get_string(dfu_ctx *ctx, libusb_device_handle *h, uint16_t langid, uint8_t index,
                        bool utf8)
{
    unsigned char buf[255];
    char *s = NULL;
    if (!index) return NULL;
    int n = libusb_get_string_descriptor(h, index, langid, buf, (int)sizeof(buf));
    if (n > 0) dfu_desc_decode_string(&s, ctx, buf, (size_t)n, utf8);
    return s;
}

static uint16_t first_langid(libusb_device_handle *h)
{
    unsigned char buf[255];
    int n = libusb_get_string_descriptor(h, 0, 0, buf, (int)sizeof(buf));
    return n >= 4 ? (uint16_t)(buf[2] | buf[3] << 8) : 0x0409;
}

/* Asks the device for its functional descriptor (GET_DESCRIPTOR 0x21 to the interface) when the
 * configuration did not carry one. */
static void request_func_desc(dfu_ctx *ctx, libusb_device_handle *h, dfu_device_info *info)
{
    uint8_t buf[64];
    uint8_t type = LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_STANDARD | LIBUSB_RECIPIENT_INTERFACE;
    int n =
        libusb_control_transfer(h, type, LIBUSB_REQUEST_GET_DESCRIPTOR, DFU_DESC_FUNCTIONAL << 8,
                                info->alts[0].iface, buf, sizeof(buf), STRING_TIMEOUT_MS);
    if (n > 0) func_in(ctx, buf, n, &info->func);
}

static int read_strings(dfu_ctx *ctx, libusb_device_handle *h,
                        const struct libusb_device_descriptor *dd, const uint8_t *names,
                        dfu_device_info *info)
{
    uint16_t lang = first_langid(h);
    info->manufacturer = get_string(ctx, h, lang, dd->iManufacturer, false);
    info->product = get_string(ctx, h, lang, dd->iProduct, false);
    info->serial = get_string(ctx, h, lang, dd->iSerialNumber,
                              dfu_desc_string_is_utf8(info->vid, info->pid, info->bcd_device));
    for (size_t i = 0; i < info->alt_count; i++)
        info->alts[i].name = get_string(ctx, h, lang, names[i], false);
    if (!info->func.present) request_func_desc(ctx, h, info);
    return DFU_OK;
}

static int describe_open(dfu_ctx *ctx, libusb_device *dev,
                         const struct libusb_device_descriptor *dd, const uint8_t *names,
                         dfu_device_info *info)
{
    libusb_device_handle *h;
    int e = libusb_open(dev, &h);
    if (e) {
        char msg[DFU_ERROR_MESSAGE_MAX];
        dfu_libusb_message(msg, sizeof(msg), e, info, "cannot read the names of");
        dfu_warn(ctx, "%s", msg);
        return DFU_OK; /* still listed: ids, path and interfaces are known without opening */
    }
    int rc = read_strings(ctx, h, dd, names, info);
    libusb_close(h);
    return rc;
}

static int fill_identity(libusb_device *dev, const struct libusb_device_descriptor *dd,
                         dfu_device_info *info)
{
    char path[64];
    dfu_libusb_port_path(dev, path, sizeof(path));
    info->backend = dfu_strdup("usb");
    info->path = dfu_strdup(path);
    if (!info->backend || !info->path) return DFU_ERR_NOMEM;
    info->vid = dd->idVendor;
    info->pid = dd->idProduct;
    info->bcd_device = dd->bcdDevice;
    info->bus = libusb_get_bus_number(dev);
    info->address = libusb_get_device_address(dev);
    return DFU_OK;
}

int dfu_libusb_describe(dfu_ctx *ctx, libusb_device *dev, dfu_device_info *info)
{
    memset(info, 0, sizeof(*info));
    struct libusb_device_descriptor dd;
    struct libusb_config_descriptor *cfg;
    if (libusb_get_device_descriptor(dev, &dd)) return 0;
    /* The active configuration is the one whose interfaces can be claimed; a device not yet
     * configured (rare) is described by its first. */
    if (libusb_get_active_config_descriptor(dev, &cfg) &&
        libusb_get_config_descriptor(dev, 0, &cfg))
        return 0;
    uint8_t *names = NULL;
    info->mode = DFU_MODE_DFU; /* protocol 2, and DFU 1.0's protocol 0 */
    int rc = collect_alts(ctx, cfg, info, &names);
    libusb_free_config_descriptor(cfg);
    if (!rc && info->alt_count) rc = fill_identity(dev, &dd, info);
    if (!rc && info->alt_count) rc = describe_open(ctx, dev, &dd, names, info);
    free(names);
    if (rc || !info->alt_count) {
        dfu_device_info_clear(info);
        return rc;
    }
    return 1;
}
