/*
 * Updating a device: first a plan, then its execution.
 *
 * A plan is the ordered list of steps (erase a sector, write a run of bytes, verify it, leave)
 * computed from an image, a device (its memory layout, transfer size, capabilities) and options.
 * It can be printed, costed and tested without touching the device; resume, differential
 * flashing, safe write order and progress reporting are properties of the plan.
 *
 * Safety checks happen while planning, before the first erase: an image that touches memory the
 * layout marks not writable, or lies outside every region, is refused with the exact addresses;
 * an image whose vector table says it was linked for another address than where it is going is
 * refused unless `force` (a .bin built for 0x08000000 written at 0x08002000 behind a bootloader
 * is the classic mistake).
 */
#ifndef LIBDFU_UPDATE_H
#define LIBDFU_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "device.h"
#include "export.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dfu_step_kind {
    DFU_STEP_ERASE,      /* erase one sector or page (DfuSe) */
    DFU_STEP_MASS_ERASE, /* erase the whole flash (DfuSe, on request) */
    DFU_STEP_WRITE,      /* write a run of bytes (DfuSe: within one sector; DFU 1.1: all) */
    DFU_STEP_VERIFY,     /* read a run back and compare */
    DFU_STEP_MANIFEST,   /* DFU 1.1: end the download; the device starts its firmware */
    DFU_STEP_LEAVE,      /* DfuSe: leave DFU mode and start the application */
} dfu_step_kind;

/* A leave step without an address: the device starts what it would start after a reset. */
#define DFU_ADDRESS_NONE 0xFFFFFFFFu

/* "erase", "mass-erase", "write", "verify", "manifest", "leave". */
DFU_API const char *dfu_step_kind_name(dfu_step_kind kind);

typedef struct dfu_step {
    dfu_step_kind kind;
    int alt;              /* alternate setting the step acts on */
    uint32_t address;     /* first byte (erase: sector start; leave: where the application's
                             vector table is, or DFU_ADDRESS_NONE to let the device choose) */
    uint32_t size;        /* bytes erased, written or verified */
    uint64_t estimate_us; /* expected duration, from the layout and typical device timings */
} dfu_step;

typedef enum dfu_order {
    /* DfuSe: the sector holding the application's vector table is erased first and written
     * last, so an interrupted update leaves it blank and a bootloader that checks it stays in
     * DFU mode instead of jumping into a half-written application. */
    DFU_ORDER_SAFE = 0,
    DFU_ORDER_LINEAR = 1, /* plain address order */
} dfu_order;

typedef enum dfu_phase {
    /* The first event of dfu_plan_execute (in dfu_recover, the first after its read-back), with
     * no bytes: the device is brought to dfuIDLE, clearing what an earlier session left or
     * waiting out an operation still running (up to 40 s). Waiting for a device to appear, or
     * to come back after a detach, happens earlier, in dfu_device_open (cancelled through
     * dfu_ctx_set_cancel). */
    DFU_PHASE_CONNECT,
    DFU_PHASE_READ, /* reading what the device holds (differential, preserved bytes, read) */
    DFU_PHASE_ERASE,
    DFU_PHASE_WRITE,
    DFU_PHASE_VERIFY,
    DFU_PHASE_LEAVE,
    DFU_PHASE_DONE,
} dfu_phase;

DFU_API const char *dfu_phase_name(dfu_phase phase);

/* A progress event. Byte counts are per phase, and overall for the whole plan. Within one call
 * (dfu_plan_execute, dfu_recover) overall_total stays the same and overall_done never goes
 * back; a read before the steps (differential, dfu_recover's read-back) moves its phase's count
 * only, the overall one staying at 0. */
typedef struct dfu_progress {
    dfu_phase phase;
    uint64_t done;         /* bytes done in this phase */
    uint64_t total;        /* bytes this phase will handle; 0 while unknown (a DFU 1.1 read) */
    uint64_t overall_done; /* bytes done over the whole plan (erase, write, verify counted) */
    uint64_t overall_total;
    size_t step; /* index of the step under way */
    size_t steps;
    uint32_t address;   /* where the device is working */
    const char *device; /* port path of the device */
} dfu_progress;

