/* Printing plans and results. */
#include <stdio.h>
#include <string.h>

#include "lib_terms.h"
#include "device_opts.h"
#include "plan_output.h"

static void plan_totals(const dfu_plan *plan, uint64_t *erase, unsigned *sectors, uint64_t *write,
                        uint64_t *verify)
{
    *erase = *write = *verify = 0;
    *sectors = 0;
    for (size_t i = 0; i < dfu_plan_step_count(plan); i++) {
        const dfu_step *s = dfu_plan_step(plan, i);
        if (s->kind == DFU_STEP_ERASE) *erase += s->size, (*sectors)++;
        if (s->kind == DFU_STEP_MASS_ERASE) *erase += s->size, (*sectors)++;
        if (s->kind == DFU_STEP_WRITE) *write += s->size;
        if (s->kind == DFU_STEP_VERIFY) *verify += s->size;
    }
}

static void json_plan(dfu_device *dev, const char *file, const dfu_plan *plan)
{
    json_w w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_string(&w, "type", "plan");
    jw_string(&w, "file", file);
    cli_json_device(&w, "device", dfu_device_get_info(dev));
    jw_array(&w, "steps");
    for (size_t i = 0; i < dfu_plan_step_count(plan); i++) {
        const dfu_step *s = dfu_plan_step(plan, i);
        jw_object(&w, NULL);
        jw_string(&w, "kind", dfu_step_kind_name(s->kind));
        jw_int(&w, "alt", s->alt);
        jw_uint(&w, "address", s->address);
        jw_uint(&w, "size", s->size);
        jw_uint(&w, "estimate_us", s->estimate_us);
        jw_end(&w);
    }
    jw_end(&w);
    jw_uint(&w, "estimate_us", dfu_plan_estimate_us(plan));
    jw_array(&w, "notes");
    const char *notes = dfu_plan_notes(plan);
    for (const char *p = notes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[1024], text[1024];
        snprintf(line, sizeof(line), "%.*s", (int)n, p);
        jw_string(&w, NULL, cli_lib_terms(line, text, sizeof(text)));
        p += n + (nl ? 1 : 0);
    }
    jw_end(&w);
    jw_end(&w);
    jw_finish(&w);
}

void cli_print_plan(const cli_out *out, dfu_device *dev, const char *file, const dfu_plan *plan)
{
    if (out->common.json) {
        json_plan(dev, file, plan);
        return;
    }
    char desc[256];
    cli_describe_device(dev, desc, sizeof(desc));
    cli_say(out, "plan for %s on %s:\n", file, desc);
    cli_say(out, "  %4s  %-10s %3s  %-10s  %10s  %9s\n", "step", "action", "alt", "address",
            "bytes", "estimate");
    for (size_t i = 0; i < dfu_plan_step_count(plan); i++) {
        const dfu_step *s = dfu_plan_step(plan, i);
        cli_say(out, "  %4zu  %-10s %3d  0x%08x  %10u  %8.2fs\n", i, dfu_step_kind_name(s->kind),
                s->alt, s->address, s->size, (double)s->estimate_us / 1e6);
    }
    uint64_t erase, write, verify;
    unsigned sectors;
    plan_totals(plan, &erase, &sectors, &write, &verify);
    cli_say(out,
            "  total: %u erase%s (%llu bytes), %llu bytes written, %llu verified; about %.1f s\n",
            sectors, sectors == 1 ? "" : "s", (unsigned long long)erase, (unsigned long long)write,
            (unsigned long long)verify, (double)dfu_plan_estimate_us(plan) / 1e6);
    for (const char *n = dfu_plan_notes(plan), *nl; *n && (nl = strchr(n, '\n')); n = nl + 1) {
        char line[1024], text[1024];
        snprintf(line, sizeof(line), "%.*s", (int)(nl - n), n);
        cli_say(out, "  note: %s\n", cli_lib_terms(line, text, sizeof(text)));
    }
}

/* Option bytes take effect with a reset the device does by itself; they can be read back only
 * if it comes back in DFU mode. */
const char *cli_reset_text(const dfu_update_result *r)
{
    if (!r->reset) return "";
    return r->verified ? "; the device reset to load its option bytes, which read back as written"
                       : "; the device reset to load its option bytes (they were not read back)";
}

void cli_print_result(const cli_out *out, dfu_device *dev, const char *file,
                      const dfu_update_result *r, int err, int exit_code)
{
    if (out->common.json) {
        json_w w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "result");
        jw_string(&w, "command", out->cmd);
        jw_bool(&w, "ok", err == DFU_OK);
        jw_int(&w, "exit_code", exit_code);
        if (err) {
            const dfu_error_info *e = dfu_ctx_error(out->ctx);
            jw_string(&w, "error", dfu_error_name(err));
            char text[4096];
            jw_string(&w, "message", cli_lib_terms(e->message, text, sizeof(text)));
            cli_json_device_said(&w, e);
        }
        if (file) jw_string(&w, "file", file);
        if (dev) cli_json_device(&w, "device", dfu_device_get_info(dev));
        jw_uint(&w, "erased_bytes", r->erased_bytes);
        jw_uint(&w, "sectors_erased", r->sectors_erased);
        jw_uint(&w, "written_bytes", r->written_bytes);
        jw_uint(&w, "verified_bytes", r->verified_bytes);
        jw_uint(&w, "skipped_bytes", r->skipped_bytes);
        jw_uint(&w, "sectors_skipped", r->sectors_skipped);
        jw_uint(&w, "retries", r->retries);
        jw_bool(&w, "verified", r->verified);
        jw_bool(&w, "left", r->left);
        jw_bool(&w, "reset", r->reset);
        jw_uint(&w, "elapsed_ms", r->elapsed_us / 1000u);
        jw_end(&w);
        jw_finish(&w);
        return;
    }
    if (err) return; /* the error itself has been reported */
    cli_say(out, "%s: ", file ? file : "device");
    if (r->sectors_erased)
        cli_say(out, "erased %u sector%s (%llu bytes), ", r->sectors_erased,
                r->sectors_erased == 1 ? "" : "s", (unsigned long long)r->erased_bytes);
    cli_say(out, "wrote %llu bytes", (unsigned long long)r->written_bytes);
    if (r->skipped_bytes)
        cli_say(out, ", skipped %llu bytes already there", (unsigned long long)r->skipped_bytes);
    if (r->verified) cli_say(out, ", verified %llu bytes", (unsigned long long)r->verified_bytes);
    if (r->retries) cli_say(out, ", %u retr%s", r->retries, r->retries == 1 ? "y" : "ies");
    cli_say(out, " in %.1f s%s%s\n", (double)r->elapsed_us / 1e6,
            r->left ? "; the device is starting its firmware" : "", cli_reset_text(r));
}
