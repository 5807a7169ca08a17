/* Reading recovery journals back: one device's, or the only one pending. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/file.h"
#include "../core/internal.h"
#include "../core/str.h"
#include "journal_internal.h"

static int bad(dfu_ctx *ctx, const char *file, unsigned line, const char *what)
{
    return dfu_err(ctx, DFU_ERR_FORMAT,
                   "%s:%u: %s (the journal is damaged; discard it with "
                   "`dfu_journal_discard()` and flash again)",
                   file, line, what);
}

static int kind_of(const char *name, dfu_step_kind *out)
{
    for (int k = DFU_STEP_ERASE; k <= DFU_STEP_LEAVE; k++) {
        if (strcmp(name, dfu_step_kind_name((dfu_step_kind)k)) == 0) {
            *out = (dfu_step_kind)k;
            return 0;
        }
    }
    return -1;
}

/* A journal being read: which of its steps have had their line. */
typedef struct reader {
    dfu_journal *j;
    bool *seen;
} reader;

/* Erases, writes and verifies act on bytes; manifest and leave on none; a mass erase names the
 * bytes it blanks (0 in journals of libdfu before 0.1.0's release). */
static bool sized(dfu_step_kind kind)
{
    return kind == DFU_STEP_ERASE || kind == DFU_STEP_WRITE || kind == DFU_STEP_VERIFY;
}

/* "step I KIND ALT ADDRESS SIZE DONE": a step the writer could have written, once. */
static int parse_step(reader *r, const char *v)
{
    dfu_journal *j = r->j;
    size_t i;
    char kind[16];
    int alt, done;
    unsigned address, size;
    dfu_step_kind k;
    if (sscanf(v, "%zu %15s %d %x %u %d", &i, kind, &alt, &address, &size, &done) != 6) return -1;
    if (i >= j->count || r->seen[i] || (done != 0 && done != 1) || alt < 0 || alt > 255) return -1;
    if (kind_of(kind, &k) || (k != DFU_STEP_MASS_ERASE && sized(k) != (size > 0)) ||
        (uint64_t)address + size > 0x100000000ull)
        return -1;
    j->steps[i].kind = k;
    j->steps[i].alt = alt;
    j->steps[i].address = address;
    j->steps[i].size = size;
    j->done[i] = done != 0;
    r->seen[i] = true;
    return 0;
}

static int parse_line(reader *r, const char *key, const char *v)
{
    dfu_journal *j = r->j;
    char **str = strcmp(key, "selector") == 0 ? &j->selector
                 : strcmp(key, "path") == 0   ? &j->path
                 : strcmp(key, "serial") == 0 ? &j->serial
                 : strcmp(key, "image") == 0  ? &j->image_path
                                              : NULL;
    if (str) {
        free(*str);
        *str = dfu_strdup(v);
        return *str ? 0 : -1;
    }
    unsigned u;
    if (strcmp(key, "vid") == 0) return sscanf(v, "%x", &u) == 1 ? (j->vid = (uint16_t)u, 0) : -1;
    if (strcmp(key, "pid") == 0) return sscanf(v, "%x", &u) == 1 ? (j->pid = (uint16_t)u, 0) : -1;
    if (strcmp(key, "dfuse") == 0) return (j->dfuse = atoi(v) != 0, 0);
    if (strcmp(key, "order") == 0)
        return (j->order = strcmp(v, "linear") == 0 ? DFU_ORDER_LINEAR : DFU_ORDER_SAFE, 0);
    if (strcmp(key, "mass-erase") == 0) return (j->mass_erase = atoi(v) != 0, 0);
    if (strcmp(key, "no-leave") == 0) return (j->no_leave = atoi(v) != 0, 0);
    if (strcmp(key, "no-verify") == 0) return (j->no_verify = atoi(v) != 0, 0);
    if (strcmp(key, "started") == 0) return (j->started = strtoll(v, NULL, 10), 0);
    if (strcmp(key, "digest") == 0) {
        if (strlen(v) != 64) return -1;
        for (int i = 0; i < 32; i++) {
            if (sscanf(v + 2 * i, "%2x", &u) != 1) return -1;
            j->digest[i] = (uint8_t)u;
        }
        return 0;
    }
    if (strcmp(key, "steps") == 0) {
        size_t n = strtoul(v, NULL, 10);
        if (n > 1000000 || j->steps) return -1;
        j->count = n;
        j->steps = calloc(n ? n : 1, sizeof(*j->steps));
        j->done = calloc(n ? n : 1, sizeof(*j->done));
        r->seen = calloc(n ? n : 1, sizeof(*r->seen));
        return j->steps && j->done && r->seen ? 0 : -1;
    }
    if (strcmp(key, "step") == 0) return j->steps ? parse_step(r, v) : -1;
    return 0; /* keys from newer versions are ignored */
}

