/* Opening the device a command's options select. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_opts.h"
#include "printable.h"
#include "signals.h"

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 4096, n = 0;
    char *text = malloc(cap);
    size_t got;
    while (text && (got = fread(text + n, 1, cap - n - 1, fp)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *p = realloc(text, cap *= 2);
            if (!p) {
                free(text);
                text = NULL;
            }
            text = p;
        }
    }
    fclose(fp);
    if (text) text[n] = '\0';
    return text;
}

void cli_return_detached(const cli_out *out, dfu_device *dev)
{
    if (!dev || !dfu_device_detached(dev, NULL, NULL) || dfu_device_gone(dev)) return;
    int rc = dfu_device_leave(dev, NULL);
    if (rc)
        fprintf(stderr, "dfuctl %s: warning: the device stays in DFU mode: %s\n", out->cmd,
                dfu_ctx_error(out->ctx)->message);
    else if (!out->common.quiet && !out->common.json)
        fprintf(stderr, "dfuctl %s: the device was running its application: started it again\n",
                out->cmd);
}

static int cancel_on_interrupt(void *payload)
{
    (void)payload;
    return cli_interrupted();
}

int cli_open_device(cli_out *out, cli_device_opts *o, dfu_device **dev)
{
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    char why[512];
    if (o->alt) {
        /* A number is an alternate setting (one past 255 is a mistake, not a name); anything
         * else a name. */
        uint32_t n;
        cli_number r = cli_parse_number(o->alt, 255, &n);
        if (r == CLI_NUMBER_OK) {
            oo.alt = (int)n;
        } else if (r == CLI_NUMBER_RANGE) {
            cli_number_message(r, "alt", o->alt, 255, why, sizeof(why));
            return cli_usage_report(out, DFU_ERR_ARG, false, why);
        } else {
            oo.alt_name = o->alt;
        }
    }
    oo.wait_ms = o->wait_s * 1000u; /* OPT_SECONDS: at most a day */
    if (o->wait_s) oo.detach_wait_ms = o->wait_s * 1000u;
    /* 0 means "the device's own" to the library, never what someone typing it meant. */
    if (o->has_transfer_size && o->transfer_size == 0)
        return cli_usage_report(out, DFU_ERR_ARG, false,
                                "--transfer-size 0: blocks need at least one byte (leave the "
                                "option out for the device's own wTransferSize)");
    oo.transfer_size = (uint16_t)o->transfer_size; /* OPT_U16: at most 65535 */
    oo.no_builtin_quirks = o->no_quirks;
    oo.no_detach = o->no_detach;
    const char *qfile = o->quirks_file ? o->quirks_file : getenv("DFU_QUIRKS");
    if (qfile && *qfile) {
        o->quirks_text = read_text(qfile);
        if (!o->quirks_text) {
            char msg[1024];
            snprintf(msg, sizeof(msg), "cannot read quirks file %s", qfile);
            return cli_usage_report(out, DFU_ERR_ARG, false, msg);
        }
        oo.quirks = o->quirks_text;
        oo.quirks_source = qfile;
    }
    /* Ctrl-C while waiting for the board (--wait, or its return after a detach) ends the wait:
     * nothing has been written yet. The callback stays for the command: the library also asks it
     * while the device keeps the command waiting (an erase, a busy device), where a progress
     * callback may not be (erase --mass has none). */
    cli_signals_install_waiting();
    dfu_ctx_set_cancel(out->ctx, cancel_on_interrupt, NULL);
    int rc = dfu_device_open(dev, out->ctx, o->device, &oo);
    if (!rc && cli_interrupted()) {
        /* Found as the interrupt came: stop before doing anything to it. */
        cli_return_detached(out, *dev);
        dfu_device_close(*dev);
        *dev = NULL;
        return cli_report_message(out, DFU_ERR_CANCELLED,
                                  "interrupted as the device was found; nothing was done to it");
    }
    return rc ? cli_report_error(out, rc, EXIT_OK) : EXIT_OK;
}

void cli_device_opts_free(cli_device_opts *o)
{
    free(o->quirks_text);
    o->quirks_text = NULL;
}

const char *cli_mode_name(dfu_mode mode)
{
    return mode == DFU_MODE_DFU ? "dfu" : "runtime";
}

void cli_json_ok_result(json_w *w, const cli_out *out, dfu_device *dev)
{
    jw_init(w, stdout);
    jw_object(w, NULL);
    jw_string(w, "type", "result");
    jw_string(w, "command", out->cmd);
    jw_bool(w, "ok", true);
    jw_int(w, "exit_code", 0);
    cli_json_device(w, "device", dfu_device_get_info(dev));
}

void cli_json_device(json_w *w, const char *key, const dfu_device_info *info)
{
    jw_object(w, key);
    jw_string(w, "path", info->path);
    jw_string(w, "backend", info->backend);
    jw_uint(w, "vid", info->vid);
    jw_uint(w, "pid", info->pid);
    jw_uint(w, "bcd_device", info->bcd_device);
    jw_string(w, "serial", info->serial);
    jw_string(w, "mode", cli_mode_name(info->mode));
    jw_end(w);
}

void cli_describe_device(dfu_device *dev, char *buf, size_t cap)
{
    const dfu_device_info *i = dfu_device_get_info(dev);
    const dfu_layout *l = dfu_device_layout(dev, dfu_device_alt(dev));
    char name[256];
    snprintf(buf, cap, "%s %04x:%04x (%s, alt %d%s%s%s)", i->path, i->vid, i->pid,
             dfu_device_is_dfuse(dev) ? "DfuSe" : "DFU 1.1", dfu_device_alt(dev), l ? " \"" : "",
             l ? cli_printable(l->name, name, sizeof(name)) : "", l ? "\"" : "");
}
