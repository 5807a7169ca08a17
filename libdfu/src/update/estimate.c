/*
 * Typical durations of plan steps, for estimates shown before an update. Figures from
 * notes/dfu-protocol.md 5: an ST ROM takes ~109 ms per 2 KiB write (its 104 ms poll timeout
 * dominates), reads 2 KiB in ~3 ms, erases 128 KiB in ~1.1 s and 2 KiB pages in ~22 ms.
 */
#include "plan_internal.h"

uint64_t dfu_estimate_erase_us(uint32_t size)
{
    uint64_t us = (uint64_t)(size / 1024u) * 9000u;
    return us < 22000u ? 22000u : us;
}

uint64_t dfu_estimate_mass_erase_us(void)
{
    return 16000000u; /* F405 x8 typical; dfu-util allows 35 s */
}

static uint64_t blocks(uint32_t size, uint16_t transfer_size)
{
    uint32_t xfer = transfer_size ? transfer_size : 1024;
    return (size + xfer - 1) / xfer;
}

uint64_t dfu_estimate_write_us(uint32_t size, uint16_t transfer_size)
{
    return blocks(size, transfer_size) * 109000u;
}

uint64_t dfu_estimate_verify_us(uint32_t size, uint16_t transfer_size)
{
    return blocks(size, transfer_size) * 3000u;
}
