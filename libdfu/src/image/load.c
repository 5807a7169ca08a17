/* Loading an image from a file or memory: detect the format, strip a suffix, dispatch. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "formats.h"

static bool is_text_format(dfu_format f)
{
    return f == DFU_FORMAT_IHEX || f == DFU_FORMAT_SREC;
}

/* Parses a binary-format file held in memory: a DFU suffix is read and stripped first. */
static int parse_binary(dfu_ctx *ctx, const dfu_input *in, dfu_format format, uint32_t base,
                        bool accept_bad_crc, dfu_image *img)
{
    int rc0;
    dfu_identity id;
    size_t suffix_len = 0;
    int has = 0;
    if (format != DFU_FORMAT_ELF) {
        has = dfu_suffix_read(ctx, in->name, in->data, in->len, &id, &suffix_len);
        if (has < 0) return has;
        if (has && (rc0 = dfu_suffix_check_crc(ctx, in->name, &id, accept_bad_crc))) return rc0;
        if (format == DFU_FORMAT_DFUSE && !has)
            return dfu_err(ctx, DFU_ERR_FORMAT,
                           "%s: DfuSe file without a DFU suffix (last 16 bytes lack \"UFD\")",
                           in->name);
    }
    dfu_input payload = *in;
    payload.len = in->len - (has ? suffix_len : 0);
    int rc;
    switch (format) {
    case DFU_FORMAT_ELF: rc = dfu_read_elf(ctx, &payload, img); break;
    case DFU_FORMAT_DFUSE: rc = dfu_read_dfuse(ctx, &payload, img); break;
    default: rc = dfu_read_bin(ctx, &payload, base, img); break;
    }
    if (rc) return rc;
    if (has) dfu_image_set_identity(img, &id);
    if (format == DFU_FORMAT_BIN && has) format = DFU_FORMAT_DFU;
    img->format = format;
    return DFU_OK;
}

static int parse_with(dfu_image **out, dfu_ctx *ctx, const dfu_input *in, dfu_format format,
                      const dfu_load_options *opts)
{
    dfu_image *img;
    if (dfu_image_new(&img)) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    int rc;
    if (format == DFU_FORMAT_IHEX)
        rc = dfu_read_ihex(ctx, in, img);
    else if (format == DFU_FORMAT_SREC)
        rc = dfu_read_srec(ctx, in, img);
    else
        rc = parse_binary(ctx, in, format, opts->base_address, opts->accept_bad_crc, img);
    if (rc) {
        dfu_image_free(img);
        return rc;
    }
    if (is_text_format(format)) img->format = format;
    *out = img;
    return DFU_OK;
}

int dfu_image_parse(dfu_image **out, dfu_ctx *ctx, const uint8_t *buf, size_t len, const char *name,
                    const dfu_load_options *opts)
{
    dfu_load_options defaults = DFU_LOAD_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (!out || (!buf && len)) return dfu_err(ctx, DFU_ERR_ARG, "no buffer to parse");
    dfu_input in = {name ? name : "<memory>", buf ? buf : (const uint8_t *)"", len, NULL};
    dfu_format format = opts->format;
    if (format == DFU_FORMAT_AUTO) {
        size_t tail = len < 16 ? len : 16;
        format = dfu_format_detect(in.data, len, in.data + len - tail, tail, name);
    }
    return parse_with(out, ctx, &in, format, opts);
}

int dfu_image_load(dfu_image **out, dfu_ctx *ctx, const char *path, const dfu_load_options *opts)
{
    dfu_load_options defaults = DFU_LOAD_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (!out || !path) return dfu_err(ctx, DFU_ERR_ARG, "no file name given");
    FILE *fp = fopen(path, "rb");
    if (!fp) return dfu_err_errno(ctx, "cannot open", path);

    /* Text formats are streamed (a 32 MiB HEX file need not sit in memory beside its data);
     * the rest is read whole. Detection needs only the first bytes and the last 16. */
    uint8_t head[512], tail[16];
    size_t head_len = fread(head, 1, sizeof(head), fp), tail_len = 0;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long size = ftell(fp);
        if (size > 0) {
            tail_len = size < 16 ? (size_t)size : 16;
            if (fseek(fp, size - (long)tail_len, SEEK_SET) != 0 ||
                fread(tail, 1, tail_len, fp) != tail_len)
                tail_len = 0;
        }
    }
    if (ferror(fp)) {
        int rc = dfu_err_errno(ctx, "read error", path);
        fclose(fp);
        return rc;
    }
    dfu_format format = opts->format;
    if (format == DFU_FORMAT_AUTO) format = dfu_format_detect(head, head_len, tail, tail_len, path);

    if (is_text_format(format)) {
        rewind(fp);
        dfu_input in = {path, NULL, 0, fp};
        int rc = parse_with(out, ctx, &in, format, opts);
        fclose(fp);
        return rc;
    }
    fclose(fp);
    uint8_t *data;
    size_t len;
    int rc = dfu_file_read_all(ctx, path, &data, &len);
    if (rc) return rc;
    dfu_input in = {path, data, len, NULL};
    rc = parse_with(out, ctx, &in, format, opts);
    free(data);
    return rc;
}
