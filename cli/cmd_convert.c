/* dfuctl convert IN -o OUT: any readable firmware format into any writable one. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "files.h"
#include "output.h"
#include "printable.h"

typedef struct convert_opts {
    const char *output, *to, *from, *name;
    uint32_t address, vid, pid, bcd, alt;
    bool force, has_address, has_vid, has_pid, has_bcd, has_alt, has_name;
} convert_opts;

static bool needs_addresses(dfu_format f)
{
    return f == DFU_FORMAT_IHEX || f == DFU_FORMAT_SREC || f == DFU_FORMAT_DFUSE;
}

static bool single_target(dfu_format f)
{
    return f != DFU_FORMAT_DFUSE;
}

/* A copy of target t of src as the only target of a new image, with the alt and name given. */
static int copy_target(dfu_image **out, dfu_ctx *ctx, const dfu_image *src, size_t t, int alt,
                       const char *name)
{
    dfu_image *img;
    int rc = dfu_image_new(&img);
    if (!rc) rc = dfu_image_add_target(img, alt, name, NULL);
    for (size_t i = 0; !rc && i < dfu_image_segment_count(src, t); i++) {
        dfu_segment s;
        dfu_image_segment(src, t, i, &s);
        rc = dfu_image_add_data(ctx, img, 0, s.address, s.data, s.size);
    }
    if (rc) {
        dfu_image_free(img);
        return rc;
    }
    dfu_identity id;
    if (dfu_image_identity(src, &id)) dfu_image_set_identity(img, &id);
    uint32_t start;
    if (dfu_image_start_address(src, &start)) dfu_image_set_start_address(img, &start);
    *out = img;
    return DFU_OK;
}

/* Which target of img to write: the one --alt names, or the only one with data. */
static int pick_target(const cli_out *out, const dfu_image *img, const convert_opts *o,
                       dfu_format to, size_t *picked)
{
    size_t n = dfu_image_target_count(img), with_data = 0;
    if (o->has_alt && n > 1) {
        for (size_t t = 0; t < n; t++) {
            if (dfu_image_target_alt(img, t) == (int)o->alt) {
                *picked = t;
                return EXIT_OK;
            }
        }
        return cli_usage_error(out, "the input has no target with alternate setting %u", o->alt);
    }
    *picked = 0;
    for (size_t t = 0; t < n; t++) {
        if (dfu_image_segment_count(img, t)) {
            if (!with_data) *picked = t;
            with_data++;
        }
    }
    if (with_data > 1 && single_target(to)) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "the input has %zu targets with data; %s holds one. Choose with --alt:", with_data,
                 dfu_format_name(to));
        cli_usage_report(out, DFU_ERR_ARG, false, msg);
        for (size_t t = 0; t < n; t++) {
            const char *name = dfu_image_target_name(img, t);
            char shown[1024];
            fprintf(stderr, "  --alt %d  %s\n", dfu_image_target_alt(img, t),
                    cli_printable(name ? name : "", shown, sizeof(shown)));
        }
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static size_t segment_total(const dfu_image *img)
{
    size_t n = 0;
    for (size_t t = 0; t < dfu_image_target_count(img); t++) n += dfu_image_segment_count(img, t);
    return n;
}

/* --vid/--pid/--bcd over the input's identity (wildcards when it had none). */
static void set_identity(dfu_image *img, const convert_opts *o, dfu_format to)
{
    dfu_identity id = {
        DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, 0, true, 0};
    dfu_image_identity(img, &id);
    if (o->has_vid) id.vid = (uint16_t)o->vid;
    if (o->has_pid) id.pid = (uint16_t)o->pid;
    if (o->has_bcd) id.bcd_device = (uint16_t)o->bcd;
    id.bcd_dfu = to == DFU_FORMAT_DFUSE ? DFU_VERSION_DFUSE : 0x0100;
    dfu_image_set_identity(img, &id);
}

