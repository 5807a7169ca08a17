/* dfuctl flash FILE: plan, then erase, write, verify and start the firmware. */
#include <stdio.h>
#include <string.h>

#include "lib_terms.h"
#include "commands.h"
#include "device_opts.h"
#include "image_load.h"
#include "journal_dir.h"
#include "plan_output.h"
#include "progress.h"
#include "recover_hint.h"
#include "signals.h"

typedef struct flash_opts {
    cli_device_opts dev;
    const char *format, *order, *journal_dir;
    bool no_journal;
    uint32_t address, retries;
    bool has_address, no_verify, force, mass_erase, no_leave, dry_run, diff;
} flash_opts;

static int run(cli_out *out, const char *path, flash_opts *o)
{
    dfu_image *img = NULL;
    dfu_device *dev = NULL;
    dfu_plan *plan = NULL;
    bool executed = false;
    cli_image_opts io = {o->format, o->address, o->has_address, o->dev.alt};
    int code = cli_load_image(out, path, &io, &img);
    if (!code) code = cli_open_device(out, &o->dev, &dev);
    if (!code) code = cli_place_raw(out, path, o->format, o->has_address, dev, &img);
    if (code) goto done;

    cli_progress prog;
    cli_progress_init(&prog, out);
    dfu_update_options uo = DFU_UPDATE_OPTIONS_INIT;
    uo.no_verify = o->no_verify;
    uo.force = o->force;
    uo.mass_erase = o->mass_erase;
    uo.no_leave = o->no_leave;
    uo.differential = o->diff;
    uo.retries = o->retries;
    uo.order = (o->order && strcmp(o->order, "linear") == 0) ? DFU_ORDER_LINEAR : DFU_ORDER_SAFE;
    uo.progress = cli_progress_cb;
    uo.payload = &prog;
    char jdir[1024], selector[1024];
    cli_journal_dir(o->journal_dir, jdir, sizeof(jdir));
    cli_recover_selector(o->dev.device, selector, sizeof(selector));
    if (!o->no_journal) uo.journal_dir = jdir;
    if (o->dev.device && strncmp(o->dev.device, "sim:", 4) == 0) uo.selector = selector;
    char full[4096];
    uo.image_path = cli_journal_image_path(path, full, sizeof(full));
    int rc = dfu_plan_new(&plan, out->ctx, dev, img, &uo);
    if (rc) {
        code = cli_report_error(out, rc, EXIT_OK);
        goto done;
    }
    if (o->dry_run) {
        cli_print_plan(out, dev, path, plan);
        goto done;
    }
    if (out->common.verbose)
        cli_print_plan(out, dev, path, plan);
    else if (!out->common.quiet)
        for (const char *n = dfu_plan_notes(plan), *nl; *n; n = nl + 1) {
            nl = strchr(n, '\n');
            if (!nl) break;
            char line[1024], text[1024];
            snprintf(line, sizeof(line), "%.*s", (int)(nl - n), n);
            fprintf(stderr, "dfuctl flash: note: %s\n", cli_lib_terms(line, text, sizeof(text)));
        }
    char desc[256];
    cli_describe_device(dev, desc, sizeof(desc));
    cli_say(out, "flashing %s to %s\n", path, desc);
    if (o->no_journal)
        cli_signals_install(NULL);
    else
        cli_signals_install_recover(dev, selector, o->journal_dir, out->common.json);
    dfu_update_result result;
    executed = true;
    rc = dfu_plan_execute(plan, &result);
    cli_progress_end(&prog);
    code = rc ? cli_report_error_text(out, rc, EXIT_OK) : EXIT_OK;
    cli_print_result(out, dev, path, &result, rc, code);
    if (rc && !o->no_journal)
        cli_hint_recover(out, "flash", dev, jdir, o->journal_dir, selector, rc);
done:
    if (!executed) cli_return_detached(out, dev);
    dfu_plan_free(plan);
    dfu_device_close(dev);
    dfu_image_free(img);
    return code;
}

int cmd_flash(int argc, char **argv)
{
    flash_opts o = {0};
    o.retries = DFU_RETRIES_DEFAULT;
    /* Formatted, not written out: the default is the library's, whatever it becomes. */
    char retries_help[96];
    snprintf(retries_help, sizeof(retries_help),
             "retries per block after a transient failure (default %u; 0 for none)",
             (unsigned)DFU_RETRIES_DEFAULT);
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS(o.dev),
        {"address", 0, OPT_U32, &o.address, &o.has_address, "ADDR",
         "where a raw binary goes (HEX, S-record, ELF and DfuSe files say it themselves)"},
        {"format", 'f', OPT_STRING, &o.format, NULL, "FMT", "read FILE as this format"},
        {"no-verify", 0, OPT_FLAG, &o.no_verify, NULL, NULL, "do not read back and compare"},
        {"force", 0, OPT_FLAG, &o.force, NULL, NULL,
         "write an image whose vector table does not fit its address, or whose DFU suffix "
         "names another product, or DFU 1.1 blocks of another --transfer-size than the "
         "device's"},
        {"mass-erase", 0, OPT_FLAG, &o.mass_erase, NULL, NULL,
         "erase the whole flash first (DfuSe)"},
        {"no-leave", 0, OPT_FLAG, &o.no_leave, NULL, NULL, "stay in DFU mode afterwards"},
        {"order", 0, OPT_STRING, &o.order, NULL, "safe|linear",
         "safe (default): the vector table's sector is erased first and written last"},
        {"diff", 0, OPT_FLAG, &o.diff, NULL, NULL, "skip sectors that already hold the image"},
        {"retries", 0, OPT_U32, &o.retries, NULL, "N", retries_help},
        {"journal-dir", 0, OPT_STRING, &o.journal_dir, NULL, "DIR",
         "where to keep the recovery journal (default: $DFU_JOURNAL_DIR or the user's state "
         "directory)"},
        {"no-journal", 0, OPT_FLAG, &o.no_journal, NULL, NULL, "keep no recovery journal"},
        {"dry-run", 'n', OPT_FLAG, &o.dry_run, NULL, NULL,
         "print the plan (with --json: as JSON) and change nothing"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "flash"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 1, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("flash", "FILE [options]",
                       "Writes a firmware file (bin, hex, srec, elf, dfu, dfuse) to a device, "
                       "verifies it and starts it. Refuses, before erasing anything, images that "
                       "would overwrite protected memory or were linked for another address.",
                       opts);
        return EXIT_OK;
    }
    if (npos != 1) return cli_usage_error(&out, "needs one FILE");
    if (o.order && strcmp(o.order, "safe") != 0 && strcmp(o.order, "linear") != 0)
        return cli_usage_error(&out, "--order is safe or linear");
    if (o.diff && o.mass_erase)
        return cli_usage_error(&out, "--diff skips the sectors that already hold the image, "
                                     "--mass-erase erases them all: choose one");
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    int code = run(&out, pos[0], &o);
    cli_device_opts_free(&o.dev);
    dfu_ctx_free(out.ctx);
    return code;
}
