/* dfuctl recover [FILE]: finish an interrupted update. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib_terms.h"
#include "commands.h"
#include "device_opts.h"
#include "image_load.h"
#include "journal_dir.h"
#include "plan_output.h"
#include "progress.h"
#include "recover_hint.h"
#include "signals.h"

/* Devices come back slowly after a power cut or a replug. --wait's help says it, and that 0
 * (which is what no --wait gives) means it too. */
#define RECOVER_DEFAULT_WAIT_S 30
#define RECOVER_STR_(x)        #x
#define RECOVER_STR(x)         RECOVER_STR_(x)
#define RECOVER_WAIT_HELP                                                                          \
    CLI_WAIT_HELP " (default " RECOVER_STR(RECOVER_DEFAULT_WAIT_S) "; 0 means " RECOVER_STR(       \
        RECOVER_DEFAULT_WAIT_S) " too)"

typedef struct recover_opts {
    cli_device_opts dev;
    const char *journal_dir, *format;
    uint32_t address;
    bool discard, has_address, force;
} recover_opts;

static void report(const cli_out *out, dfu_device *dev, const dfu_journal *j, const char *file,
                   const dfu_recovery *r, int rc, int code)
{
    if (out->common.json) {
        json_w w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "recovery");
        jw_bool(&w, "journal_found", r->had_journal || j);
        /* The image: the journal's, or FILE's when there is none (a differential flash). */
        const char *image = j ? dfu_journal_image_path(j) : file;
        if (image)
            jw_string(&w, "image", image);
        else
            jw_null(&w, "image");
        jw_uint(&w, "steps", j ? dfu_journal_step_count(j) : 0);
        jw_uint(&w, "steps_confirmed", j ? dfu_journal_steps_done(j) : 0);
        jw_bool(&w, "read_back", r->read_back);
        jw_uint(&w, "sectors_intact", r->sectors_intact);
        jw_uint(&w, "sectors_redone", r->sectors_redone);
        jw_end(&w);
        jw_finish(&w);
        cli_print_result(out, dev, j ? dfu_journal_image_path(j) : NULL, &r->result, rc, code);
        return;
    }
    if (rc) return;
    /* Say how the work left was found: read back, or taken from the journal's word (a device
     * that cannot upload). */
    char found[160];
    if (r->read_back)
        snprintf(found, sizeof(found), "read back: %u sector%s already held the image",
                 r->sectors_intact, r->sectors_intact == 1 ? "" : "s");
    else if (r->had_journal)
        snprintf(found, sizeof(found),
                 "the device cannot be read back: %u sector%s the journal confirms done left "
                 "alone",
                 r->sectors_intact, r->sectors_intact == 1 ? "" : "s");
    else
        snprintf(found, sizeof(found), "the device cannot be read back: nothing skipped");
    /* DFU 1.1: no sectors, the device takes the image whole. */
    if (!r->sectors_intact && !r->sectors_redone)
        snprintf(found, sizeof(found), "%s",
                 r->result.written_bytes || !r->result.skipped_bytes
                     ? "the image written again whole"
                     : "the device already held the whole image");
    else
        snprintf(found + strlen(found), sizeof(found) - strlen(found),
                 ", %u erased and written again", r->sectors_redone);
    cli_say(out, "%s: %s; %llu bytes written, %llu verified%s%s\n", dfu_device_get_info(dev)->path,
            found, (unsigned long long)r->result.written_bytes,
            (unsigned long long)r->result.verified_bytes,
            r->result.left ? "; the device is starting its firmware" : "",
            cli_reset_text(&r->result));
}

/* No interrupted update (and no FILE): nothing to finish, or to discard, which is no failure
 * (exit 0). The text ends in what ("nothing to recover"); the JSON object is the same. */
static int nothing_pending(const cli_out *out, const char *what)
{
    char text[4096];
    const char *why = cli_lib_terms(dfu_ctx_error(out->ctx)->message, text, sizeof(text));
    if (out->common.json) {
        json_w w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "recovery");
        jw_bool(&w, "journal_found", false);
        jw_string(&w, "message", why);
        jw_end(&w);
        jw_finish(&w);
    } else {
        cli_say(out, "%s: %s\n", why, what);
    }
    return EXIT_OK;
}

/* --discard: forget the interrupted update, without needing the device (it may be gone for
 * good): the only one pending, or the one of -d path=..., and any damaged journal. */
