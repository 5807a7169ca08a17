/* dfuctl verify FILE: does the device hold exactly this image? */
#include <stdio.h>

#include "commands.h"
#include "device_opts.h"
#include "image_load.h"
#include "plan_output.h"
#include "progress.h"
#include "recover_hint.h"
#include "signals.h"

int cmd_verify(int argc, char **argv)
{
    cli_device_opts d = {0};
    const char *format = NULL;
    uint32_t address = 0;
    bool has_address = false;
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(d),
        {"address", 0, OPT_U32, &address, &has_address, "ADDR", "where a raw binary goes"},
        {"format", 'f', OPT_STRING, &format, NULL, "FMT", "read FILE as this format"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "verify"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 1, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("verify", "FILE [options]",
                       "Reads the device back and compares it with the image. Exit code 7 when "
                       "they differ, with the first differing address.",
                       opts);
        return EXIT_OK;
    }
    if (npos != 1) return cli_usage_error(&out, "needs one FILE");
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_image *img = NULL;
    dfu_device *dev = NULL;
    dfu_plan *plan = NULL;
    cli_image_opts io = {format, address, has_address, d.alt};
    int rc, code = cli_load_image(&out, pos[0], &io, &img);
    if (!code) code = cli_open_device(&out, &d, &dev);
    if (!code) code = cli_place_raw(&out, pos[0], format, has_address, dev, &img);
    if (!code) {
        cli_progress prog;
        cli_progress_init(&prog, &out);
        dfu_update_options uo = DFU_UPDATE_OPTIONS_INIT;
        uo.verify_only = true;
        uo.progress = cli_progress_cb;
        uo.payload = &prog;
        cli_signals_install(NULL);
        dfu_update_result r = {0};
        rc = dfu_plan_new(&plan, out.ctx, dev, img, &uo);
        if (!rc) rc = dfu_plan_execute(plan, &r);
        cli_progress_end(&prog);
        code = rc ? cli_report_error_text(&out, rc, cli_device_fallback(rc)) : EXIT_OK;
        if (rc && dfu_device_is_dfuse(dev) &&
            dfu_ctx_error(out.ctx)->dfu_status == DFU_STATUS_ERR_VENDOR)
            cli_hint_read_protected(&out, d.device);
        if (out.common.json)
            cli_print_result(&out, dev, pos[0], &r, rc, code);
        else if (!rc)
            cli_say(&out, "%s: the device holds the image (%llu bytes compared)\n", pos[0],
                    (unsigned long long)r.verified_bytes);
    }
    dfu_plan_free(plan);
    cli_return_detached(&out, dev);
    dfu_device_close(dev);
    dfu_image_free(img);
    cli_device_opts_free(&d);
    dfu_ctx_free(out.ctx);
    return code;
}