/*
 * Return non-zero to cancel; the call returns DFU_ERR_CANCELLED, and the callback is not called
 * again. Between blocks, the current block finishes and the device is brought back to dfuIDLE;
 * the message says where it was left when that failed (it has left, or is not back yet).
 *
 * While the device keeps the call waiting (an erase, a mass erase of up to 32 s, a device busy
 * from an earlier session or stuck in dfuDNBUSY, one coming back in DFU mode after the reset
 * that loads its option bytes), the callback is called again every 100 ms of the wait with the
 * last event unchanged (same phase, same counts: a heartbeat, so that a UI can show a long erase
 * alive; before the first step, a DFU_PHASE_CONNECT event with nothing done), and a cancel ends
 * the wait at once. Waits shorter than that (a block's own programming) are not interrupted.
 * The device is not stopped: it finishes an erase by itself; the error message says what it was
 * busy with and within how long it will be done (or that it has been busy longer than that may
 * take: stuck, it needs a reset). The journal
 * keeps the step under way as not done, so dfu_recover(), or executing the plan again, finishes
 * the update; the next call on the same device first waits for the device to finish.
 *
 * dfu_ctx_set_cancel's callback is asked in the same waits, first: a cancel from either is the
 * same.
 *
 * progress, and the strings it points to (device), are valid only until the callback returns:
 * copy what you keep (context.h).
 */
typedef int (*dfu_progress_cb)(const dfu_progress *progress, void *payload);

typedef struct dfu_update_options {
    unsigned version;
    bool no_verify;  /* skip reading back (verification is the default) */
    bool force;      /* write despite a vector table that does not fit the address, and to a
                        DFU 1.1 device in blocks of another size than its own */
    bool mass_erase; /* DfuSe: erase the whole flash instead of the sectors touched */
    bool no_leave;   /* stay in DFU mode afterwards (default: start the application) */
    dfu_order order;
    bool differential;       /* read first and skip sectors that already hold the image (not
                                with mass_erase: DFU_ERR_ARG) */
    unsigned retries;        /* further attempts per block after a transient failure (0: none;
                                with version 1 options, 0 means DFU_RETRIES_DEFAULT) */
    int alt;                 /* alternate setting for images without targets (-1: the device's) */
    bool verify_only;        /* only compare the device with the image (dfuctl verify) */
    const char *journal_dir; /* where to keep the recovery journal (NULL: none); journal.h */
    const char *selector;    /* journal: how to reach the device again (default "path=PORT") */
    const char *image_path;  /* journal: the file the image came from, for the record */
    dfu_progress_cb progress;
    void *payload;
} dfu_update_options;

#define DFU_UPDATE_OPTIONS_VERSION 2
#define DFU_RETRIES_DEFAULT        3u /* what DFU_UPDATE_OPTIONS_INIT sets */
#define DFU_UPDATE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        DFU_UPDATE_OPTIONS_VERSION, false, false, false, false, DFU_ORDER_SAFE, false,             \
            DFU_RETRIES_DEFAULT, -1, false, NULL, NULL, NULL, NULL, NULL                           \
    }

typedef struct dfu_plan dfu_plan;

/*
 * Plans the update of dev with img. Refusals (DFU_ERR_REFUSED) say which addresses and why.
 * On failure *out is NULL (error.h).
 *
 * The plan borrows dev, which must stay open until the plan is freed, and ctx, which must be
 * the context dev was opened with (DFU_ERR_ARG otherwise): the device records what goes wrong
 * while the plan executes (the block, the status it reported) in its context, so that one
 * context holds every message of the update. Everything else is copied: the image, and opts
 * with its strings, which the caller may free as soon as this returns. opts->payload is handed
 * to the progress callback as it is: it must stay valid while dfu_plan_execute runs.
 */