/* What a complete journal has that a truncated or edited one may lack; NULL when complete. */
static const char *missing(const reader *r, char *buf, size_t cap)
{
    const dfu_journal *j = r->j;
    if (!j->selector) return "no selector line";
    if (!j->path) return "no path line";
    if (!j->steps) return "no steps line";
    for (size_t i = 0; i < j->count; i++) {
        if (r->seen[i]) continue;
        snprintf(buf, cap, "step %zu of %zu is missing", i, j->count);
        return buf;
    }
    return NULL;
}

static int parse(dfu_journal *j, dfu_ctx *ctx, const char *file, char *text)
{
    reader r = {j, NULL};
    unsigned line = 1;
    if (strncmp(text, JOURNAL_MAGIC_TEXT "\n", strlen(JOURNAL_MAGIC_TEXT) + 1) != 0 &&
        strcmp(text, JOURNAL_MAGIC_TEXT) != 0)
        return bad(ctx, file, line, "not a libdfu journal");
    int rc = DFU_OK;
    for (char *p = strchr(text, '\n'); p && p[1] && !rc; line++) {
        char *key = p + 1;
        p = strchr(key, '\n');
        if (p) *p = '\0';
        if (!*key) continue;
        char *sp = strchr(key, ' ');
        const char *v = sp ? sp + 1 : "";
        if (sp) *sp = '\0';
        if (parse_line(&r, key, v)) rc = bad(ctx, file, line + 1, "malformed line");
    }
    char what[64];
    const char *lack = rc ? NULL : missing(&r, what, sizeof(what));
    if (lack) rc = bad(ctx, file, line, lack);
    free(r.seen);
    return rc;
}

/* <name>.image.dfu beside <name>.journal. */
static char *image_file_for(const char *file)
{
    size_t n = strlen(file), ext = strlen(".journal");
    if (n >= ext && strcmp(file + n - ext, ".journal") == 0) n -= ext;
    char *p = malloc(n + sizeof(".image.dfu"));
    if (p) snprintf(p, n + sizeof(".image.dfu"), "%.*s.image.dfu", (int)n, file);
    return p;
}

int dfu_journal_parse(dfu_journal **out, dfu_ctx *ctx, const char *file, const char *text,
                      size_t len)
{
    dfu_journal *j = calloc(1, sizeof(*j));
    char *copy = dfu_strndup(text, len); /* split into lines in place */
    int rc = DFU_OK;
    if (j) {
        j->file = dfu_strdup(file);
        j->image_file = image_file_for(file);
        j->lock_file = dfu_journal_lock_name(file);
    }
    if (!j || !copy || !j->file || !j->image_file || !j->lock_file)
        rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    if (!rc) rc = parse(j, ctx, file, copy);
    free(copy);
    if (!rc && !j->serial) j->serial = dfu_strdup("");
    if (!rc && !j->image_path) j->image_path = dfu_strdup("");
    if (!rc && (!j->serial || !j->image_path)) rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    if (rc) {
        dfu_journal_free(j);
        return rc;
    }
    *out = j;
    return DFU_OK;
}

static int load(dfu_journal **out, dfu_ctx *ctx, const char *file)
{
    uint8_t *text;
    size_t len;
    int rc = dfu_file_read_all(ctx, file, &text, &len);
    if (rc) return rc;
    rc = dfu_journal_parse(out, ctx, file, (const char *)text, len);
    free(text);
    return rc;
}

static bool is_journal(const char *name)
{
    size_t n = strlen(name), e = strlen(".journal");
    return n > e && strcmp(name + n - e, ".journal") == 0;
}