static int discard(cli_out *out, const char *jdir, const recover_opts *o)
{
    size_t damaged = 0;
    int rc = dfu_journal_discard_damaged(out->ctx, jdir, &damaged);
    if (rc) return cli_report_error(out, rc, EXIT_OK);
    if (damaged) cli_say(out, "removed %zu damaged journal%s\n", damaged, damaged == 1 ? "" : "s");
    const char *sel = o->dev.device;
    dfu_journal *j = NULL;
    if (sel && strncmp(sel, "path=", 5) == 0) {
        rc = dfu_journal_open(&j, out->ctx, jdir, sel + 5);
    } else {
        /* Another selector: the one a journal records (what recover told the user to use). */
        char given[4096];
        cli_recover_selector(sel, given, sizeof(given));
        rc = sel ? dfu_journal_find_selector(&j, out->ctx, jdir, given) : DFU_ERR_NOT_FOUND;
        if (rc == DFU_ERR_NOT_FOUND) rc = dfu_journal_find(&j, out->ctx, jdir);
        if (!rc && sel && strcmp(given, dfu_journal_selector(j)) != 0) {
            int code = cli_usage_error(out,
                                       "the journal records -d '%s'; --discard takes that, or "
                                       "-d path=PORT, or no -d",
                                       dfu_journal_selector(j));
            dfu_journal_free(j);
            return code;
        }
    }
    if (rc == DFU_ERR_NOT_FOUND)
        return nothing_pending(out, damaged ? "nothing else to discard" : "nothing to discard");
    if (rc) return cli_report_error(out, rc, EXIT_OK);
    /* First, as it may be refused: an update still running in another process keeps it. */
    rc = dfu_journal_discard(out->ctx, j);
    if (rc) {
        dfu_journal_free(j);
        return cli_report_error(out, rc, EXIT_OK);
    }
    if (out->common.json) {
        /* What was forgotten, in the recovery line's shape, then the result. */
        json_w w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "recovery");
        jw_bool(&w, "journal_found", true);
        jw_string(&w, "image", dfu_journal_image_path(j));
        jw_uint(&w, "steps", dfu_journal_step_count(j));
        jw_uint(&w, "steps_confirmed", dfu_journal_steps_done(j));
        jw_bool(&w, "discarded", true);
        jw_end(&w);
        jw_finish(&w);
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "result");
        jw_string(&w, "command", out->cmd);
        jw_bool(&w, "ok", true);
        jw_int(&w, "exit_code", 0);
        jw_string(&w, "device_path", dfu_journal_device_path(j));
        jw_end(&w);
        jw_finish(&w);
    }
    cli_say(out, "discarded the interrupted update of %s on %s; the device was left as it is\n",
            dfu_journal_image_path(j), dfu_journal_device_path(j));
    dfu_journal_free(j);
    return EXIT_OK;
}

/* A damaged journal (DFU_ERR_FORMAT) is no journal when FILE is given: FILE is flashed
 * differentially over whatever the device holds, and its own journal replaces the damaged one.
 * Without FILE it is the error, with both ways out. */
static bool damaged_but_file(const cli_out *out, int rc, const char *file)
{
    if (rc != DFU_ERR_FORMAT) return false;
    char text[4096];
    const char *why = cli_lib_terms(dfu_ctx_error(out->ctx)->message, text, sizeof(text));
    if (!file) return false;
    fprintf(stderr, "dfuctl recover: warning: %s; flashing %s differentially instead\n", why, file);
    dfu_ctx_clear_error(out->ctx);
    return true;
}

static int report_damaged(cli_out *out, int rc)
{
    int code = cli_report_error(out, rc, EXIT_OK);
    if (rc == DFU_ERR_FORMAT)
        fprintf(stderr, "dfuctl recover: note: `dfuctl recover FILE` flashes FILE (the image of "
                        "the interrupted update) differentially instead\n");
    return code;
}

/* Whether an interrupted update is recorded in jdir. */
static bool pending(const char *jdir)
{
    dfu_ctx *scratch;
    if (dfu_ctx_new(&scratch)) return false;
    dfu_journal *j = NULL;
    int rc = dfu_journal_find(&j, scratch, jdir);
    dfu_journal_free(j);
    dfu_ctx_free(scratch);
    return rc == DFU_OK || rc == DFU_ERR_AMBIGUOUS;
}

