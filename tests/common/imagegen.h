/* Random sparse images for round-trip tests: deterministic for a seed. */
#ifndef DFU_TEST_IMAGEGEN_H
#define DFU_TEST_IMAGEGEN_H

#include <libdfu/image.h>
#include "testutil.h"

typedef struct tu_imagegen {
    unsigned targets;      /* 1 for single-target formats */
    unsigned max_segments; /* per target, at least 1 */
    uint32_t max_segment;  /* bytes */
    uint32_t max_gap;      /* between segments; keep small for bin/dfu */
    uint32_t base_min;     /* lowest start address */
    uint32_t base_max;     /* highest start address */
    bool named_targets;    /* DfuSe: give targets names (some randomly unnamed) */
} tu_imagegen;

/* A new image: targets with alt 0..n-1 (or -1 when targets == 1 and !named_targets). */
dfu_image *tu_random_image(tu_rng *rng, const tu_imagegen *g);

#endif
