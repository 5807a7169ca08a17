/*
 * Recovery journals are files on disk that a crash, a full disk or a user's editor may have
 * damaged, and `dfuctl recover` acts on what they say. A journal the parser accepts must be
 * consistent (every planned step present once, with a kind, an alternate setting and a range
 * the writer could have written) and must survive being written back: formatting it and
 * parsing that gives the same journal, and formatting again the same text. A rejected one names
 * file:line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update/journal_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_NAME "dir/sim-1.journal"

static void check_step(const dfu_step *s, bool done)
{
    if ((unsigned)s->kind > DFU_STEP_LEAVE) abort();
    if (s->alt < 0 || s->alt > 255) abort();
    if ((uint64_t)s->address + s->size > 0x100000000ull) abort();
    /* Erases, writes and verifies act on bytes; manifest and leave on none; a mass erase names
     * what it blanks, or nothing (journals of earlier versions). */
    bool sized =
        s->kind == DFU_STEP_ERASE || s->kind == DFU_STEP_WRITE || s->kind == DFU_STEP_VERIFY;
    if (s->kind != DFU_STEP_MASS_ERASE && sized != (s->size > 0)) abort();
    (void)done;
}

static void check_journal(const dfu_journal *j)
{
    if (!j->file || !j->image_file || !j->selector || !j->path || !j->serial || !j->image_path)
        abort();
    if (strcmp(j->image_file, "dir/sim-1.image.dfu") != 0) abort();
    if (!j->steps || !j->done) abort();
    if (dfu_journal_steps_done(j) > j->count) abort();
    for (size_t i = 0; i < j->count; i++) check_step(&j->steps[i], j->done[i]);
}

static bool same_string(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool same_journal(const dfu_journal *a, const dfu_journal *b)
{
    if (!same_string(a->selector, b->selector) || !same_string(a->path, b->path) ||
        !same_string(a->serial, b->serial) || !same_string(a->image_path, b->image_path))
        return false;
    if (a->vid != b->vid || a->pid != b->pid || a->dfuse != b->dfuse || a->order != b->order ||
        a->mass_erase != b->mass_erase || a->no_leave != b->no_leave ||
        a->no_verify != b->no_verify || a->started != b->started || a->count != b->count ||
        memcmp(a->digest, b->digest, sizeof(a->digest)) != 0)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const dfu_step *s = &a->steps[i], *t = &b->steps[i];
        if (s->kind != t->kind || s->alt != t->alt || s->address != t->address ||
            s->size != t->size || a->done[i] != b->done[i])
            return false;
    }
    return true;
}

static void check_round_trip(dfu_ctx *ctx, const dfu_journal *j)
{
    dfu_buf once = DFU_BUF_INIT, twice = DFU_BUF_INIT;
    if (dfu_journal_format(&once, j)) abort();
    dfu_journal *back = NULL;
    if (dfu_journal_parse(&back, ctx, FILE_NAME, (const char *)once.data, once.len)) {
        fprintf(stderr, "written back, refused: %s\n", dfu_ctx_error(ctx)->message);
        abort();
    }
    if (!same_journal(j, back)) {
        fprintf(stderr, "written back, read differently:\n%s", (const char *)once.data);
        abort();
    }
    if (dfu_journal_format(&twice, back)) abort();
    if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0) abort();
    dfu_journal_free(back);
    dfu_buf_free(&once);
    dfu_buf_free(&twice);
}

/* "dir/sim-1.journal:LINE: what (the journal is damaged; ...)" with a line the text has. */
static void check_error(dfu_ctx *ctx, int rc, const uint8_t *data, size_t size)
{
    const dfu_error_info *e = dfu_ctx_error(ctx);
    if (rc == DFU_ERR_NOMEM) return;
    unsigned line = 0, lines = 1;
    for (size_t i = 0; i < size && data[i]; i++) lines += data[i] == '\n';
    if (rc != DFU_ERR_FORMAT || e->code != rc ||
        sscanf(e->message, FILE_NAME ":%u: ", &line) != 1 || line < 1 || line > lines) {
        fprintf(stderr, "error %d without file:line: %s\n", rc, e->message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 0;
    dfu_journal *j = NULL;
    int rc = dfu_journal_parse(&j, ctx, FILE_NAME, (const char *)data, size);
    if (rc == DFU_OK) {
        check_journal(j);
        check_round_trip(ctx, j);
        dfu_journal_free(j);
    } else {
        if (j) abort();
        check_error(ctx, rc, data, size);
    }
    dfu_ctx_free(ctx);
    return 0;
}