DFU_API int dfu_plan_new(dfu_plan **out, dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                         const dfu_update_options *opts);
DFU_API void dfu_plan_free(dfu_plan *plan);
DFU_API size_t dfu_plan_step_count(const dfu_plan *plan);
/* NULL past the end; valid until dfu_plan_free (executing does not change a plan). */
DFU_API const dfu_step *dfu_plan_step(const dfu_plan *plan, size_t index);
/* Expected duration of the whole plan. */
DFU_API uint64_t dfu_plan_estimate_us(const dfu_plan *plan);
/* Notes made while planning ("the device cannot upload: verification is not possible"), one
 * per line; "" when none. Valid until dfu_plan_free. */
DFU_API const char *dfu_plan_notes(const dfu_plan *plan);

/* What an update did. */
typedef struct dfu_update_result {
    uint64_t erased_bytes;
    uint64_t written_bytes;
    uint64_t verified_bytes;
    uint64_t skipped_bytes; /* already held by the device (differential) */
    unsigned sectors_erased;
    unsigned sectors_skipped;
    unsigned retries; /* blocks retried after transient failures */
    bool verified;    /* every written byte was read back and matched */
    bool left;        /* the device was told to start its firmware */
    uint64_t elapsed_us;
    /* The device reset by itself to load the option bytes written (as ST ROMs do): the handle
     * has left (dfu_device_gone), unless it came back in DFU mode to read them back. */
    bool reset;
} dfu_update_result;

/* Executes the plan on the device it was made for (still open); errors are recorded in its
 * context. result may be NULL. With a journal directory: DFU_ERR_BUSY, before the device is
 * touched or a progress event sent, when another update or recovery (in any process, this one
 * included) is using the journal this one would keep there (journal.h). */
DFU_API int dfu_plan_execute(dfu_plan *plan, dfu_update_result *result);

/*
 * Reads memory into a new image. DfuSe: len bytes at address (of the selected alternate
 * setting; len 0: to the end of the memory region holding address; an address outside every
 * region, or a range running past the end of its region, is DFU_ERR_REFUSED). DFU 1.1: the
 * firmware from its start, len bytes or, with len 0, until the device ends the upload; the device
 * has no addresses, so address only says where the image puts the data (callers pass the
 * application's base when dfu_device_app_base() knows it). Progress of a DFU 1.1 read of unknown
 * length has total 0 until the device ends the upload; its last report then has total == done.
 * progress may be NULL. On failure, a cancel included, *out is NULL.
 */
DFU_API int dfu_device_read(dfu_image **out, dfu_device *dev, uint32_t address, uint32_t len,
                            dfu_progress_cb progress, void *payload);
/* DfuSe: erases every sector that [address, address + len) touches; refuses sectors the layout
 * marks not erasable, naming them. */
DFU_API int dfu_device_erase(dfu_device *dev, uint32_t address, uint32_t len,
                             dfu_progress_cb progress, void *payload);
/* DfuSe: erases the whole flash (up to 32 s on an STM32F4). It has no progress callback: a
 * cancel comes from dfu_ctx_set_cancel's callback, and the device finishes the erase by itself. */
DFU_API int dfu_device_mass_erase(dfu_device *dev);
/* DfuSe: removes read protection. The device erases ALL of its flash and resets: callers must
 * have the user's explicit confirmation. DFU_OK once it has gone (the reset); a device that
 * reports dfuERROR has refused: DFU_ERR_UNSUPPORTED for errSTALLEDPKT (it does not know the
 * command), else DFU_ERR_DEVICE; one still there without an error did not reset, and whether it
 * removed its protection is unknown: DFU_ERR_PROTOCOL. After a failure the device is left in
 * dfuIDLE; not after a cancel (DFU_ERR_CANCELLED, from dfu_ctx_set_cancel's callback while the
 * device works): a device that took the command goes on erasing and resets by itself. */
DFU_API int dfu_device_read_unprotect(dfu_device *dev);
/* Leaves DFU mode and starts the firmware: DfuSe "leave", jumping to address (NULL: to the
 * application's start, the first writable sector of the flash's layout); DFU 1.1 a USB reset
 * (an address is DFU_ERR_UNSUPPORTED there). A device that resets at once has succeeded. */
DFU_API int dfu_device_leave(dfu_device *dev, const uint32_t *address);

#ifdef __cplusplus
}
#endif
#endif
