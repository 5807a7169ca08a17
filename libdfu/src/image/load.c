/* Loading an image from a file or memory: detect the format, strip a suffix, dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/stat.h"
#include "formats.h"
#include "libdfu/spec.h"

static bool is_text_format(dfu_format f)
{
    return f == DFU_FORMAT_IHEX || f == DFU_FORMAT_SREC;
}

/* A .bin whose last bytes happen to spell "UFD" is detected as dfu; say how to read it anyway. */
#define RAW_HINT                                                                                   \
    " (if this is a raw binary that merely ends in the bytes \"UFD\", read it as format bin)"

/* Appends hint to the message just recorded. */
static int with_hint(dfu_ctx *ctx, int rc, const char *hint)
{
    if (!ctx || !hint[0]) return rc;
    char msg[DFU_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof(msg), "%s", dfu_ctx_error(ctx)->message);
    return dfu_err(ctx, rc, "%s%s", msg, hint);
}

/* Reads, checks and (through s->length) measures the DFU suffix that dfu and dfuse files end in.
 * A forced "bin" never gets here: raw means every byte is data, whatever the end looks like. */
static int read_suffix(dfu_ctx *ctx, const dfu_input *in, dfu_format format, bool accept_bad_crc,
                       dfu_suffix *s)
{
    const char *hint = format == DFU_FORMAT_DFU ? RAW_HINT : "";
    int has = dfu_suffix_read(ctx, in->name, in->data, in->len, s);
    if (has < 0) return with_hint(ctx, has, hint);
    if (!has)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: no DFU suffix: a %s file ends in 16 bytes with the "
                       "signature \"UFD\"",
                       in->name, in->len < 16 ? 0 : in->len - 16, dfu_format_name(format));
    int rc = dfu_suffix_check_crc(ctx, in->name, in->len, s, accept_bad_crc);
    if (rc) return with_hint(ctx, rc, hint);
    if (format == DFU_FORMAT_DFUSE && s->id.bcd_dfu != DFU_VERSION_DFUSE)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: the DFU suffix of a DfuSe file has bcdDFU 0x%04x; DfuSe "
                       "files have 0x011A (version 1.1a), nothing else is defined",
                       in->name, in->len - 10, s->id.bcd_dfu);
    return DFU_OK;
}

/* A suffix with DfuSe's bcdDFU on a file detected as plain dfu: it lacks the "DfuSe" prefix, so
 * it is a damaged DfuSe file, and reading it as a raw binary would flash its container (prefix,
 * target and element headers) as data at address 0. Asked for as dfu, it is taken as such. */
static int check_not_dfuse(dfu_ctx *ctx, const dfu_input *in, const dfu_suffix *s,
                           const dfu_load_options *opts)
{
    if (opts->format != DFU_FORMAT_AUTO || s->id.bcd_dfu != DFU_VERSION_DFUSE) return DFU_OK;
    return dfu_err(ctx, DFU_ERR_FORMAT,
                   "%s: offset %zu: the DFU suffix has bcdDFU 0x011A, which marks a DfuSe file, "
                   "but the file does not start with the DfuSe prefix (\"DfuSe\"): a damaged "
                   "DfuSe file (to read it anyway, read it as format bin, every byte as data, or "
                   "as format dfu, a raw binary with a DFU suffix)",
                   in->name, in->len - 10);
}

/* Parses a binary-format file held in memory. */
static int parse_binary(dfu_ctx *ctx, const dfu_input *in, dfu_format format,
                        const dfu_load_options *opts, dfu_image *img)
{
    dfu_suffix s = {{0}, 0, 0};
    bool has = format == DFU_FORMAT_DFU || format == DFU_FORMAT_DFUSE;
    int rc = has ? read_suffix(ctx, in, format, opts->accept_bad_crc, &s) : DFU_OK;
    if (!rc && format == DFU_FORMAT_DFU) rc = check_not_dfuse(ctx, in, &s, opts);
    if (rc) return rc;
    dfu_input payload = *in;
    payload.len = in->len - s.length;
    switch (format) {
    case DFU_FORMAT_ELF: rc = dfu_read_elf(ctx, &payload, img); break;
    case DFU_FORMAT_DFUSE: rc = dfu_read_dfuse(ctx, &payload, s.length, img); break;
    default: rc = dfu_read_bin(ctx, &payload, opts->base_address, img); break;
    }
    if (rc) return rc;
    if (has) dfu_image_set_identity(img, &s.id);
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
        rc = parse_binary(ctx, in, format, opts, img);
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
    if (out) *out = NULL;
    dfu_load_options defaults = DFU_LOAD_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (dfu_check_options(ctx, "dfu_load_options", opts->version, DFU_LOAD_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    if (!out || (!buf && len)) return dfu_err(ctx, DFU_ERR_ARG, "no buffer to parse");
    dfu_input in = {name ? name : "<memory>", buf ? buf : (const uint8_t *)"", len, NULL};
    dfu_format format = opts->format;
    if (format == DFU_FORMAT_AUTO) {
        size_t tail = len < 16 ? len : 16;
        format = dfu_format_detect(in.data, len, in.data + len - tail, tail, name);
    }
    return parse_with(out, ctx, &in, format, opts);
}

/* Far more than any firmware image, in any format. */
#define DFU_STREAM_MAX ((size_t)256 << 20)

/* A pipe, FIFO or device (`<(...)`, /dev/stdin) can be read only once, from its start: detecting
 * the format and then reading would lose the bytes detection took. Read it whole, parse it in
 * memory. */
static int load_unseekable(dfu_image **out, dfu_ctx *ctx, FILE *fp, const char *path,
                           const dfu_load_options *opts)
{
    uint8_t *data;
    size_t len;
    int rc = dfu_file_read_stream(ctx, fp, path, DFU_STREAM_MAX, &data, &len);
    if (rc) return rc;
    rc = dfu_image_parse(out, ctx, data, len, path, opts);
    free(data);
    return rc;
}

int dfu_image_load(dfu_image **out, dfu_ctx *ctx, const char *path, const dfu_load_options *opts)
{
    if (out) *out = NULL;
    dfu_load_options defaults = DFU_LOAD_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (dfu_check_options(ctx, "dfu_load_options", opts->version, DFU_LOAD_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    if (!out || !path) return dfu_err(ctx, DFU_ERR_ARG, "no file name given");
    FILE *fp = fopen(path, "rb");
    if (!fp) return dfu_err_errno(ctx, "cannot open", path);
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode)) {
        int rc = S_ISDIR(st.st_mode) ? dfu_err(ctx, DFU_ERR_IO, "%s: is a directory", path)
                                     : load_unseekable(out, ctx, fp, path, opts);
        fclose(fp);
        return rc;
    }

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
