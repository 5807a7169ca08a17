/* Hex digits for the text formats: decoding (table and SWAR), encoding. */
#ifndef DFU_IMAGE_HEXDIGITS_H
#define DFU_IMAGE_HEXDIGITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Value of a hex digit (either case), or DFU_HEX_BAD for any other byte. */
#define DFU_HEX_BAD 0x80
extern const uint8_t dfu_hex_value[256];

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DFU_HEX_SWAR 1
#endif
#endif

#ifdef DFU_HEX_SWAR
#define DFU_LANES(b) (0x0101010101010101ull * (b))

/*
 * Eight hex digits at s into four bytes at out, eight lanes at a time; the bytes, one per 16-bit
 * lane, are added to *lanes for the checksum. False when any digit is not a hex digit. Each lane
 * holds one character; while no lane has its top bit set, adding a constant below 0x80 cannot
 * carry into the next lane, so lane + (0x80 - k) has its top bit set exactly when lane >= k.
 */
static inline bool dfu_hex_swar8(const uint8_t *s, uint8_t *out, uint64_t *lanes)
{
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t u = x & ~DFU_LANES(0x20); /* 'a'-'f' onto 'A'-'F' */
    uint64_t digit = (x + DFU_LANES(0x80 - 0x30)) & ~(x + DFU_LANES(0x80 - 0x3A));
    uint64_t alpha = (u + DFU_LANES(0x80 - 0x41)) & ~(u + DFU_LANES(0x80 - 0x47));
    if (((digit | alpha) & ~x & DFU_LANES(0x80)) != DFU_LANES(0x80)) return false;
    uint64_t nib = (x & DFU_LANES(0x0F)) + ((alpha >> 7) & DFU_LANES(1)) * 9;
    uint64_t v = ((nib << 4) | (nib >> 8)) & 0x00FF00FF00FF00FFull; /* bytes in lanes 0,2,4,6 */
    *lanes += v;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0xFFFFFFFFull;
    uint32_t w = (uint32_t)v;
    memcpy(out, &w, 4);
    return true;
}
#endif

/*
 * Decodes n bytes from 2n hex digits at s into out and adds them to *sum. False when a character
 * is not a hex digit (the caller then looks for it: that path is cold).
 */
static inline bool dfu_hex_decode(const uint8_t *s, size_t n, uint8_t *out, unsigned *sum)
{
    size_t i = 0;
    unsigned total = 0;
#ifdef DFU_HEX_SWAR
    uint64_t lanes = 0; /* at most 64 steps of 4 bytes per record: no 16-bit lane overflows */
    for (; i + 4 <= n; i += 4)
        if (!dfu_hex_swar8(s + 2 * i, out + i, &lanes)) return false;
    total = (unsigned)((lanes * 0x0001000100010001ull) >> 48);
#endif
    uint8_t bad = 0;
    for (; i < n; i++) {
        uint8_t hi = dfu_hex_value[s[2 * i]], lo = dfu_hex_value[s[2 * i + 1]];
        bad |= hi | lo;
        out[i] = (uint8_t)(hi << 4 | lo);
        total += out[i];
    }
    *sum += total;
    return !(bad & DFU_HEX_BAD);
}

static inline const char *dfu_hex_upper(void)
{
    return "0123456789ABCDEF";
}

/* Writes v as two upper-case hex digits. */
static inline void dfu_hex_put(char *p, uint8_t v)
{
    p[0] = dfu_hex_upper()[v >> 4];
    p[1] = dfu_hex_upper()[v & 15];
}

#endif
