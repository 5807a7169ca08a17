/* dfuctl detach: bring a device running its application into DFU mode. */
#include <stdio.h>

#include "commands.h"
#include "device_opts.h"

int cmd_detach(int argc, char **argv)
{
    cli_device_opts d = {0};
    const cli_opt opts[] = {CLI_DEVICE_OPTIONS(d), {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL}};
    cli_out out = {{0}, NULL, "detach"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("detach", "[options]",
                       "Detaches a device that runs its application into its DFU bootloader and "
                       "waits for it to come back (followed by its USB port path).",
                       opts);
        return EXIT_OK;
    }
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_device *dev = NULL;
    int code = cli_open_device(&out, &d, &dev); /* opening detaches a run-time device */
    if (!code) {
        const dfu_device_info *i = dfu_device_get_info(dev);
        if (out.common.json) {
            json_w w;
            cli_json_ok_result(&w, &out, dev);
            jw_end(&w);
            jw_finish(&w);
        } else {
            cli_say(&out, "%s %04x:%04x is in DFU mode\n", i->path, i->vid, i->pid);
        }
    }
    dfu_device_close(dev);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}
