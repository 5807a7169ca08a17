/* libFuzzer: the host-side USB descriptor parser must survive anything a device sends. The
 * first byte picks the parser, the rest is the descriptor. */
#include <stdint.h>
#include <stdlib.h>

#include "proto/descriptor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    dfu_desc_device dev;
    dfu_desc_config cfg;
    dfu_func_desc func;
    char *s = NULL;
    switch (data[0] % 5) {
    case 0:
        if (dfu_desc_parse_config(&cfg, NULL, p, n) == DFU_OK)
            for (size_t i = 0; i < cfg.alt_count; i++)
                (void)dfu_desc_alt_mode(&cfg.alts[i], &cfg.func);
        break;
    case 1: (void)dfu_desc_parse_functional(&func, NULL, p, n); break;
    case 2: (void)dfu_desc_parse_device(&dev, NULL, p, n); break;
    case 3: (void)dfu_desc_decode_string(&s, NULL, p, n, false); break;
    default: (void)dfu_desc_decode_string(&s, NULL, p, n, true); break;
    }
    free(s);
    return 0;
}
