/* Executing a plan: shared state of the step runners. */
#ifndef DFU_UPDATE_EXEC_INTERNAL_H
#define DFU_UPDATE_EXEC_INTERNAL_H

#include "../proto/proto.h"
#include "../proto/retry.h"
#include "plan_internal.h"

typedef struct dfu_exec {
    dfu_plan *plan;
    dfu_device *dev;
    dfu_ctx *ctx;
    dfu_update_result *res;
    dfu_progress prog;
    bool in_step;         /* a step is running: its events move prog.overall_done */
    uint64_t step_base;   /* prog.overall_done when the step began */
    uint64_t step_weight; /* what the step adds to it */
    /* Per phase (dfu_phase): bytes of the plan's steps, bytes of the steps finished (or
     * skipped), and the most reported so far (events never go backwards). */
    uint64_t phase_total[DFU_PHASE_DONE + 1], phase_base[DFU_PHASE_DONE + 1],
        phase_told[DFU_PHASE_DONE + 1];
    dfu_retry retry;    /* per block; counts into res->retries */
    bool cancel;        /* the progress callback asked to stop */
    bool journal_stale; /* writing the journal failed: it lags behind (safe), no more marks */
    bool *skip;         /* per step: nothing to do (differential) */
    /* DfuSe: where the device will put the next data block, so contiguous runs reuse one
     * Set Address. */
    bool pointer_valid;
    uint32_t pointer; /* address set with Set Address */
    uint32_t next_block;
    uint8_t *buf; /* scratch, one sector or more */
    size_t buf_size;
} dfu_exec;

/* dfu_plan_execute with steps already known to be done (recovery); skip may be NULL. */
int dfu_plan_execute_skipping(dfu_plan *plan, dfu_update_result *result, const bool *skip);

/* Bytes of the plan's image for alternate setting alt, [address, address + len). */
void dfu_exec_data(const dfu_exec *x, int alt, uint32_t address, uint8_t *out, size_t len);
/* Reports progress for the current phase; sets x->cancel when the callback asks to stop. */
void dfu_exec_progress(dfu_exec *x, dfu_phase phase, uint64_t done, uint64_t total,
                       uint32_t address);
/* Makes sure the scratch buffer holds n bytes. */
int dfu_exec_reserve(dfu_exec *x, size_t n);

int dfu_exec_dfuse_erase(dfu_exec *x, size_t i);
int dfu_exec_dfuse_mass_erase(dfu_exec *x, size_t i);
int dfu_exec_dfuse_write(dfu_exec *x, size_t i);
int dfu_exec_dfuse_verify(dfu_exec *x, size_t i);
int dfu_exec_dfuse_leave(dfu_exec *x, size_t i);
/* Differential: marks the steps of sectors that already hold the image as skipped. */
int dfu_exec_dfuse_diff(dfu_exec *x);

int dfu_exec_dfu11_write(dfu_exec *x, size_t i);
int dfu_exec_dfu11_verify(dfu_exec *x, size_t i);
int dfu_exec_dfu11_manifest(dfu_exec *x, size_t i);
int dfu_exec_dfu11_leave(dfu_exec *x, size_t i);

/* "verify: 0x08000010 holds 0x00, the image has 0x41 (3 bytes differ in 0x...-0x...)" */
int dfu_exec_compare(dfu_exec *x, uint32_t address, const uint8_t *got, const uint8_t *want,
                     size_t len);

#endif
