/*
 * Checks made before the first erase: the image fits the device's writable memory, and an
 * application's vector table fits the address it is going to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "../image/image_internal.h"
#include "../proto/proto.h"
#include "plan_internal.h"

static const char *access_text(uint8_t access)
{
    static const char *const names[] = {"no access",   "read-only",       "erase-only",
                                        "read/erase",  "write-only",      "read/write (no erase)",
                                        "erase/write", "read/erase/write"};
    return names[access & 7];
}

/* Start of the first sector at or after address, or UINT64_MAX. */
static uint64_t next_mapped(const dfu_layout *l, uint32_t address)
{
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < l->group_count; i++)
        if (l->groups[i].address > address && l->groups[i].address < best)
            best = l->groups[i].address;
    return best;
}

static int push_sector(dfu_sector **v, size_t *n, size_t *cap, const dfu_sector *s)
{
    if (*n && (*v)[*n - 1].address == s->address) return DFU_OK;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        dfu_sector *p = realloc(*v, c * sizeof(*p));
        if (!p) return DFU_ERR_NOMEM;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = *s;
    return DFU_OK;
}

int dfu_check_regions(dfu_ctx *ctx, const dfu_image *img, size_t t, const dfu_layout *layout,
                      int alt, dfu_sector **sectors, size_t *count)
{
    const dfu_target *tg = &img->targets[t];
    dfu_sector *v = NULL;
    size_t n = 0, cap = 0;
    int rc = DFU_OK;
    for (size_t i = 0; i < tg->count && !rc; i++) {
        uint64_t a = tg->segs[i].address, end = dfu_seg_end(&tg->segs[i]);
        while (a < end && !rc) {
            dfu_sector s;
            if (!dfu_layout_find(layout, (uint32_t)a, &s)) {
                uint64_t stop = DFU_MIN(end, next_mapped(layout, (uint32_t)a));
                char name[256];
                rc = dfu_err(ctx, DFU_ERR_REFUSED,
                             "the image has data at 0x%08llx-0x%08llx, outside every memory "
                             "region of alt %d \"%s\"",
                             (unsigned long long)a, (unsigned long long)stop - 1, alt,
                             dfu_shown(layout->name, name, sizeof(name)));
                break;
            }
            uint64_t s_end = (uint64_t)s.address + s.size;
            if (!(s.access & DFU_MEM_WRITABLE)) {
                char name[256];
                rc = dfu_err(ctx, DFU_ERR_REFUSED,
                             "alt %d \"%s\": the image has data at 0x%08llx-0x%08llx, in the "
                             "sector 0x%08x-0x%08llx that the device marks %s (it protects "
                             "what is there, often the bootloader)",
                             alt, dfu_shown(layout->name, name, sizeof(name)),
                             (unsigned long long)a, (unsigned long long)DFU_MIN(end, s_end) - 1,
                             s.address, (unsigned long long)s_end - 1, access_text(s.access));
                break;
            }
            if (push_sector(&v, &n, &cap, &s)) rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
            a = s_end;
        }
    }
    if (rc) {
        free(v);
        return rc;
    }
    *sectors = v;
    *count = n;
    return DFU_OK;
}

int dfu_check_readable(dfu_ctx *ctx, const dfu_image *img, size_t t, const dfu_layout *layout,
                       int alt)
{
    const dfu_target *tg = &img->targets[t];
    for (size_t i = 0; i < tg->count; i++) {
        uint64_t a = tg->segs[i].address, end = dfu_seg_end(&tg->segs[i]);
        while (a < end) {
            dfu_sector s;
            char name[256];
            if (!dfu_layout_find(layout, (uint32_t)a, &s))
                return dfu_err(ctx, DFU_ERR_REFUSED,
                               "the image has data at 0x%08llx, outside every memory region of "
                               "alt %d \"%s\"",
                               (unsigned long long)a, alt,
                               dfu_shown(layout->name, name, sizeof(name)));
            a = (uint64_t)s.address + s.size;
        }
    }
    return DFU_OK;
}

static bool in_ram(const dfu_plan_device *dev, uint32_t sp)
{
    if (dev->ram_end) return sp > dev->ram_start && sp <= dev->ram_end;
    /* Cortex-M: SRAM and CCM live in 0x10000000-0x3FFFFFFF (code region RAM on some parts, the
     * SRAM region, H7 AXI/D2/D3 SRAM). The stack pointer may equal the end of RAM. */
    return sp >= 0x10000000u && sp <= 0x40000000u && (sp & 3u) == 0;
}

/* Cortex-M VTOR holds vector table addresses aligned to 128 bytes at least (more for tables of
 * over 32 entries): an application anywhere else cannot be started. */
#define DFU_VTOR_ALIGN 128u

