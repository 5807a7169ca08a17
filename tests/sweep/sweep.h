/* The fault sweep: every fault at every point of an update, then power-up and `dfuctl recover`. */
#ifndef DFU_SWEEP_H
#define DFU_SWEEP_H

#include "simutil.h"

/* The vector table's first bytes, which safe order writes last of all. */
#define SWEEP_HEAD 32u

typedef struct sweep_profile {
    const char *name;  /* simulator profile */
    uint32_t base;     /* where the application goes */
    uint32_t sp;       /* its initial stack pointer, inside the part's RAM */
    uint32_t size;     /* image size */
    const char *order; /* "safe" or "linear" */
    bool mass_erase;   /* --mass-erase (DfuSe) */
} sweep_profile;

/* What the reference (fault-free) update does: how many points there are to inject at. */
typedef struct sweep_ref {
    dfu_sim_stats stats;
    uint64_t trace_events;
    uint8_t *initial, *final; /* whole-memory snapshots before and after */
    size_t mem_len;
    size_t image_offset; /* where the image starts in a snapshot */
    /* The program operation that wrote the vector table's first 32 bytes (the last time they
     * changed), and whether the rest of the image was already in place then: safe order. */
    uint64_t head_program;
    bool head_last;
} sweep_ref;

typedef enum sweep_outcome {
    SWEEP_COMPLETED,    /* the update finished despite the fault */
    SWEEP_RECOVERED,    /* interrupted; the board came back in DFU mode by itself; recovered */
    SWEEP_OLD_FIRMWARE, /* interrupted before anything changed: it runs its intact old
                           firmware (no brick); the update was then done again */
    SWEEP_NEW_FIRMWARE, /* interrupted after the image was complete (verifying, leaving): it
                           runs the new firmware, as the update meant it to */
    SWEEP_BRICKED,      /* interrupted; it needed the bootloader button; then recovered */
    SWEEP_FAILED,       /* recovery failed, or memory is not what a clean update leaves */
} sweep_outcome;

typedef struct sweep_counts {
    unsigned cases, completed, recovered, old_firmware, new_firmware, bricked, failed;
    unsigned journal; /* interrupted cases finished from the journal alone (no FILE) */
} sweep_counts;

typedef struct sweep_env {
    char *dir;     /* scratch directory for this profile */
    char *initial; /* state file holding the board before the update */
    char *file;    /* the image as a file, for `dfuctl recover FILE` */
    const sweep_profile *p;
    dfu_image *img;
    uint8_t *bytes; /* the image's bytes, at p->base */
    sweep_ref ref;
    bool verbose;
    char **bricked; /* the faults that left the board needing its button */
    size_t bricked_count;
} sweep_env;

/* Prepares the board (old firmware, random data everywhere else, in its bootloader) and runs
 * the reference update. */
void sweep_setup(sweep_env *e, const sweep_profile *p, const char *dirname);
void sweep_teardown(sweep_env *e);
/* One case: the update with `fault` (a sim fault spec, or "kill@EVENT"), then power-up,
 * recovery and the checks. *by_journal: it was finished from the journal alone. */
sweep_outcome sweep_case(sweep_env *e, const char *fault, unsigned index, bool *by_journal);

#endif
