/* dfuctl unprotect --confirm: remove read protection (erases the whole chip). */
#include <stdio.h>

#include "commands.h"
#include "device_opts.h"

int cmd_unprotect(int argc, char **argv)
{
    cli_device_opts d = {0};
    bool confirm = false;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {"confirm", 0, OPT_FLAG, &confirm, NULL, NULL,
         "yes, erase ALL of the device's flash to remove read protection"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "unprotect"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("unprotect", "--confirm [options]",
                       "Removes flash read protection (DfuSe Read Unprotect). The device erases "
                       "ALL of its flash and resets.",
                       opts);
        return EXIT_OK;
    }
    if (!confirm) return cli_usage_error(&out, "this erases the whole flash: add --confirm");
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_device *dev = NULL;
    int code = cli_open_device(&out, &d, &dev);
    if (!code) {
        int rc = dfu_device_read_unprotect(dev);
        code = rc ? cli_report_error(&out, rc, cli_device_fallback(rc)) : EXIT_OK;
        if (rc == DFU_ERR_UNSUPPORTED) cli_return_detached(&out, dev);
        if (!rc && out.common.json) {
            json_w w;
            cli_json_ok_result(&w, &out, dev);
            jw_end(&w);
            jw_finish(&w);
        } else if (!rc) {
            cli_say(&out, "read protection removed; the device erased its flash and reset\n");
        }
    }
    dfu_device_close(dev);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}
