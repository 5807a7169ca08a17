/* The update plan's representation, and planning from a device description (testable without
 * a device). */
#ifndef DFU_UPDATE_PLAN_INTERNAL_H
#define DFU_UPDATE_PLAN_INTERNAL_H

#include "../core/buf.h"
#include "libdfu/layout.h"
#include "libdfu/update.h"

/* Flash that some parts program in units written once between erases: 32-byte flash words with
 * ECC on the H7, 8-byte double words on the L4 (notes/dfu-protocol.md 5); the others' units
 * divide it. A DfuSe update never lets two writes share one: segments whose gap lies inside a
 * unit are written as one run, the gap as erased bytes (plan.c), and blocks end on unit
 * boundaries (exec_dfuse.c). */
#define DFU_FLASH_UNIT 32u

/* What planning needs to know about a device. */
typedef struct dfu_plan_device {
    bool dfuse;
    bool can_upload;
    bool manifestation_tolerant;
    bool verify_before_manifest; /* DFU 1.1: programs as blocks arrive, so an ABORT keeps them */
    uint16_t transfer_size;
    int default_alt;
    size_t alt_count;
    const dfu_layout *const *layouts; /* indexed by alternate setting; NULL entries: none */
    bool has_app_base;                /* DFU 1.1: where the device puts the application */
    uint32_t app_base;
    uint32_t ram_start, ram_end; /* both 0: generic Cortex-M RAM ranges */
    bool not_cortex_m;           /* no vector table: the image's start is not checked */
} dfu_plan_device;

struct dfu_plan {
    dfu_ctx *ctx;
    dfu_device *dev;    /* NULL for plans made from a description only */
    dfu_image *image;   /* the plan's own copy */
    size_t *alt_target; /* image target for each alternate setting, or SIZE_MAX */
    size_t alt_count;
    dfu_update_options opts; /* its strings point at owned[] */
    char *owned[3];          /* copies of opts' strings: the caller's may be gone at execute */
    dfu_plan_device desc;
    dfu_step *steps;
    size_t count, cap;
    uint64_t estimate_us;
    dfu_buf notes;
    /* A recovery's plan: the journal being recovered, whose lock dfu_recover holds. */
    const struct dfu_journal *recovering;
};

/* What a step adds to the overall progress count: the bytes it erases, writes or verifies
 * (leaving and manifestation: none). dfu_plan_weight: all of the plan's steps together. */
uint64_t dfu_step_weight(const dfu_step *s);
uint64_t dfu_plan_weight(const dfu_plan *p);

int dfu_plan_build(dfu_plan **out, dfu_ctx *ctx, const dfu_plan_device *dev, const dfu_image *img,
                   const dfu_update_options *opts);
int dfu_plan_add_step(dfu_plan *p, dfu_step_kind kind, int alt, uint32_t address, uint32_t size);
void dfu_plan_note(dfu_plan *p, const char *fmt, ...) DFU_PRINTF(2, 3);

/* Safety checks (safety.c). */
/* Every byte of target t must lie in a writable region of layout; collects the sectors touched
 * (sorted, unique) into *sectors. DFU_ERR_REFUSED naming the first offending range. */
int dfu_check_regions(dfu_ctx *ctx, const dfu_image *img, size_t t, const dfu_layout *layout,
                      int alt, dfu_sector **sectors, size_t *count);
/* Every byte of target t lies in some region of layout (for reading: access not checked). */
int dfu_check_readable(dfu_ctx *ctx, const dfu_image *img, size_t t, const dfu_layout *layout,
                       int alt);
/* The vector table at the start of the image target t, if the image starts with one (or must:
 * at_app_start): it fits the address (reset handler inside the image) and the address can hold
 * one (aligned for VTOR). DFU_ERR_REFUSED with an explanation and advice unless it fits; layout
 * (NULL on DFU 1.1 devices) says where the application starts and what is read-only. */
int dfu_check_vector_table(dfu_ctx *ctx, const dfu_image *img, size_t t, bool at_app_start,
                           const dfu_layout *layout, const dfu_plan_device *dev, bool force);

/* True when target t starts with what looks like a Cortex-M vector table (its first word a stack
 * pointer in RAM, then a Thumb reset vector) at an address VTOR can hold, i.e. something a
 * bootloader can be told to start. */
bool dfu_starts_with_vector_table(const dfu_image *img, size_t t, const dfu_plan_device *dev);

/* Estimates (estimate.c): typical durations, for display. */
uint64_t dfu_estimate_erase_us(uint32_t size);
uint64_t dfu_estimate_mass_erase_us(void);
uint64_t dfu_estimate_write_us(uint32_t size, uint16_t transfer_size);
uint64_t dfu_estimate_verify_us(uint32_t size, uint16_t transfer_size);

/* Why a plan or a recovery refuses a context other than its device's: the device records its
 * errors (a failed block, the device's status) in its own, where a caller looking at the other
 * would find nothing, and one thread per context would no longer hold. */
#define DFU_OTHER_CTX                                                                              \
    "ctx is not the context the device was opened with, which receives the device's errors: "      \
    "pass that one"

/* dfu_plan_new, for recovery when planned_before: the update was planned (and its image
 * checked: vector table, DFU suffix) when it began, and its own journal is the one pending. */
int dfu_plan_new_for(dfu_plan **out, dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                     const dfu_update_options *opts, bool planned_before);

#endif
