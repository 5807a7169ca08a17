/* The text formats' line reader: one code path for memory and streams, 256 KiB reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "lines.h"

/* Room for the longest line allowed plus a large read behind it. */
#define LINES_BUF_SIZE (DFU_LINE_MAX + 256 * 1024)

int dfu_lines_init(dfu_lines *l, dfu_ctx *ctx, const dfu_input *in)
{
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
    l->in = in;
    if (in->data) return DFU_OK;
    l->origin = ftell(in->fp);
    if (l->origin < 0) l->origin = 0;
    l->cap = LINES_BUF_SIZE;
    l->buf = malloc(l->cap);
    return l->buf ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "%s: out of memory", in->name);
}

void dfu_lines_free(dfu_lines *l)
{
    free(l->buf);
    l->buf = NULL;
}

int dfu_lines_rewind(dfu_lines *l)
{
    l->start = l->end = 0;
    l->eof = false;
    l->line = 0;
    l->last_len = 0;
    if (l->in->data) return DFU_OK;
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

/* Finds the next line in the bytes [p, p + avail); 1 with *len set when a line end is found. */
static int find_end(const uint8_t *p, size_t avail, size_t *len)
{
    const uint8_t *nl = memchr(p, '\n', avail);
    if (!nl) return 0;
    *len = (size_t)(nl - p);
    return 1;
}

/* Locates the next line's bytes and advances past it; *raw_len includes no '\n'. */
static int next_raw(dfu_lines *l, const uint8_t **line, size_t *raw_len)
{
    if (l->in->data) {
        size_t avail = l->in->len - l->start;
        if (avail == 0) return 0;
        const uint8_t *p = l->in->data + l->start;
        size_t n;
        bool nl = find_end(p, avail, &n);
        if (!nl) n = avail;
        *line = p;
        *raw_len = n;
        l->start += n + nl;
        return 1;
    }
    for (;;) {
        size_t avail = l->end - l->start, n;
        const uint8_t *p = l->buf + l->start;
        bool nl = find_end(p, avail, &n);
        if (nl || (l->eof && avail)) {
            if (!nl) n = avail;
            *line = p;
            *raw_len = n;
            l->start += n + nl;
            return 1;
        }
        if (l->eof) return 0;
        if (avail > DFU_LINE_MAX) return 2; /* overlong: the caller reports it */
        int rc = refill(l);
        if (rc) return rc;
    }
}

int dfu_lines_next(dfu_lines *l, const uint8_t **line, size_t *len)
{
    size_t n = 0;
    int rc = next_raw(l, line, &n);
    if (rc <= 0) return rc;
    l->line++;
    if (rc == 2 || n > DFU_LINE_MAX) return too_long(l);
    if (n && (*line)[n - 1] == '\r') n--;
    if (l->line == 1 && n >= 3 && memcmp(*line, "\xEF\xBB\xBF", 3) == 0) {
        *line += 3; /* a UTF-8 byte order mark, as some Windows editors write */
        n -= 3;
    }
    l->last_len = n;
    *len = n;
    return 1;
}
