/* dfuctl list: every DFU device, its alternate settings and their memory layouts. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "device_opts.h"
#include "output.h"
#include "printable.h"

/* The layout of a DfuSe alternate setting; NULL for names that are not layouts. */
static dfu_layout *layout_of(const dfu_alt_info *alt)
{
    dfu_layout *l = NULL;
    dfu_ctx *ctx;
    if (!alt->name || alt->name[0] != '@' || dfu_ctx_new(&ctx)) return NULL;
    if (dfu_layout_parse(&l, ctx, alt->name)) l = NULL;
    dfu_ctx_free(ctx);
    return l;
}

static void json_layout(json_w *w, const dfu_layout *l)
{
    if (!l) {
        jw_null(w, "layout");
        return;
    }
    jw_object(w, "layout");
    jw_string(w, "name", l->name);
    jw_uint(w, "size", dfu_layout_size(l));
    jw_array(w, "groups");
    for (size_t g = 0; g < l->group_count; g++) {
        const dfu_sector_group *sg = &l->groups[g];
        jw_object(w, NULL);
        jw_uint(w, "address", sg->address);
        jw_uint(w, "count", sg->count);
        jw_uint(w, "size", sg->size);
        jw_bool(w, "readable", sg->access & DFU_MEM_READABLE);
        jw_bool(w, "erasable", sg->access & DFU_MEM_ERASABLE);
        jw_bool(w, "writable", sg->access & DFU_MEM_WRITABLE);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

static void json_func(json_w *w, const dfu_func_desc *f)
{
    if (!f->present) {
        jw_null(w, "dfu_descriptor");
        return;
    }
    jw_object(w, "dfu_descriptor");
    jw_uint(w, "length", f->length);
    jw_uint(w, "attributes", f->attributes);
    jw_bool(w, "can_download", f->attributes & DFU_ATTR_CAN_DNLOAD);
    jw_bool(w, "can_upload", f->attributes & DFU_ATTR_CAN_UPLOAD);
    jw_bool(w, "manifestation_tolerant", f->attributes & DFU_ATTR_MANIFESTATION_TOLERANT);
    jw_bool(w, "will_detach", f->attributes & DFU_ATTR_WILL_DETACH);
    jw_uint(w, "detach_timeout_ms", f->detach_timeout_ms);
    jw_uint(w, "transfer_size", f->transfer_size);
    jw_uint(w, "dfu_version", f->dfu_version);
    jw_end(w);
}

static void json_device(json_w *w, const dfu_device_info *d)
{
    jw_object(w, NULL);
    jw_string(w, "backend", d->backend);
    jw_string(w, "path", d->path);
    jw_string(w, "mode", cli_mode_name(d->mode));
    jw_uint(w, "vid", d->vid);
    jw_uint(w, "pid", d->pid);
    jw_uint(w, "bcd_device", d->bcd_device);
    jw_string(w, "manufacturer", d->manufacturer);
    jw_string(w, "product", d->product);
    jw_string(w, "serial", d->serial);
    jw_uint(w, "bus", d->bus);
    jw_uint(w, "address", d->address);
    json_func(w, &d->func);
    jw_array(w, "alts");
    for (size_t i = 0; i < d->alt_count; i++) {
        const dfu_alt_info *a = &d->alts[i];
        jw_object(w, NULL);
        jw_uint(w, "interface", a->iface);
        jw_uint(w, "alt", a->alt);
        jw_uint(w, "protocol", a->protocol);
        jw_string(w, "name", a->name);
        dfu_layout *l = layout_of(a);
        json_layout(w, l);
        dfu_layout_free(l);
        jw_end(w);
    }
    jw_end(w);
    jw_end(w);
}

static void print_json(const dfu_device_info *list, size_t count)
{
    json_w w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_string(&w, "type", "list");
    jw_array(&w, "devices");
    for (size_t i = 0; i < count; i++) json_device(&w, &list[i]);
    jw_end(&w);
    jw_end(&w);
    jw_finish(&w);
}

static void size_text(char *buf, size_t cap, uint32_t size)
{
    if (size >= 1024 && size % 1024 == 0)
        snprintf(buf, cap, "%u KiB", size / 1024);
    else
        snprintf(buf, cap, "%u B", size);
}

static void text_layout(const cli_out *out, const dfu_layout *l)
{
    for (size_t g = 0; g < l->group_count; g++) {
        const dfu_sector_group *sg = &l->groups[g];
        char size[32];
        size_text(size, sizeof(size), sg->size);
        char access[32] = "";
        if (sg->access & DFU_MEM_READABLE) strcat(access, " readable");
        if (sg->access & DFU_MEM_ERASABLE) strcat(access, " erasable");
        if (sg->access & DFU_MEM_WRITABLE) strcat(access, " writable");
        cli_say(out, "      0x%08x  %4u x %-8s%s\n", sg->address, sg->count, size,
                access[0] ? access : " (no access)");
    }
}

static void text_device(const cli_out *out, const dfu_device_info *d)
{
    /* The strings are the device's own: escaped, so that a device cannot send the terminal
     * escape sequences or break the listing's lines. */
    char serial[512], maker[512], product[512];
    cli_say(out, "%s  %04x:%04x  %s mode  serial %s%s%s  (bus %u, device %u)\n", d->path, d->vid,
            d->pid, d->mode == DFU_MODE_RUNTIME ? "run-time" : "DFU", d->serial ? "\"" : "",
            d->serial ? cli_printable(d->serial, serial, sizeof(serial)) : "none",
            d->serial ? "\"" : "", d->bus, d->address);
    if (d->manufacturer || d->product)
        cli_say(out, "  %s%s%s\n",
                cli_printable(d->manufacturer ? d->manufacturer : "", maker, sizeof(maker)),
                d->manufacturer && d->product ? " / " : "",
                cli_printable(d->product ? d->product : "", product, sizeof(product)));
    const dfu_func_desc *f = &d->func;
    if (f->present)
        cli_say(out,
                "  DFU version 0x%04x, transfer size %u, detach timeout %u ms, attributes "
                "0x%02x%s%s%s%s%s\n",
                f->dfu_version, f->transfer_size, f->detach_timeout_ms, f->attributes,
                f->attributes & DFU_ATTR_CAN_DNLOAD ? " download" : "",
                f->attributes & DFU_ATTR_CAN_UPLOAD ? " upload" : "",
                f->attributes & DFU_ATTR_MANIFESTATION_TOLERANT ? " manifestation-tolerant" : "",
                f->attributes & DFU_ATTR_WILL_DETACH ? " will-detach" : "",
                f->length < 9 ? " (truncated descriptor)" : "");
    else
        cli_say(out, "  no DFU functional descriptor\n");
    for (size_t i = 0; i < d->alt_count; i++) {
        const dfu_alt_info *a = &d->alts[i];
        char name[512];
        cli_say(out, "  alt %u (interface %u): %s\n", a->alt, a->iface,
                a->name ? cli_printable(a->name, name, sizeof(name)) : "(no name)");
        dfu_layout *l = layout_of(a);
        if (l) text_layout(out, l);
        dfu_layout_free(l);
    }
}

static int run(cli_out *out, const char *selector)
{
    dfu_device_info *list;
    size_t count;
    int rc = dfu_device_list(&list, &count, out->ctx, selector);
    if (rc) return cli_report_error(out, rc, EXIT_OK);
    if (out->common.json) {
        print_json(list, count);
    } else {
        if (!count)
            cli_say(out, "no DFU device found%s%s\n", selector ? " matching " : "",
                    selector ? selector : "");
        for (size_t i = 0; i < count; i++) text_device(out, &list[i]);
    }
    dfu_device_list_free(list, count);
    /* A selector that matches nothing is an answer scripts test for ("is it there?"). */
    return count || !selector ? EXIT_OK : EXIT_NO_DEVICE;
}

int cmd_list(int argc, char **argv)
{
    const char *selector = NULL;
    const cli_opt opts[] = {
        {"device", 'd', OPT_STRING, &selector, NULL, "SELECTOR",
         "only devices matching VID:PID[,VID:PID], serial=S, path=P, or sim:PROFILE[,opt...]"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "list"};
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, NULL, 0, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("list", "[-d SELECTOR] [--json]",
                       "Lists DFU devices (run-time and DFU mode): port path, ids, serial, the "
                       "functional descriptor, and each alternate setting with its memory layout. "
                       "Exit code 0, or 4 when a selector was given and matched nothing.",
                       opts);
        return EXIT_OK;
    }
    if (selector && !*selector) selector = NULL;
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    int code = run(&out, selector);
    dfu_ctx_free(out.ctx);
    return code;
}
