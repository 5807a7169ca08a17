/*
 * Recovery journals on disk: a small text file per device, rewritten atomically after every
 * step, and a DfuSe copy of the image beside it.
 *
 *   libdfu-journal 1
 *   selector path=1-1.4
 *   path 1-1.4
 *   ...
 *   step 3 write 0 0x08004000 16384 1
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/file.h"
#include "../core/file_lock.h"
#include "../core/internal.h"
#include "../core/str.h"
#include "../image/image_internal.h"
#include "../proto/proto.h"
#include "journal_internal.h"

#define JOURNAL_MAGIC JOURNAL_MAGIC_TEXT

/* A copy of s, "" for NULL. */
static char *dup(const char *s)
{
    return dfu_strdup(s ? s : "");
}

/* <dir>/<port path with anything odd replaced>.<ext> */
char *dfu_journal_file_name(const char *dir, const char *path, const char *ext)
{
    size_t n = strlen(dir) + strlen(path) + strlen(ext) + 3;
    char *out = malloc(n);
    if (!out) return NULL;
    int len = snprintf(out, n, "%s/", dir);
    for (const char *s = path; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_';
        out[len++] = ok ? c : '_';
    }
    snprintf(out + len, n - (size_t)len, ".%s", ext);
    return out;
}

void dfu_journal_free(dfu_journal *j)
{
    if (!j) return;
    dfu_journal_release(j);
    free(j->file);
    free(j->lock_file);
    free(j->image_file);
    free(j->selector);
    free(j->path);
    free(j->serial);
    free(j->image_path);
    free(j->steps);
    free(j->done);
    free(j);
}

int dfu_journal_format(dfu_buf *b, const dfu_journal *j)
{
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", j->digest[i]);
    int rc =
        dfu_buf_printf(b, "%s\nselector %s\npath %s\nserial %s\nvid %04x\npid %04x\ndfuse %d\n",
                       JOURNAL_MAGIC, j->selector, j->path, j->serial, j->vid, j->pid, j->dfuse);
    if (!rc)
        rc = dfu_buf_printf(
            b, "image %s\ndigest %s\norder %s\nmass-erase %d\nno-leave %d\nno-verify %d\n",
            j->image_path, hex, j->order == DFU_ORDER_LINEAR ? "linear" : "safe", j->mass_erase,
            j->no_leave, j->no_verify);
    if (!rc) rc = dfu_buf_printf(b, "started %lld\nsteps %zu\n", (long long)j->started, j->count);
    for (size_t i = 0; i < j->count && !rc; i++)
        rc = dfu_buf_printf(b, "step %zu %s %d 0x%08x %u %d\n", i,
                            dfu_step_kind_name(j->steps[i].kind), j->steps[i].alt,
                            j->steps[i].address, j->steps[i].size, j->done[i]);
    return rc;
}

