/* The journal's representation and the executor's hooks. */
#ifndef DFU_UPDATE_JOURNAL_INTERNAL_H
#define DFU_UPDATE_JOURNAL_INTERNAL_H

#include <stdio.h>

#include "../core/buf.h"
#include "libdfu/journal.h"
#include "plan_internal.h"

#define JOURNAL_MAGIC_TEXT "libdfu-journal 1"

struct dfu_journal {
    char *file;       /* <dir>/<name>.journal */
    char *image_file; /* <dir>/<name>.image.dfu */
    char *selector, *path, *serial, *image_path;
    uint16_t vid, pid;
    bool dfuse;
    uint8_t digest[32];
    dfu_order order;
    bool mass_erase, no_leave, no_verify;
    int64_t started;
    size_t count;
    dfu_step *steps;
    bool *done;
    char *lock_file; /* <dir>/<name>.journal.lock: never renamed over, unlike the other two */
    /* lock_file, locked while this process runs the update j records, recovers or discards it
     * (NULL otherwise); owns_lock unless it is the lock of the journal a recovery holds. */
    FILE *lock;
    bool owns_lock;
};

/* <dir>/<port path with anything odd replaced>.<ext>, malloc'd (NULL when out of memory): where
 * the journal ("journal") and the image copy ("image.dfu") of the device at path live. */
char *dfu_journal_file_name(const char *dir, const char *path, const char *ext);
/* A journal from the text of its file (len bytes, NUL-terminated or not), as
 * dfu_journal_open and dfu_journal_find read it; file names it in errors and locates the image
 * copy beside it. DFU_ERR_FORMAT naming file:line for a damaged journal. */
int dfu_journal_parse(dfu_journal **out, dfu_ctx *ctx, const char *file, const char *text,
                      size_t len);
/* Whether j was recorded for the board described by info (a DfuSe one when dfuse): same
 * VID:PID and dialect, and the same serial when both have one (STM32 ROM serials collide, so a
 * match is no proof, but a difference is proof of another board). */
bool dfu_journal_same_board(const dfu_journal *j, const dfu_device_info *info, bool dfuse);
/* Appends the text of j's file, as it is written after every step. */
int dfu_journal_format(dfu_buf *out, const dfu_journal *j);

/* <file>.lock, malloc'd: the lock file of the journal in file. */
char *dfu_journal_lock_name(const char *file);
/*
 * Before touching the device: the journal plan p will keep in p->opts.journal_dir, its lock
 * taken (held until dfu_journal_remove or dfu_journal_free), nothing written yet. DFU_ERR_BUSY
 * when another update or recovery holds the lock (this process's or another's), so that no two
 * write or remove one journal. A recovery keeping its journal where the one it recovers was
 * (p->recovering) uses the lock dfu_recover holds.
 */
int dfu_journal_reserve(dfu_journal **out, dfu_ctx *ctx, const dfu_plan *p);
/* Before the first erase: writes the image copy and the journal of a reserved j. */
int dfu_journal_begin(dfu_journal *j, dfu_ctx *ctx, const dfu_plan *p);
/* Step i is done: rewrite the journal atomically. */
int dfu_journal_mark(dfu_journal *j, dfu_ctx *ctx, size_t i);
/* The update completed: remove the journal and the image copy, then release the lock. */
int dfu_journal_remove(dfu_journal *j, dfu_ctx *ctx);
/* Takes j's lock for a recovery or a discard: DFU_ERR_BUSY when another update or recovery holds
 * it (j's own recovery included); recovering or discarding j then would pull the journal from
 * under it. */
int dfu_journal_hold(dfu_journal *j, dfu_ctx *ctx);
/* Releases the lock of dfu_journal_hold or dfu_journal_reserve, if held. */
void dfu_journal_release(dfu_journal *j);

#endif
