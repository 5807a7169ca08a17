/* libFuzzer: the host-side USB descriptor parser must survive anything a device sends. The
 * first byte picks the parser, the rest is the descriptor. A decoded string is valid UTF-8 of at
 * most 3 bytes per byte received (U+FFFD for a bad one), however the descriptor lies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/descriptor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s, size_t received)
{
    size_t n = strlen(s);
    if (n > 3 * received) abort();
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (!len || i + len > n) abort();
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) abort();
        i += len;
    }
}

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
    case 3:
        if (dfu_desc_decode_string(&s, NULL, p, n, false) == DFU_OK) check_utf8(s, n);
        break;
    default:
        if (dfu_desc_decode_string(&s, NULL, p, n, true) == DFU_OK) check_utf8(s, n);
        break;
    }
    free(s);
    return 0;
}