static int write_journal(dfu_journal *j, dfu_ctx *ctx)
{
    dfu_buf b = DFU_BUF_INIT;
    if (dfu_journal_format(&b, j)) {
        dfu_buf_free(&b);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    dfu_atomic_file af;
    int rc = dfu_atomic_open(&af, ctx, j->file, true);
    if (!rc && fwrite(b.data, 1, b.len, af.fp) != b.len)
        rc = dfu_err_errno(ctx, "cannot write the journal", af.tmp_path);
    if (!rc) rc = dfu_atomic_commit(&af, ctx);
    dfu_atomic_abort(&af);
    dfu_buf_free(&b);
    return rc;
}

/* The plan's image with each target's alternate setting resolved, as the copy stores it. */
static int resolved_image(dfu_image **out, const dfu_plan *p)
{
    int rc = dfu_image_clone(out, p->image);
    for (size_t a = 0; !rc && a < p->alt_count; a++)
        if (p->alt_target[a] != SIZE_MAX) (*out)->targets[p->alt_target[a]].alt = (int)a;
    return rc;
}

char *dfu_journal_lock_name(const char *file)
{
    size_t n = strlen(file) + sizeof(".lock");
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s.lock", file);
    return p;
}

static int busy(dfu_ctx *ctx, const dfu_journal *j)
{
    return dfu_err(ctx, DFU_ERR_BUSY,
                   "another update or recovery is using the journal %s (it holds %s): let it "
                   "finish",
                   j->file, j->lock_file);
}

int dfu_journal_hold(dfu_journal *j, dfu_ctx *ctx)
{
    if (j->lock) return busy(ctx, j); /* a recovery of j in this process */
    j->lock = dfu_lock_file_acquire(j->lock_file);
    if (j->lock) {
        j->owns_lock = true;
        return DFU_OK;
    }
    if (errno == EAGAIN) return busy(ctx, j);
    return dfu_err_errno(ctx, "cannot lock the journal", j->lock_file);
}

void dfu_journal_release(dfu_journal *j)
{
    if (j->owns_lock) dfu_lock_file_release(j->lock, j->lock_file);
    j->lock = NULL;
    j->owns_lock = false;
}

int dfu_journal_reserve(dfu_journal **out, dfu_ctx *ctx, const dfu_plan *p)
{
    *out = NULL;
    const char *dir = p->opts.journal_dir;
    const dfu_device_info *info = &p->dev->info;
    int rc = dfu_make_dirs(ctx, dir, "cannot create the journal directory");
    if (rc) return rc;
    dfu_journal *j = calloc(1, sizeof(*j));
    if (!j) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    char selector[512];
    snprintf(selector, sizeof(selector), "path=%s", info->path);
    j->file = dfu_journal_file_name(dir, info->path, "journal");
    j->image_file = dfu_journal_file_name(dir, info->path, "image.dfu");
    j->lock_file = j->file ? dfu_journal_lock_name(j->file) : NULL;
    j->selector = dup(p->opts.selector ? p->opts.selector : selector);
    j->path = dup(info->path);
    j->serial = dup(info->serial);
    j->image_path = dup(p->opts.image_path);
    j->steps = malloc((p->count ? p->count : 1) * sizeof(*j->steps));
    j->done = calloc(p->count ? p->count : 1, sizeof(*j->done));
    if (!j->file || !j->image_file || !j->lock_file || !j->selector || !j->path || !j->serial ||
        !j->image_path || !j->steps || !j->done) {
        dfu_journal_free(j);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    /* A recovery keeping its journal where the one it recovers was: it holds that lock. */
    const dfu_journal *held = p->recovering;
    if (held && held->lock && dfu_lock_file_is(held->lock, j->lock_file)) {
        j->lock = held->lock;
    } else {
        /* Another process updating the board at this port path (its device claimed elsewhere
         * would normally stop us first) keeps its journal: never replace it. */
        rc = dfu_journal_hold(j, ctx);
        if (rc) {
            dfu_journal_free(j);
            return rc;
        }
    }
    *out = j;
    return DFU_OK;
}

int dfu_journal_begin(dfu_journal *j, dfu_ctx *ctx, const dfu_plan *p)
{
    const dfu_device_info *info = &p->dev->info;
    j->vid = info->vid;
    j->pid = info->pid;
    j->dfuse = p->desc.dfuse;
    dfu_image_digest(p->image, j->digest);
    j->order = p->opts.order;
    j->mass_erase = p->opts.mass_erase;
    j->no_leave = p->opts.no_leave;
    j->no_verify = p->opts.no_verify;
    j->started = (int64_t)time(NULL);
    j->count = p->count;
    memcpy(j->steps, p->steps, p->count * sizeof(*j->steps));
    dfu_image *copy = NULL;
    int rc = resolved_image(&copy, p);
    if (rc) rc = dfu_err(ctx, rc, "out of memory copying the image");
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_DFUSE;
    so.force = true;
    if (!rc) rc = dfu_image_save(ctx, copy, j->image_file, &so);
    dfu_image_free(copy);
    if (!rc) rc = write_journal(j, ctx);
    if (rc)
        return dfu_err_prefix(ctx, rc, "keeping the recovery journal in %s", p->opts.journal_dir);
    dfu_debug(ctx, "journal: %s", j->file);
    return DFU_OK;
}

int dfu_journal_mark(dfu_journal *j, dfu_ctx *ctx, size_t i)
{
    if (i >= j->count) return DFU_OK;
    j->done[i] = true;
    return write_journal(j, ctx);
}

int dfu_journal_remove(dfu_journal *j, dfu_ctx *ctx)
{
    int rc = DFU_OK;
    if (remove(j->file) != 0 && errno != ENOENT)
        rc = dfu_err_errno(ctx, "cannot remove the journal", j->file);
    if (remove(j->image_file) != 0 && errno != ENOENT && !rc)
        rc = dfu_err_errno(ctx, "cannot remove the journal's image copy", j->image_file);
    dfu_journal_release(j);
    return rc;
}

int dfu_journal_discard(dfu_ctx *ctx, dfu_journal *j)
{
    int rc = dfu_journal_hold(j, ctx);
    return rc ? rc : dfu_journal_remove(j, ctx);
}

const char *dfu_journal_selector(const dfu_journal *j)
{
    return j->selector;
}

const char *dfu_journal_device_path(const dfu_journal *j)
{
    return j->path;
}

const char *dfu_journal_image_path(const dfu_journal *j)
{
    return j->image_path;
}

void dfu_journal_digest(const dfu_journal *j, uint8_t out[32])
{
    memcpy(out, j->digest, 32);
}

size_t dfu_journal_step_count(const dfu_journal *j)
{
    return j->count;
}

size_t dfu_journal_steps_done(const dfu_journal *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->count; i++) n += j->done[i];
    return n;
}

int64_t dfu_journal_started(const dfu_journal *j)
{
    return j->started;
}

int dfu_journal_image(dfu_image **out, dfu_ctx *ctx, const dfu_journal *j)
{
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_journal_image: no output pointer");
    *out = NULL;
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.format = DFU_FORMAT_DFUSE;
    int rc = dfu_image_load(out, ctx, j->image_file, &lo);
    if (rc) return dfu_err_prefix(ctx, rc, "the journal's copy of the image");
    uint8_t digest[32];
    dfu_image_digest(*out, digest);
    if (memcmp(digest, j->digest, 32) != 0) {
        dfu_image_free(*out);
        *out = NULL;
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: the journal's copy of the image does not match its digest",
                       j->image_file);
    }
    return DFU_OK;
}