/* The journals in a directory that did not load: the caller decides whether they are worth a
 * warning (others were found) or are the error (nothing else was). */
typedef struct damage {
    const char *want; /* the file whose damage matters most (the device's own), or NULL */
    size_t count;
    bool want_damaged;
    char first[1024]; /* why the first damaged file (want, if damaged) did not load */
} damage;

/* Each damaged journal as a warning naming it: one bad file must not stop the recovery of other
 * devices. */
static void warn_damaged(dfu_ctx *ctx, const damage *d, const char *dir)
{
    if (!d->count) return;
    dfu_warn(ctx, "%s (skipped)", d->first);
    if (d->count > 1) dfu_warn(ctx, "%zu more damaged journals in %s (skipped)", d->count - 1, dir);
}

/* Nothing loaded but a damaged journal: that is the answer, not "nothing pending" (an update
 * was interrupted, and its journal needs the user). */
static int damaged_error(dfu_ctx *ctx, const damage *d, const char *dir)
{
    if (d->count > 1)
        return dfu_err(ctx, DFU_ERR_FORMAT, "%s (and %zu more damaged journals in %s)", d->first,
                       d->count - 1, dir);
    return dfu_err(ctx, DFU_ERR_FORMAT, "%s", d->first);
}

/*
 * Calls visit for every journal in dir that loads (it takes ownership); the others are counted
 * in dmg, the reason of the first (or of dmg->want) kept. Stops early when visit returns
 * non-zero.
 */
typedef int (*journal_visit)(dfu_journal *j, void *arg);

static int each_journal(dfu_ctx *ctx, const char *dir, journal_visit visit, void *arg, damage *dmg)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return dfu_err(ctx, DFU_ERR_NOT_FOUND, "no interrupted update recorded in %s", dir);
        return dfu_err_errno(ctx, "cannot read the journal directory", dir);
    }
    int stop = 0;
    for (struct dirent *e; !stop && (e = readdir(d));) {
        if (!is_journal(e->d_name)) continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        dfu_journal *j;
        if (load(&j, ctx, path) != DFU_OK) {
            bool want = dmg->want && strcmp(dmg->want, path) == 0;
            if (!dmg->count++ || want)
                snprintf(dmg->first, sizeof(dmg->first), "%s", dfu_ctx_error(ctx)->message);
            dmg->want_damaged |= want;
            dfu_ctx_clear_error(ctx);
            continue;
        }
        stop = visit(j, arg);
    }
    closedir(d);
    return DFU_OK;
}

typedef struct by_path {
    const char *path;
    dfu_journal *found;
} by_path;

static int match_path(dfu_journal *j, void *arg)
{
    by_path *b = arg;
    if (strcmp(j->path, b->path) != 0) {
        dfu_journal_free(j);
        return 0;
    }
    b->found = j;
    return 1;
}

bool dfu_journal_same_board(const dfu_journal *j, const dfu_device_info *info, bool dfuse)
{
    bool serials = j->serial[0] && info->serial && info->serial[0];
    return j->vid == info->vid && j->pid == info->pid && j->dfuse == dfuse &&
           (!serials || strcmp(j->serial, info->serial) == 0);
}

bool dfu_journal_matches(const dfu_journal *j, const dfu_device *dev)
{
    return j && dev &&
           dfu_journal_same_board(j, dfu_device_get_info(dev), dfu_device_is_dfuse(dev));
}

int dfu_journal_open(dfu_journal **out, dfu_ctx *ctx, const char *dir, const char *device_path)
{
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_journal_open: no output pointer");
    *out = NULL;
    by_path b = {device_path, NULL};
    char *mine = dfu_journal_file_name(dir, device_path, "journal");
    if (!mine) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    damage dmg = {mine, 0, false, ""};
    int rc = each_journal(ctx, dir, match_path, &b, &dmg);
    free(mine);
    if (rc) return rc;
    if (!b.found && dmg.want_damaged) return dfu_err(ctx, DFU_ERR_FORMAT, "%s", dmg.first);
    warn_damaged(ctx, &dmg, dir);
    if (!b.found)
        return dfu_err(ctx, DFU_ERR_NOT_FOUND,
                       "no interrupted update recorded for the device at %s (in %s)", device_path,
                       dir);
    *out = b.found;
    return DFU_OK;
}