bool dfu_starts_with_vector_table(const dfu_image *img, size_t t, const dfu_plan_device *dev)
{
    const dfu_target *tg = &img->targets[t];
    if (dev->not_cortex_m || !tg->count || tg->segs[0].size < 8) return false;
    const uint8_t *d = tg->segs[0].data;
    uint32_t reset = dfu_le32(d + 4) & ~1u;
    /* A table whose reset handler lies outside the image (one written with `force`) cannot be
     * started: it would jump into whatever is there. */
    return in_ram(dev, dfu_le32(d)) && (dfu_le32(d + 4) & 1u) &&
           tg->segs[0].address % DFU_VTOR_ALIGN == 0 && reset >= tg->segs[0].address &&
           reset < dfu_seg_end(&tg->segs[tg->count - 1]);
}

/* Where the application starts: the layout's first erasable and writable sector (DfuSe), or
 * the device's application base (DFU 1.1). */
static bool app_start(const dfu_layout *layout, const dfu_plan_device *dev, uint32_t *out)
{
    if (layout) return dfu_layout_app_start(layout, out);
    *out = dev->app_base;
    return dev->has_app_base;
}

/* The advice for an image whose reset handler, at code, lies outside it (written at lo). Code
 * in a read-only sector or before the application start was linked to run without the
 * bootloader: writing it there is impossible, so the only fix is to link it for the start. */
static void linked_elsewhere_advice(char *buf, size_t cap, uint32_t code, uint64_t lo,
                                    const dfu_layout *layout, const dfu_plan_device *dev)
{
    dfu_sector s;
    uint32_t start = 0;
    bool has_start = app_start(layout, dev, &start);
    bool protected_code =
        layout && dfu_layout_find(layout, code, &s) && !(s.access & DFU_MEM_WRITABLE);
    if (protected_code || (has_start && code < start)) {
        char where[128];
        if (protected_code)
            snprintf(where, sizeof(where),
                     "its code is in the sector 0x%08x-0x%08llx that the device marks %s",
                     s.address, (unsigned long long)s.address + s.size - 1, access_text(s.access));
        else
            snprintf(where, sizeof(where), "its code is before the application start 0x%08x",
                     start);
        if (has_start)
            snprintf(buf, cap,
                     "It was built to run without the bootloader (%s): rebuild it (link it) for "
                     "the application start, 0x%08x.",
                     where, start);
        else
            snprintf(buf, cap,
                     "It was built to run without the bootloader (%s): rebuild it (link it) for "
                     "the application start.",
                     where);
        return;
    }
    snprintf(buf, cap,
             "Rebuild it for 0x%08llx, where it is written, or write it at the address it was "
             "built for (its reset handler is at 0x%08x).",
             (unsigned long long)lo, code);
}

int dfu_check_vector_table(dfu_ctx *ctx, const dfu_image *img, size_t t, bool at_app_start,
                           const dfu_layout *layout, const dfu_plan_device *dev, bool force)
{
    const dfu_target *tg = &img->targets[t];
    if (dev->not_cortex_m || !tg->count || tg->segs[0].size < 8) return DFU_OK;
    const dfu_seg *first = &tg->segs[0];
    uint32_t sp = dfu_le32(first->data), reset = dfu_le32(first->data + 4);
    if (!at_app_start && !in_ram(dev, sp)) return DFU_OK; /* data, not an application */
    uint64_t lo = first->address, hi = dfu_seg_end(&tg->segs[tg->count - 1]);
    char why[256], advice[384] = "";
    if (!in_ram(dev, sp))
        snprintf(why, sizeof(why),
                 "its first word, the initial stack pointer, is 0x%08x, which is "
                 "not in RAM",
                 sp);
    else if (!(reset & 1u))
        snprintf(why, sizeof(why), "its reset vector 0x%08x is not a Thumb address (bit 0 clear)",
                 reset);
    else if (lo % DFU_VTOR_ALIGN) {
        snprintf(why, sizeof(why),
                 "it starts with a vector table, which a Cortex-M can only use at an address "
                 "aligned to %u bytes or more, and 0x%08llx is not",
                 DFU_VTOR_ALIGN, (unsigned long long)lo);
        snprintf(advice, sizeof(advice), "Write it at the address it was built for.");
    } else if ((reset & ~1u) < lo || (reset & ~1u) >= hi) {
        snprintf(why, sizeof(why),
                 "its reset handler 0x%08x lies outside the image "
                 "(0x%08llx-0x%08llx): it was linked for another address",
                 reset & ~1u, (unsigned long long)lo, (unsigned long long)hi - 1);
        linked_elsewhere_advice(advice, sizeof(advice), reset & ~1u, lo, layout, dev);
    } else
        return DFU_OK;
    if (force) {
        dfu_warn(ctx,
                 "writing anyway (`force`): the image at 0x%08llx does not look like an "
                 "application for that address: %s",
                 (unsigned long long)lo, why);
        return DFU_OK;
    }
    return dfu_err(ctx, DFU_ERR_REFUSED,
                   "the image at 0x%08llx does not look like an application for that address: "
                   "%s.%s%s The `force` option writes it anyway.",
                   (unsigned long long)lo, why, *advice ? " " : "", advice);
}
