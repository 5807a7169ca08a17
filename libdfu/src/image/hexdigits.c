/* The hex digit decoding table (see hexdigits.h). */
#include "hexdigits.h"

#define B DFU_HEX_BAD

const uint8_t dfu_hex_value[256] = {
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    B, B, B, B, B, B, B, 10, 11, 12, 13, 14, 15, B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  10, 11, 12, 13, 14, 15, B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B, B, B, B, B, B,
    B, B, B, B, B, B, B, B,  B,  B,  B,  B,  B,  B,  B,  B,  B, B, B, B, B, B, B, B,
};
