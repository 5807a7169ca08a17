/* dfuctl leave / dfuctl reset: start the device's firmware. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "device_opts.h"

static int run(int argc, char **argv, bool reset)
{
    cli_device_opts d = {0};
    uint32_t address = 0;
    bool has_address = false;
    const cli_opt leave_opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {"address", 0, OPT_U32, &address, &has_address, "ADDR",
         "where the application starts (DfuSe; default: the first writable sector of the "
         "flash)"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    const cli_opt reset_opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    const cli_opt *opts = reset ? reset_opts : leave_opts;
    const char *name = reset ? "reset" : "leave";
    cli_out out = {{0}, NULL, name};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help(name, "[options]",
                       reset ? "Resets the device (USB reset); its boot logic decides what runs."
                             : "Leaves DFU mode and starts the firmware (DfuSe leave; DFU 1.1 "
                               "a USB reset). A device that resets at once has succeeded.",
                       opts);
        return EXIT_OK;
    }
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_device *dev = NULL;
    d.no_detach = true;
    int code = cli_open_device(&out, &d, &dev);
    if (!code) {
        int rc =
            reset ? dfu_device_reset(dev) : dfu_device_leave(dev, has_address ? &address : NULL);
        code = rc ? cli_report_error(&out, rc, cli_device_fallback(rc)) : EXIT_OK;
        if (!rc && out.common.json) {
            json_w w;
            cli_json_ok_result(&w, &out, dev);
            jw_end(&w);
            jw_finish(&w);
        } else if (!rc && !reset) {
            /* Told, not seen: a bootloader that finds no valid application stays. */
            cli_say(&out, "leave: the device was told to start its firmware\n");
        } else if (!rc && dfu_device_is_dfuse(dev)) {
            /* The ST ROM keeps its DFU state across a USB reset: do not claim it restarted. */
            cli_say(&out, "reset: USB reset sent; DfuSe bootloaders such as the STM32 ROM stay in "
                          "DFU mode across it (dfuctl leave starts the firmware)\n");
        } else if (!rc) {
            cli_say(&out, "reset: USB reset sent; the device starts its firmware if it holds a "
                          "valid one\n");
        }
    }
    dfu_device_close(dev);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}

int cmd_leave(int argc, char **argv)
{
    return run(argc, argv, false);
}

int cmd_reset(int argc, char **argv)
{
    return run(argc, argv, true);
}
