/* Loading the firmware file of a device command. */
#include <stdio.h>

#include "image_load.h"
#include "printable.h"

static int load(cli_out *out, const char *path, const char *format, uint32_t base, dfu_image **img)
{
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.base_address = base;
    if (format && dfu_format_from_name(&lo.format, format))
        return cli_usage_error(out, "unknown format '%s'", format);
    int rc = dfu_image_load(img, out->ctx, path, &lo);
    return rc ? cli_report_error(out, rc, EXIT_BAD_FILE) : EXIT_OK;
}

/* Where the selected alternate setting's memory can first be written: an example address. */
static uint32_t first_writable(const dfu_device *dev)
{
    const dfu_layout *l = dfu_device_layout(dev, dfu_device_alt(dev));
    for (size_t i = 0; l && i < l->group_count; i++)
        if (l->groups[i].access & DFU_MEM_WRITABLE) return l->groups[i].address;
    return 0x08000000;
}

int cli_place_raw(cli_out *out, const char *path, const char *format, bool has_address,
                  dfu_device *dev, dfu_image **img)
{
    dfu_format f = dfu_image_format(*img);
    if ((f != DFU_FORMAT_BIN && f != DFU_FORMAT_DFU) || has_address) return EXIT_OK;
    if (dfu_device_is_dfuse(dev))
        return cli_usage_error(out,
                               "%s is a raw binary and a DfuSe device needs an address: give "
                               "--address (for example --address 0x%08x)",
                               path, first_writable(dev));
    uint32_t base;
    if (!dfu_device_app_base(dev, &base)) return EXIT_OK; /* DFU 1.1: the device decides */
    dfu_image_free(*img);
    *img = NULL;
    return load(out, path, format, base, img);
}

static int check_address_option(cli_out *out, const char *path, bool has_address,
                                const dfu_image *img)
{
    dfu_format f = dfu_image_format(img);
    /* Only a raw binary can be placed; silently writing a HEX file where it says, when the user
     * asked for another address, would surprise (convert, which cannot harm, only warns). */
    if (!has_address || f == DFU_FORMAT_BIN || f == DFU_FORMAT_DFU) return EXIT_OK;
    return cli_usage_error(out,
                           "--address places a raw binary, but %s (%s) says where its data goes: "
                           "drop --address",
                           path, dfu_format_name(f));
}

static int check_alt_option(cli_out *out, const char *path, const char *alt, const dfu_image *img)
{
    if (!alt) return EXIT_OK;
    char names[512] = "";
    size_t len = 0, named = 0;
    for (size_t t = 0; t < dfu_image_target_count(img); t++) {
        int a = dfu_image_target_alt(img, t);
        if (a < 0) continue;
        const char *name = dfu_image_target_name(img, t);
        char shown[1024];
        int n = snprintf(names + len, sizeof(names) - len, "%s%d%s%s%s", named++ ? ", " : "", a,
                         name ? " \"" : "", cli_printable(name ? name : "", shown, sizeof(shown)),
                         name ? "\"" : "");
        if (n < 0 || (size_t)n >= sizeof(names) - len) break;
        len += (size_t)n;
    }
    if (!named) return EXIT_OK;
    return cli_usage_error(
        out,
        "%s names the alternate setting of each of its targets (alt %s): "
        "--alt cannot move them. Drop --alt; dfuctl convert --alt N changes where "
        "a single-target file goes",
        path, names);
}

int cli_load_image(cli_out *out, const char *path, const cli_image_opts *o, dfu_image **img)
{
    int code = load(out, path, o->format, o->address, img);
    if (!code) code = check_alt_option(out, path, o->alt, *img);
    if (!code) code = check_address_option(out, path, o->has_address, *img);
    if (code) {
        dfu_image_free(*img);
        *img = NULL;
    }
    return code;
}