/* The image to write: a DfuSe output keeps every target of a multi-target input unless --alt
 * picks one (dropping the option bytes of a flash + option bytes file silently would be a
 * wrong image); otherwise the one target picked, with --alt/--name applied. */
static int make_output(dfu_image **one, cli_out *out, const dfu_image *img, const convert_opts *o,
                       dfu_format to)
{
    size_t n = dfu_image_target_count(img);
    int rc;
    if (to == DFU_FORMAT_DFUSE && !o->has_alt && n > 1) {
        if (o->has_name)
            return cli_usage_error(out,
                                   "the input has %zu targets: give --alt to say which one "
                                   "--name names",
                                   n);
        rc = dfu_image_clone(one, img);
    } else {
        size_t t = 0;
        int code = pick_target(out, img, o, to, &t);
        if (code) return code;
        int alt = o->has_alt ? (int)o->alt : dfu_image_target_alt(img, t);
        const char *name = o->has_name ? o->name : dfu_image_target_name(img, t);
        if (to == DFU_FORMAT_DFUSE && alt < 0) alt = 0;
        rc = copy_target(one, out->ctx, img, t, alt, name);
    }
    if (rc) return cli_report_error(out, rc, EXIT_FAILURE_OTHER);
    set_identity(*one, o, to);
    return EXIT_OK;
}

/* Options that do nothing for this input and output: said, not silently dropped (a user who
 * gives --address with a HEX file may think it moves the data). */
static void warn_ignored(const cli_out *out, const char *in_path, const dfu_image *img,
                         const convert_opts *o, dfu_format from, dfu_format to)
{
    if (out->common.quiet) return;
    const char *pre = "dfuctl convert: warning:", *name = dfu_format_name(to);
    if (o->has_address && from != DFU_FORMAT_BIN && from != DFU_FORMAT_DFU)
        fprintf(stderr, "%s --address is ignored: %s (%s) says where its data goes\n", pre, in_path,
                dfu_format_name(from));
    if ((o->has_vid || o->has_pid || o->has_bcd) && to != DFU_FORMAT_DFU && to != DFU_FORMAT_DFUSE)
        fprintf(stderr, "%s --vid/--pid/--bcd are ignored: a %s file has no DFU suffix\n", pre,
                name);
    if (to == DFU_FORMAT_DFUSE) return;
    if (o->has_name) fprintf(stderr, "%s --name is ignored: a %s file has no targets\n", pre, name);
    if (o->has_alt && dfu_image_target_count(img) <= 1)
        fprintf(stderr, "%s --alt is ignored: a %s file has no targets\n", pre, name);
}

