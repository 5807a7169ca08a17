/*
 * Recovery journals: what an update is doing, kept on disk so that an update interrupted by a
 * pulled cable, a crash or a power cut can be finished with one command.
 *
 * Before the first erase, an update given a journal directory (dfu_update_options.journal_dir)
 * writes <dir>/<port path>.journal (device identity, the plan, the image's SHA-256) and a copy
 * of the image (<port path>.image.dfu); after each step it records the step as done. Every write
 * is atomic (temporary file, fsync, rename), so a journal is usable whenever the process dies.
 * The journal is removed when the update completes and verifies.
 *
 * While an update or a recovery uses a journal it holds a lock on <port path>.journal.lock
 * (removed when released; the system releases it if the process dies): another update or
 * recovery that would keep or recover the same journal, or a discard of it, is refused with
 * DFU_ERR_BUSY, before it touches its device. That holds between processes and within one.
 */
#ifndef LIBDFU_JOURNAL_H
#define LIBDFU_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "device.h"
#include "export.h"
#include "image.h"
#include "update.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dfu_journal dfu_journal;

/* The journal of the device at port path `device_path`; DFU_ERR_NOT_FOUND when there is none,
 * DFU_ERR_FORMAT (naming the file and line) when its journal is there but damaged.
 * On failure *out is NULL, here, in dfu_journal_find and in dfu_journal_image (error.h). */
DFU_API int dfu_journal_open(dfu_journal **out, dfu_ctx *ctx, const char *dir,
                             const char *device_path);
/* The only journal in dir: DFU_ERR_NOT_FOUND when none, DFU_ERR_AMBIGUOUS (listing them) when
 * several updates are pending, DFU_ERR_FORMAT (naming the file) when none loads but some are
 * damaged. Damaged journals beside one that loads are skipped with a warning. */
DFU_API int dfu_journal_find(dfu_journal **out, dfu_ctx *ctx, const char *dir);
/* The only journal in dir that recorded `selector` (dfu_update_options.selector, what the
 * update was told to open): DFU_ERR_NOT_FOUND when none, DFU_ERR_AMBIGUOUS when several. Picks
 * between boards that share a port path name (simulated ones all do). *out is NULL on failure. */
DFU_API int dfu_journal_find_selector(dfu_journal **out, dfu_ctx *ctx, const char *dir,
                                      const char *selector);
DFU_API void dfu_journal_free(dfu_journal *j);

/* How to reach the device again (a selector), its port path and serial. */
DFU_API const char *dfu_journal_selector(const dfu_journal *j);
DFU_API const char *dfu_journal_device_path(const dfu_journal *j);
/* The file the image came from when the update began ("" when unknown). */
DFU_API const char *dfu_journal_image_path(const dfu_journal *j);
DFU_API void dfu_journal_digest(const dfu_journal *j, uint8_t out[32]);
DFU_API size_t dfu_journal_step_count(const dfu_journal *j);
DFU_API size_t dfu_journal_steps_done(const dfu_journal *j);
/* Unix time the update began. */
DFU_API int64_t dfu_journal_started(const dfu_journal *j);
/* Whether j could be dev's: the same VID:PID and dialect, and the same serial when both have one
 * (STM32 ROM serials collide, so true is no proof; false is proof of another board). */
DFU_API bool dfu_journal_matches(const dfu_journal *j, const dfu_device *dev);
/* The copy of the image kept beside the journal. */
DFU_API int dfu_journal_image(dfu_image **out, dfu_ctx *ctx, const dfu_journal *j);
/* Deletes the journal and its image copy (the update will not be recovered). DFU_ERR_BUSY when
 * an update or recovery (in any process, this one included) is using the journal. */
DFU_API int dfu_journal_discard(dfu_ctx *ctx, dfu_journal *j);
/* Deletes every journal in dir that cannot be read (damaged), with its image copy; lookups skip
 * such files with a warning. *removed counts them. */
DFU_API int dfu_journal_discard_damaged(dfu_ctx *ctx, const char *dir, size_t *removed);

/* What a recovery found and did. */
typedef struct dfu_recovery {
    bool had_journal;        /* an interrupted update was found */
    size_t steps;            /* steps of the interrupted plan */
    size_t steps_confirmed;  /* steps the journal confirmed done */
    bool read_back;          /* the device was read to find what differs (it can upload) */
    unsigned sectors_intact; /* sectors that already held the image, left alone */
    unsigned sectors_redone; /* sectors erased and written again */
    dfu_update_result result;
} dfu_recovery;

/*
 * Finishes an interrupted update on dev. With a journal j, the image is its copy (img, if
 * given, must have the same digest). It does not trust the journal blindly: on a device that
 * can upload it reads back and redoes only what differs; on one that cannot, it redoes every
 * sector from the first step the journal does not confirm. Without a journal it does a verified
 * differential flash of img. opts gives the journal directory and progress callback (one run
 * of events, as dfu_plan_execute's: update.h); the order and erase options of the interrupted
 * update are kept. ctx must be the context dev was opened with (DFU_ERR_ARG otherwise), as for
 * dfu_plan_new. A recovery that completes removes the journal, hence j is not const: j's
 * files, as dfu_journal_discard does, or with opts->journal_dir (normally the directory j came
 * from) the journal the recovery keeps there as it goes. j itself stays valid for its getters
 * and dfu_journal_free. DFU_ERR_BUSY, before dev is touched, when another update or recovery
 * (in any process, this one included) is using j.
 */
DFU_API int dfu_recover(dfu_ctx *ctx, dfu_device *dev, dfu_journal *j, const dfu_image *img,
                        const dfu_update_options *opts, dfu_recovery *out);

#ifdef __cplusplus
}
#endif
#endif