typedef struct only_one {
    dfu_journal *first;
    size_t count;
    char list[4096];
} only_one;

static int collect(dfu_journal *j, void *arg)
{
    only_one *o = arg;
    size_t used = strlen(o->list);
    snprintf(o->list + used, sizeof(o->list) - used,
             "\n  %s: %s (%zu of %zu steps done), selector '%s'", j->path,
             j->image_path[0] ? j->image_path : "(image)", dfu_journal_steps_done(j), j->count,
             j->selector);
    o->count++;
    if (!o->first)
        o->first = j;
    else
        dfu_journal_free(j);
    return 0;
}

int dfu_journal_find(dfu_journal **out, dfu_ctx *ctx, const char *dir)
{
    if (!out) return dfu_err(ctx, DFU_ERR_ARG, "dfu_journal_find: no output pointer");
    *out = NULL;
    only_one o;
    memset(&o, 0, sizeof(o));
    damage dmg = {NULL, 0, false, ""};
    int rc = each_journal(ctx, dir, collect, &o, &dmg);
    if (rc) return rc;
    if (o.count == 0 && dmg.count) return damaged_error(ctx, &dmg, dir);
    if (o.count == 0)
        return dfu_err(ctx, DFU_ERR_NOT_FOUND, "no interrupted update recorded in %s", dir);
    warn_damaged(ctx, &dmg, dir);
    if (o.count > 1) {
        dfu_journal_free(o.first);
        return dfu_err(ctx, DFU_ERR_AMBIGUOUS,
                       "%zu interrupted updates are recorded in %s; pick the device (by its "
                       "port path, or the selector its update recorded):%s",
                       o.count, dir, o.list);
    }
    *out = o.first;
    return DFU_OK;
}

typedef struct by_selector {
    const char *selector;
    dfu_journal *found;
    size_t count;
} by_selector;

static int match_selector(dfu_journal *j, void *arg)
{
    by_selector *b = arg;
    if (strcmp(j->selector, b->selector) != 0 || b->count++) {
        dfu_journal_free(j);
        return 0;
    }
    b->found = j;
    return 0;
}

int dfu_journal_find_selector(dfu_journal **out, dfu_ctx *ctx, const char *dir,
                              const char *selector)
{
    if (out) *out = NULL;
    if (!out || !dir || !selector)
        return dfu_err(ctx, DFU_ERR_ARG, "dfu_journal_find_selector: missing argument");
    by_selector b = {selector, NULL, 0};
    damage dmg = {NULL, 0, false, ""};
    int rc = each_journal(ctx, dir, match_selector, &b, &dmg);
    if (!rc && b.count) warn_damaged(ctx, &dmg, dir); /* else the caller looks further */
    if (!rc && !b.count)
        rc = dfu_err(ctx, DFU_ERR_NOT_FOUND, "no interrupted update recorded for %s (in %s)",
                     selector, dir);
    else if (!rc && b.count > 1)
        rc = dfu_err(ctx, DFU_ERR_AMBIGUOUS,
                     "%zu interrupted updates in %s recorded %s; pick one by its port path",
                     b.count, dir, selector);
    if (rc) {
        dfu_journal_free(b.found);
        return rc;
    }
    *out = b.found;
    return DFU_OK;
}

int dfu_journal_discard_damaged(dfu_ctx *ctx, const char *dir, size_t *removed)
{
    *removed = 0;
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? DFU_OK : dfu_err_errno(ctx, "cannot read", dir);
    int rc = DFU_OK;
    for (struct dirent *e; (e = readdir(d));) {
        if (!is_journal(e->d_name)) continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        dfu_journal *j;
        if (load(&j, ctx, path) == DFU_OK) {
            dfu_journal_free(j);
            continue;
        }
        dfu_ctx_clear_error(ctx);
        size_t n = strlen(path) - strlen(".journal");
        char image[4096];
        snprintf(image, sizeof(image), "%.*s.image.dfu", (int)n, path);
        if (remove(path) != 0) rc = dfu_err_errno(ctx, "cannot remove", path);
        remove(image);
        if (!rc) (*removed)++;
    }
    closedir(d);
    return rc;
}
