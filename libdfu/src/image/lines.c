/* The text formats' line reader: one window over memory or a 320 KiB stream buffer. */
#include <stdlib.h>

#include "../core/internal.h"
#include "lines.h"

/* Room for the longest line allowed plus a large read behind it. */
#define LINES_BUF_SIZE (DFU_LINE_MAX + 256 * 1024)

int dfu_lines_init(dfu_lines *l, dfu_ctx *ctx, const dfu_input *in)
{
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
    l->in = in;
    if (in->data) {
        l->base = in->data;
        l->end = in->len;
        l->eof = true;
        return DFU_OK;
    }
    l->origin = ftell(in->fp);
    if (l->origin < 0) l->origin = 0;
    l->cap = LINES_BUF_SIZE;
    l->buf = malloc(l->cap);
    l->base = l->buf;
    return l->buf ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "%s: out of memory", in->name);
}

void dfu_lines_free(dfu_lines *l)
{
    free(l->buf);
    l->buf = NULL;
}

int dfu_lines_rewind(dfu_lines *l)
{
    l->start = 0;
    l->line = 0;
    l->last_len = 0;
    if (l->in->data) return DFU_OK;
    l->end = 0;
    l->eof = false;
    clearerr(l->in->fp);
    if (fseek(l->in->fp, l->origin, SEEK_SET) != 0)
        return dfu_err_errno(l->ctx, "cannot rewind", l->in->name);
    return DFU_OK;
}

/* Moves the unread bytes to the front of the buffer and reads behind them. */
static int refill(dfu_lines *l)
{
    size_t keep = l->end - l->start;
    memmove(l->buf, l->buf + l->start, keep);
    l->start = 0;
    l->end = keep;
    size_t n = fread(l->buf + keep, 1, l->cap - keep, l->in->fp);
    l->end += n;
    if (n < l->cap - keep) {
        if (ferror(l->in->fp)) return dfu_err_errno(l->ctx, "read error", l->in->name);
        l->eof = true;
    }
    return DFU_OK;
}

static int too_long(dfu_lines *l)
{
    return dfu_err(l->ctx, DFU_ERR_FORMAT,
                   "%s:%u:%u: line is longer than %u characters: not a text firmware file",
                   l->in->name, l->line, (unsigned)DFU_LINE_MAX + 1, (unsigned)DFU_LINE_MAX);
}

int dfu_lines_next_slow(dfu_lines *l, const uint8_t **line, size_t *len)
{
    const uint8_t *p, *nl;
    size_t avail;
    for (;;) {
        p = l->base + l->start;
        avail = l->end - l->start;
        nl = memchr(p, '\n', avail);
        if (nl || l->eof || avail > DFU_LINE_MAX) break;
        int rc = refill(l);
        if (rc) return rc;
    }
    if (!nl && avail == 0) return 0;
    size_t n = nl ? (size_t)(nl - p) : avail;
    l->line++;
    if (n > DFU_LINE_MAX) return too_long(l);
    l->start += n + (nl != NULL);
    if (n && p[n - 1] == '\r') n--;
    if (l->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* a UTF-8 byte order mark, as some Windows editors write */
        n -= 3;
    }
    l->last_len = n;
    *line = p;
    *len = n;
    return 1;
}
