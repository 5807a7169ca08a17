/* Random sparse images for round-trip tests. */
#include <stdio.h>
#include <stdlib.h>

#include "imagegen.h"

dfu_image *tu_random_image(tu_rng *rng, const tu_imagegen *g)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    for (unsigned t = 0; t < g->targets; t++) {
        char name[32];
        snprintf(name, sizeof(name), "Target %u", t);
        bool single = g->targets == 1 && !g->named_targets;
        bool named = g->named_targets && tu_rng_below(rng, 4) != 0;
        assert_int_equal(dfu_image_add_target(img, single ? -1 : (int)t, named ? name : NULL, NULL),
                         DFU_OK);
        unsigned n = 1 + tu_rng_below(rng, g->max_segments);
        uint64_t addr = g->base_min + tu_rng_below(rng, g->base_max - g->base_min + 1);
        for (unsigned i = 0; i < n; i++) {
            uint32_t size = 1 + tu_rng_below(rng, g->max_segment);
            if (addr + size > 0xFFFFFFFFull) break;
            uint8_t *data = malloc(size);
            tu_rng_fill(rng, data, size);
            assert_int_equal(dfu_image_add_data(NULL, img, t, (uint32_t)addr, data, size), DFU_OK);
            free(data);
            addr += size + 1 + tu_rng_below(rng, g->max_gap); /* a real gap: segments stay apart */
        }
    }
    return img;
}
