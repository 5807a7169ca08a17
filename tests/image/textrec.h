/* Writing Intel HEX and S-record text by hand in tests: records get correct counts and
 * checksums computed here, independently of the library's writers. */
#ifndef DFU_TEST_TEXTREC_H
#define DFU_TEST_TEXTREC_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct text {
    char s[1 << 17];
    size_t n;
} text;

/* A line as given, plus "\n". */
static inline void put(text *t, const char *line)
{
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s\n", line);
}

static inline unsigned hex_sum(const char *hex)
{
    unsigned sum = 0, b;
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        sscanf(hex + i, "%2x", &b);
        sum += b;
    }
    return sum;
}

/* An Intel HEX record ":LLAAAATT<hex>CC". */
static inline void ihex(text *t, unsigned type, unsigned offset, const char *hex)
{
    unsigned n = (unsigned)strlen(hex) / 2;
    unsigned sum = n + (offset >> 8) + (offset & 0xFF) + type + hex_sum(hex);
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, ":%02X%04X%02X%s%02X\n", n, offset,
                             type, hex, (0x100 - (sum & 0xFF)) & 0xFF);
}

/* An S-record "S<type><count><address><hex><checksum>", the address in addr_len bytes. */
static inline void srec(text *t, char type, unsigned addr_len, uint32_t address, const char *hex)
{
    unsigned count = addr_len + (unsigned)strlen(hex) / 2 + 1, sum = count + hex_sum(hex);
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "S%c%02X", type, count);
    for (unsigned i = addr_len; i-- > 0;) {
        unsigned b = (address >> (8 * i)) & 0xFF;
        sum += b;
        t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%02X", b);
    }
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s%02X\n", hex, ~sum & 0xFF);
}

static const char *const DATA16 = "000102030405060708090A0B0C0D0E0F";

#endif