static int run(cli_out *out, const char *file, recover_opts *o)
{
    char jdir[1024];
    cli_journal_dir(o->journal_dir, jdir, sizeof(jdir));
    if (o->discard) return discard(out, jdir, o);
    dfu_journal *j = NULL;
    dfu_device *dev = NULL;
    dfu_image *img = NULL;
    int rc = DFU_OK, code = EXIT_OK;
    /* Without -d: the only pending update says which device. */
    if (!o->dev.device) {
        rc = dfu_journal_find(&j, out->ctx, jdir);
        if ((rc == DFU_ERR_NOT_FOUND && file) || damaged_but_file(out, rc, file))
            rc = DFU_OK; /* no journal: a differential flash of FILE on the only device */
        else if (rc == DFU_ERR_NOT_FOUND)
            return nothing_pending(out, "nothing to recover");
        else if (rc)
            return report_damaged(out, rc);
        if (j) o->dev.device = dfu_journal_selector(j);
    } else if (strncmp(o->dev.device, "path=", 5) != 0) {
        /* The selector a journal recorded names its board even where boards share a port path
         * name (simulated ones do). */
        char given[4096];
        cli_recover_selector(o->dev.device, given, sizeof(given));
        if (dfu_journal_find_selector(&j, out->ctx, jdir, given) != DFU_OK)
            dfu_ctx_clear_error(out->ctx);
    }
    cli_image_opts io = {o->format, o->address, o->has_address, o->dev.alt};
    if (file && (code = cli_load_image(out, file, &io, &img))) {
        dfu_journal_free(j);
        return code;
    }
    if (!o->dev.wait_s) o->dev.wait_s = RECOVER_DEFAULT_WAIT_S;
    code = cli_open_device(out, &o->dev, &dev);
    if (code == EXIT_NO_DEVICE && (j || pending(jdir)))
        fprintf(stderr,
                "dfuctl recover: note: a board whose bootloader started the half-written "
                "application does not come back by itself: hold its bootloader button (or set "
                "its boot pin), plug it in, and run this again\n");
    if (!code && img) code = cli_place_raw(out, file, o->format, o->has_address, dev, &img);
    if (code) goto done;
    const char *path = dfu_device_get_info(dev)->path;
    if (!j) {
        rc = dfu_journal_open(&j, out->ctx, jdir, path);
        if (damaged_but_file(out, rc, file)) rc = DFU_ERR_NOT_FOUND;
        if (rc && rc != DFU_ERR_NOT_FOUND) {
            code = report_damaged(out, rc);
            goto done;
        }
        if (rc && !file) {
            code = nothing_pending(out, "nothing to recover");
            cli_return_detached(out, dev);
            goto done;
        }
    }
    if (j) {
        time_t started = (time_t)dfu_journal_started(j);
        char when[64] = "at an unknown time";
        const struct tm *tm = localtime(&started); /* NULL for a date no calendar holds */
        if (tm) strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", tm);
        cli_say(out,
                "found an interrupted update of %s on %s, started %s: %zu of %zu steps "
                "confirmed\n",
                dfu_journal_image_path(j), path, when, dfu_journal_steps_done(j),
                dfu_journal_step_count(j));
    } else {
        cli_say(out, "no interrupted update recorded for %s: flashing %s differentially\n", path,
                file);
    }
    cli_progress prog;
    cli_progress_init(&prog, out);
    dfu_update_options uo = DFU_UPDATE_OPTIONS_INIT;
    uo.journal_dir = jdir;
    uo.force = o->force;
    uo.progress = cli_progress_cb;
    uo.payload = &prog;
    char full[4096];
    uo.image_path = cli_journal_image_path(file, full, sizeof(full));
    char selector[1024];
    cli_recover_selector(o->dev.device, selector, sizeof(selector));
    cli_signals_install_recover(dev, selector, o->journal_dir, out->common.json);
    dfu_recovery r;
    rc = dfu_recover(out->ctx, dev, j, img, &uo, &r);
    cli_progress_end(&prog);
    code = rc ? cli_report_error_text(out, rc, EXIT_OK) : EXIT_OK;
    report(out, dev, j, file, &r, rc, code);
    /* Not after a refusal (another board's journal): the same command would be refused again;
     * and a board refused untouched goes back to what it was running. */
    if (rc && rc != DFU_ERR_REFUSED)
        cli_hint_recover(out, "recover", dev, jdir, o->journal_dir, selector, rc);
    if (rc == DFU_ERR_REFUSED) cli_return_detached(out, dev);
done:
    dfu_image_free(img);
    dfu_device_close(dev);
    dfu_journal_free(j);
    return code;
}

int cmd_recover(int argc, char **argv)
{
    recover_opts o = {0};
    const cli_opt opts[] = {
        CLI_DEVICE_OPTIONS_WAIT(o.dev, RECOVER_WAIT_HELP),
        {"journal-dir", 0, OPT_STRING, &o.journal_dir, NULL, "DIR",
         "where journals are kept (default: $DFU_JOURNAL_DIR or the user's state directory)"},
        {"format", 'f', OPT_STRING, &o.format, NULL, "FMT", "read FILE as this format"},
        {"address", 0, OPT_U32, &o.address, &o.has_address, "ADDR",
         "where FILE goes when it is a raw binary"},
        {"discard", 0, OPT_FLAG, &o.discard, NULL, NULL,
         "forget the interrupted update instead of finishing it"},
        {"force", 0, OPT_FLAG, &o.force, NULL, NULL,
         "with FILE and no journal: write despite a vector table or DFU suffix that does not "
         "fit, as flash --force"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "recover"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 1, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("recover", "[FILE] [options]",
                       "Finishes an interrupted update: finds its journal (for the selected "
                       "device, or the only one pending), waits for the device to come back in "
                       "DFU mode, reads it back and redoes only what differs, then verifies. "
                       "With FILE and no journal: a verified differential flash of FILE.",
                       opts);
        return EXIT_OK;
    }
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    int code = run(&out, npos ? pos[0] : NULL, &o);
    cli_device_opts_free(&o.dev);
    dfu_ctx_free(out.ctx);
    return code;
}
