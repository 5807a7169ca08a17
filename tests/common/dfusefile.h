/*
 * Building DfuSe files byte by byte (UM0391) in tests, independently of the library's writer:
 * prefix, targets, elements, then DFUImageSize and a DFU suffix whose CRC is computed bit by bit.
 * Header-only (static inline) so that any test can use it without a build change.
 */
#ifndef DFU_TEST_DFUSEFILE_H
#define DFU_TEST_DFUSEFILE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* CRC-32 bit by bit (reflected 0xEDB88320, initial 0xffffffff, no final XOR): the DFU suffix CRC
 * as DFU 1.1 appendix B and dfu-util compute it. */
static inline uint32_t tu_suffix_crc(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return crc;
}

/* A file under construction. Start with {0}; free p. */
typedef struct tu_fb {
    uint8_t *p;
    size_t len;
} tu_fb;

static inline void tu_fb_put(tu_fb *f, const void *data, size_t n)
{
    f->p = realloc(f->p, f->len + n + 1);
    if (n) memcpy(f->p + f->len, data, n);
    f->len += n;
}

static inline void tu_fb_u32(tu_fb *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    tu_fb_put(f, b, 4);
}

static inline void tu_fb_set32(tu_fb *f, size_t at, uint32_t v)
{
    for (int k = 0; k < 4; k++) f->p[at + k] = (uint8_t)(v >> (8 * k));
}

/* Prefix: "DfuSe", bVersion 1, DFUImageSize (filled by tu_dfuse_finish), bTargets. */
static inline void tu_dfuse_prefix(tu_fb *f, uint8_t targets)
{
    tu_fb_put(f, "DfuSe\x01\0\0\0\0", 10);
    tu_fb_put(f, &targets, 1);
}

/* Target prefix; named is the raw 4-byte bTargetNamed. Returns the target's offset. */
static inline size_t tu_dfuse_target(tu_fb *f, uint8_t alt, uint32_t named, const char *name,
                                     uint32_t size, uint32_t elements)
{
    size_t at = f->len;
    tu_fb_put(f, "Target", 6);
    tu_fb_put(f, &alt, 1);
    tu_fb_u32(f, named);
    char sz[255] = {0};
    if (name) memcpy(sz, name, strlen(name) < 255 ? strlen(name) : 255);
    tu_fb_put(f, sz, sizeof(sz));
    tu_fb_u32(f, size);
    tu_fb_u32(f, elements);
    return at;
}

static inline void tu_dfuse_element(tu_fb *f, uint32_t address, const void *data, uint32_t size)
{
    tu_fb_u32(f, address);
    tu_fb_u32(f, size);
    tu_fb_put(f, data, size);
}

/* Sets DFUImageSize (the file without the suffix, ST's convention, or the whole file,
 * dfuse-pack's), then appends the suffix: bcdDevice, idProduct, idVendor, bcdDFU 0x011A, "UFD",
 * bLength 16, dwCRC. */
static inline void tu_dfuse_finish(tu_fb *f, int whole_file_size, uint16_t vid, uint16_t pid,
                                   uint16_t bcd)
{
    tu_fb_set32(f, 6, (uint32_t)(f->len + (whole_file_size ? 16 : 0)));
    uint8_t s[12] = {(uint8_t)bcd, (uint8_t)(bcd >> 8),
                     (uint8_t)pid, (uint8_t)(pid >> 8),
                     (uint8_t)vid, (uint8_t)(vid >> 8),
                     0x1a,         0x01,
                     'U',          'F',
                     'D',          16};
    tu_fb_put(f, s, sizeof(s));
    tu_fb_u32(f, tu_suffix_crc(f->p, f->len));
}

/* After editing a finished file: make its CRC right again. */
static inline void tu_fb_recrc(tu_fb *f)
{
    tu_fb_set32(f, f->len - 4, tu_suffix_crc(f->p, f->len - 4));
}

#endif
