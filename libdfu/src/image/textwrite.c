/* The text writers' output buffer and target choice. */
#include <stdlib.h>

#include "../core/internal.h"
#include "textwrite.h"

int dfu_text_out_init(dfu_text_out *o, dfu_ctx *ctx, dfu_sink *sink)
{
    o->sink = sink;
    o->len = 0;
    o->buf = malloc(DFU_TEXT_OUT_SIZE);
    return o->buf ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
}

char *dfu_text_out_line(dfu_text_out *o)
{
    if (o->len + DFU_TEXT_LINE_MAX > DFU_TEXT_OUT_SIZE) {
        dfu_sink_write(o->sink, o->buf, o->len);
        o->len = 0;
    }
    return o->buf + o->len;
}

void dfu_text_out_finish(dfu_text_out *o)
{
    dfu_sink_write(o->sink, o->buf, o->len);
    free(o->buf);
    o->buf = NULL;
    o->len = 0;
}