static int run(cli_out *out, const char *in_path, convert_opts *o)
{
    char why[4200];
    if (cli_cannot_write(o->output, why, sizeof(why))) /* not "exists: use --force" for a dir */
        return cli_usage_report(out, DFU_ERR_ARG, false, why);
    dfu_format to = DFU_FORMAT_AUTO;
    if (o->to && dfu_format_from_name(&to, o->to))
        return cli_usage_error(out, "unknown output format '%s'", o->to);
    if (to == DFU_FORMAT_AUTO) to = dfu_format_from_path(o->output);
    if (to == DFU_FORMAT_AUTO)
        return cli_usage_error(out, "cannot tell the output format from '%s'; give --to",
                               o->output);
    if (to == DFU_FORMAT_ELF)
        return cli_usage_error(out, "ELF cannot be written; choose bin, hex, srec, dfu or "
                                    "dfuse");
    if (strcmp(in_path, o->output) == 0 || cli_same_file(in_path, o->output))
        return cli_usage_error(out, "refusing to overwrite the input file '%s'", in_path);

    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.base_address = o->address;
    if (o->from && dfu_format_from_name(&lo.format, o->from))
        return cli_usage_error(out, "unknown input format '%s'", o->from);
    dfu_image *img;
    int rc = dfu_image_load(&img, out->ctx, in_path, &lo);
    if (rc) return cli_report_error(out, rc, EXIT_BAD_FILE);

    dfu_format from = dfu_image_format(img);
    int code = EXIT_OK;
    if ((from == DFU_FORMAT_BIN || from == DFU_FORMAT_DFU) && needs_addresses(to) &&
        !o->has_address) {
        code = cli_usage_error(out,
                               "%s is a raw binary, which does not say where it goes: give "
                               "--address (for example --address 0x08000000)",
                               in_path);
        goto done;
    }
    warn_ignored(out, in_path, img, o, from, to);
    dfu_image *one;
    code = make_output(&one, out, img, o, to);
    if (code) goto done;

    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = to;
    so.force = o->force;
    rc = dfu_image_save(out->ctx, one, o->output, &so);
    if (rc) {
        /* DFU_ERR_UNSUPPORTED: OUT's format cannot hold this image (a gap too wide to fill in a
         * bin or dfu): a choice of the command line to change, like several targets for hex. */
        code = cli_report_error(out, rc, rc == DFU_ERR_UNSUPPORTED ? EXIT_USAGE : EXIT_OK);
    } else if (out->common.json) {
        json_w w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_string(&w, "type", "convert");
        jw_string(&w, "input", in_path);
        jw_string(&w, "input_format", dfu_format_name(from));
        jw_string(&w, "output", o->output);
        jw_string(&w, "output_format", dfu_format_name(to));
        jw_uint(&w, "targets", dfu_image_target_count(one));
        jw_uint(&w, "segments", segment_total(one));
        jw_uint(&w, "size", dfu_image_data_size(one, DFU_ALL_TARGETS));
        jw_end(&w);
        jw_finish(&w);
    } else {
        size_t n = segment_total(one);
        cli_say(out, "%s (%s) -> %s (%s): %zu segment%s, %llu bytes\n", in_path,
                dfu_format_name(from), o->output, dfu_format_name(to), n, n == 1 ? "" : "s",
                (unsigned long long)dfu_image_data_size(one, DFU_ALL_TARGETS));
    }
    dfu_image_free(one);
done:
    dfu_image_free(img);
    return code;
}

int cmd_convert(int argc, char **argv)
{
    convert_opts o = {0};
    const cli_opt opts[] = {
        {"output", 'o', OPT_STRING, &o.output, NULL, "OUT", "file to write (required)"},
        {"to", 't', OPT_STRING, &o.to, NULL, "FMT",
         "bin, hex, srec, dfu or dfuse (default: from OUT's extension; .dfu is dfuse)"},
        {"from", 'f', OPT_STRING, &o.from, NULL, "FMT", "read IN as this format (default: detect)"},
        {"address", 'a', OPT_U32, &o.address, &o.has_address, "ADDR",
         "where a raw binary input goes"},
        {"vid", 0, OPT_U16, &o.vid, &o.has_vid, "VID", "DFU suffix vendor id (0xffff: any)"},
        {"pid", 0, OPT_U16, &o.pid, &o.has_pid, "PID", "DFU suffix product id (0xffff: any)"},
        {"bcd", 0, OPT_U16, &o.bcd, &o.has_bcd, "BCD", "DFU suffix bcdDevice (0xffff: any)"},
        {"alt", 0, OPT_U8, &o.alt, &o.has_alt, "N",
         "DfuSe target alternate setting; with several input targets, the one to convert"},
        {"name", 0, OPT_STRING, &o.name, &o.has_name, "NAME", "DfuSe target name"},
        {"force", 0, OPT_FLAG, &o.force, NULL, NULL, "overwrite OUT if it exists"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "convert"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 1, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("convert", "IN -o OUT [options]",
                       "Converts a firmware file. Writes atomically; never overwrites IN, and "
                       "overwrites OUT only with --force.",
                       opts);
        return EXIT_OK;
    }
    if (npos != 1) return cli_usage_error(&out, "needs one input file");
    if (!o.output) return cli_usage_error(&out, "needs -o OUT");
    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    int code = run(&out, pos[0], &o);
    dfu_ctx_free(out.ctx);
    return code;
}
