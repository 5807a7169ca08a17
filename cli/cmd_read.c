/* dfuctl read -o FILE: what the device holds, into a file. */
#include <stdio.h>

#include "commands.h"
#include "device_opts.h"
#include "files.h"
#include "progress.h"
#include "recover_hint.h"
#include "signals.h"

int cmd_read(int argc, char **argv)
{
    cli_device_opts d = {0};
    const char *output = NULL, *to = NULL;
    uint32_t address = 0, size = 0;
    bool has_address = false, has_size = false, force = false;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {"output", 'o', OPT_STRING, &output, NULL, "FILE", "file to write (required)"},
        {"address", 0, OPT_U32, &address, &has_address, "ADDR",
         "DfuSe: where to start (default: the start of the alternate setting's memory); DFU 1.1: "
         "where FILE puts the data (default: the application's base when known, else 0)"},
        {"size", 's', OPT_U32, &size, &has_size, "N",
         "bytes to read (default: DfuSe the whole region, DFU 1.1 all the device sends)"},
        {"to", 't', OPT_STRING, &to, NULL, "FMT",
         "bin, hex, srec, dfu, dfuse (default: from FILE)"},
        {"force", 0, OPT_FLAG, &force, NULL, NULL, "overwrite FILE if it exists"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "read"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("read", "-o FILE [options]",
                       "Reads the device's memory into a file. A hex, srec or dfuse file keeps "
                       "the addresses; a bin file does not.",
                       opts);
        return EXIT_OK;
    }
    if (!output) return cli_usage_error(&out, "needs -o FILE");
    /* 0 is the library's "to the end": given, it would read a whole region (as erase refuses
     * it, a computed size of 0 is a mistake, not a request for everything). */
    if (has_size && size == 0)
        return cli_usage_error(&out, "--size 0 reads nothing; leave --size out to read the "
                                     "whole region (DfuSe) or all the device sends (DFU 1.1)");
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.force = force;
    if (to && dfu_format_from_name(&so.format, to))
        return cli_usage_error(&out, "unknown format '%s'", to);
    if (so.format == DFU_FORMAT_AUTO) so.format = dfu_format_from_path(output);
    if (so.format == DFU_FORMAT_AUTO) so.format = DFU_FORMAT_BIN;
    if (so.format == DFU_FORMAT_ELF) /* before the device is read, not after */
        return cli_usage_error(&out,
                               "cannot write ELF files; use --to bin, hex, srec, dfu or dfuse");
    char why[4200];
    if (cli_cannot_write(output, why, sizeof(why))) /* before the device is read, not after */
        return cli_usage_report(&out, DFU_ERR_ARG, false, why);
    if (!force && cli_file_exists(output)) { /* checked again, atomically, when writing */
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s exists (use --force to overwrite)", output);
        return cli_usage_report(&out, DFU_ERR_EXISTS, true, msg);
    }

    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_device *dev = NULL;
    dfu_image *img = NULL;
    int code = cli_open_device(&out, &d, &dev);
    if (!code) {
        if (!has_address && dfu_device_is_dfuse(dev)) {
            const dfu_layout *l = dfu_device_layout(dev, dfu_device_alt(dev));
            if (l && l->group_count) address = l->groups[0].address;
        } else if (!has_address) {
            /* A DFU 1.1 upload has no addresses; where the device writes the application is
             * where flash and verify put the data, so a read-back file lines up with both. */
            dfu_device_app_base(dev, &address);
        }
        cli_progress prog;
        cli_progress_init(&prog, &out);
        cli_signals_install(NULL);
        int rc = dfu_device_read(&img, dev, address, size, cli_progress_cb, &prog);
        cli_progress_end(&prog);
        int fallback = cli_device_fallback(rc); /* the device's, not the output format's */
        bool protected_rom = rc && dfu_device_is_dfuse(dev) &&
                             dfu_ctx_error(out.ctx)->dfu_status == DFU_STATUS_ERR_VENDOR;
        if (!rc) rc = dfu_image_save(out.ctx, img, output, &so);
        code = rc ? cli_report_error(&out, rc, fallback) : EXIT_OK;
        if (protected_rom) cli_hint_read_protected(&out, d.device);
        if (!rc && out.common.json) {
            json_w w;
            cli_json_ok_result(&w, &out, dev);
            jw_string(&w, "file", output);
            jw_uint(&w, "address", address);
            jw_uint(&w, "size", dfu_image_data_size(img, DFU_ALL_TARGETS));
            jw_end(&w);
            jw_finish(&w);
        } else if (!rc) {
            cli_say(&out, "read %llu bytes from 0x%08x into %s\n",
                    (unsigned long long)dfu_image_data_size(img, DFU_ALL_TARGETS), address, output);
        }
    }
    dfu_image_free(img);
    cli_return_detached(&out, dev);
    dfu_device_close(dev);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}
