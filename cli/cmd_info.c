/* dfuctl info FILE: what a firmware file holds. */
#include <stdio.h>
#include <zlib.h>

#include "commands.h"
#include "output.h"
#include "printable.h"

static uint32_t crc_of(const dfu_segment *s)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const uint8_t *p = s->data;
    for (uint32_t left = s->size; left;) {
        uInt n = left > 0x40000000u ? 0x40000000u : left;
        crc = crc32(crc, p, n);
        p += n;
        left -= n;
    }
    return (uint32_t)crc;
}

static size_t total_segments(const dfu_image *img)
{
    size_t n = 0;
    for (size_t t = 0; t < dfu_image_target_count(img); t++) n += dfu_image_segment_count(img, t);
    return n;
}

static void print_json(const char *path, const dfu_image *img)
{
    json_w w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_string(&w, "type", "info");
    jw_string(&w, "file", path);
    jw_string(&w, "format", dfu_format_name(dfu_image_format(img)));
    dfu_identity id;
    if (dfu_image_identity(img, &id)) {
        jw_object(&w, "identity");
        jw_uint(&w, "vid", id.vid);
        jw_uint(&w, "pid", id.pid);
        jw_uint(&w, "bcd_device", id.bcd_device);
        jw_uint(&w, "bcd_dfu", id.bcd_dfu);
        jw_uint(&w, "crc", id.crc);
        jw_bool(&w, "crc_valid", id.crc_valid);
        jw_end(&w);
    } else {
        jw_null(&w, "identity");
    }
    uint32_t start;
    if (dfu_image_start_address(img, &start))
        jw_uint(&w, "start_address", start);
    else
        jw_null(&w, "start_address");
    jw_uint(&w, "total_size", dfu_image_data_size(img, DFU_ALL_TARGETS));
    jw_array(&w, "targets");
    for (size_t t = 0; t < dfu_image_target_count(img); t++) {
        jw_object(&w, NULL);
        int alt = dfu_image_target_alt(img, t);
        if (alt >= 0)
            jw_uint(&w, "alt", (unsigned)alt);
        else
            jw_null(&w, "alt");
        jw_string(&w, "name", dfu_image_target_name(img, t));
        jw_uint(&w, "size", dfu_image_data_size(img, t));
        jw_array(&w, "segments");
        for (size_t i = 0; i < dfu_image_segment_count(img, t); i++) {
            dfu_segment s;
            dfu_image_segment(img, t, i, &s);
            jw_object(&w, NULL);
            jw_uint(&w, "address", s.address);
            jw_uint(&w, "size", s.size);
            jw_uint(&w, "crc32", crc_of(&s));
            jw_end(&w);
        }
        jw_end(&w);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    jw_finish(&w);
}

static void print_text(const cli_out *out, const char *path, const dfu_image *img)
{
    size_t nt = dfu_image_target_count(img), ns = total_segments(img);
    unsigned long long total = dfu_image_data_size(img, DFU_ALL_TARGETS);
    cli_say(out, "%s: %s, %zu target%s, %zu segment%s, %llu byte%s\n", path,
            dfu_format_name(dfu_image_format(img)), nt, nt == 1 ? "" : "s", ns, ns == 1 ? "" : "s",
            total, total == 1 ? "" : "s");
    dfu_identity id;
    if (dfu_image_identity(img, &id))
        cli_say(out,
                "  identity: %04x:%04x bcdDevice 0x%04x bcdDFU 0x%04x (0xffff = any), suffix CRC "
                "0x%08x %s\n",
                id.vid, id.pid, id.bcd_device, id.bcd_dfu, id.crc,
                id.crc_valid ? "valid" : "INVALID: the file is corrupt or was edited");
    uint32_t start;
    if (dfu_image_start_address(img, &start)) cli_say(out, "  start:    0x%08x\n", start);
    for (size_t t = 0; t < nt; t++) {
        int alt = dfu_image_target_alt(img, t);
        const char *name = dfu_image_target_name(img, t);
        cli_say(out, "  target %zu:", t);
        if (alt >= 0) cli_say(out, " alt %d", alt);
        char shown[1024];
        if (name) cli_say(out, " \"%s\"", cli_printable(name, shown, sizeof(shown)));
        unsigned long long size = dfu_image_data_size(img, t);
        cli_say(out, " %llu byte%s\n", size, size == 1 ? "" : "s");
        for (size_t i = 0; i < dfu_image_segment_count(img, t); i++) {
            dfu_segment s;
            dfu_image_segment(img, t, i, &s);
            cli_say(out, "    0x%08x-0x%08llx  %10u bytes  crc32 0x%08x\n", s.address,
                    (unsigned long long)s.address + s.size - 1, s.size, crc_of(&s));
        }
    }
}

int cmd_info(int argc, char **argv)
{
    const char *format_name = NULL;
    uint32_t address = 0;
    const cli_opt opts[] = {
        {"format", 'f', OPT_STRING, &format_name, NULL, "FMT",
         "read as bin, hex, srec, elf, dfu or dfuse (default: detect)"},
        {"address", 'a', OPT_U32, &address, NULL, "ADDR", "base address of a raw binary"},
        {NULL, 0, OPT_FLAG, NULL, NULL, NULL, NULL},
    };
    cli_out out = {{0}, NULL, "info"};
    const char *pos[1];
    int npos;
    if (cli_parse(argc, argv, opts, &out.common, pos, 1, &npos)) return EXIT_USAGE;
    if (out.common.help) {
        cli_print_help("info", "FILE [options]",
                       "Describes a firmware file: its format, DFU suffix identity, targets and "
                       "segments (address, size, CRC-32) and start address.",
                       opts);
        return EXIT_OK;
    }
    if (npos != 1) return cli_usage_error(&out, "needs one FILE");
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.base_address = address;
    lo.accept_bad_crc = true; /* info shows a bad CRC instead of refusing to look */
    if (format_name && dfu_format_from_name(&lo.format, format_name))
        return cli_usage_error(&out, "unknown format '%s'", format_name);

    if (dfu_ctx_new(&out.ctx)) return EXIT_FAILURE_OTHER;
    cli_install_log(&out);
    dfu_image *img;
    int rc = dfu_image_load(&img, out.ctx, pos[0], &lo);
    int code = EXIT_OK;
    if (rc) {
        code = cli_report_error(&out, rc, EXIT_BAD_FILE);
    } else {
        if (out.common.json)
            print_json(pos[0], img);
        else
            print_text(&out, pos[0], img);
        dfu_image_free(img);
    }
    dfu_ctx_free(out.ctx);
    return code;
}
