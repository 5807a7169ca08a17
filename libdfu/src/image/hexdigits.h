/* Hex digits for the text formats: a table for decoding, a string for encoding. */
#ifndef DFU_IMAGE_HEXDIGITS_H
#define DFU_IMAGE_HEXDIGITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of a hex digit (either case), or DFU_HEX_BAD for any other byte. */
#define DFU_HEX_BAD 0x80
extern const uint8_t dfu_hex_value[256];

static inline const char *dfu_hex_upper(void)
{
    return "0123456789ABCDEF";
}

/*
 * Decodes n bytes from 2n hex digits at s into out. Returns true, or false with *bad_at the index
 * of the first character that is not a hex digit. Checking validity once per record, not per
 * digit, keeps the loop branch-free.
 */
static inline bool dfu_hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *bad_at)
{
    uint8_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t hi = dfu_hex_value[s[2 * i]], lo = dfu_hex_value[s[2 * i + 1]];
        bad |= hi | lo;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!(bad & DFU_HEX_BAD)) return true;
    size_t i = 0;
    while (!(dfu_hex_value[s[i]] & DFU_HEX_BAD)) i++;
    *bad_at = i;
    return false;
}

/* Writes v as two upper-case hex digits. */
static inline void dfu_hex_put(char *p, uint8_t v)
{
    p[0] = dfu_hex_upper()[v >> 4];
    p[1] = dfu_hex_upper()[v & 15];
}

#endif
