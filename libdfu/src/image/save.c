/* Saving an image: pick the writer, stream into a temporary file, rename into place. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "formats.h"

static int write_to(dfu_ctx *ctx, const dfu_image *img, dfu_sink *sink, dfu_format format,
                    const dfu_save_options *opts)
{
    switch (format) {
    case DFU_FORMAT_IHEX: return dfu_write_ihex(ctx, img, sink, opts);
    case DFU_FORMAT_SREC: return dfu_write_srec(ctx, img, sink, opts);
    case DFU_FORMAT_BIN: return dfu_write_bin(ctx, img, sink, opts);
    case DFU_FORMAT_DFU: return dfu_write_dfu(ctx, img, sink, opts);
    case DFU_FORMAT_DFUSE: return dfu_write_dfuse(ctx, img, sink, opts);
    case DFU_FORMAT_ELF:
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "writing ELF is not supported; choose bin, hex, srec, dfu or dfuse");
    default: return dfu_err(ctx, DFU_ERR_ARG, "no output format given");
    }
}

int dfu_image_serialize(uint8_t **out, size_t *out_len, dfu_ctx *ctx, const dfu_image *img,
                        const dfu_save_options *opts)
{
    if (out_len) *out_len = 0;
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_image_serialize: no output pointer");
    *out = NULL;
    dfu_save_options defaults = DFU_SAVE_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (dfu_check_options(ctx, "dfu_save_options", opts->version, DFU_SAVE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    dfu_sink sink = {NULL, DFU_BUF_INIT, 0};
    int rc = write_to(ctx, img, &sink, opts->format, opts);
    if (!rc && sink.err) rc = dfu_err(ctx, sink.err, "out of memory serialising the image");
    if (rc) {
        dfu_buf_free(&sink.buf);
        return rc;
    }
    *out = dfu_buf_detach(&sink.buf, out_len);
    return *out ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
}

int dfu_image_save(dfu_ctx *ctx, const dfu_image *img, const char *path,
                   const dfu_save_options *opts)
{
    dfu_save_options defaults = DFU_SAVE_OPTIONS_INIT;
    if (!opts) opts = &defaults;
    if (dfu_check_options(ctx, "dfu_save_options", opts->version, DFU_SAVE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    dfu_format format = opts->format;
    if (format == DFU_FORMAT_AUTO) format = dfu_format_from_extension(path);
    if (format == DFU_FORMAT_AUTO)
        return dfu_err(ctx, DFU_ERR_ARG,
                       "%s: cannot tell the output format from the extension; give one "
                       "(bin, hex, srec, dfu, dfuse)",
                       path);
    if (format == DFU_FORMAT_ELF) return write_to(ctx, img, NULL, format, opts);

    dfu_atomic_file af;
    int rc = dfu_atomic_open(&af, ctx, path, opts->force);
    if (rc) return rc;
    dfu_sink sink = {af.fp, DFU_BUF_INIT, 0};
    rc = write_to(ctx, img, &sink, format, opts);
    if (!rc && sink.err) rc = dfu_err_errno(ctx, "write error", af.tmp_path);
    if (!rc) rc = dfu_atomic_commit(&af, ctx);
    dfu_atomic_abort(&af);
    return rc;
}
