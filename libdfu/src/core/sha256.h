/* SHA-256 (FIPS 180-4), to identify an image in a recovery journal. */
#ifndef DFU_CORE_SHA256_H
#define DFU_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct dfu_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t used;
} dfu_sha256;

void dfu_sha256_init(dfu_sha256 *s);
void dfu_sha256_update(dfu_sha256 *s, const void *data, size_t len);
void dfu_sha256_final(dfu_sha256 *s, uint8_t out[32]);

#endif
