/*
 * DfuSe memory layouts: the interface string of each alternate setting, for example
 *   "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
 * parsed into sector groups with their access bits (ST UM0424 4.3.2, as real devices send it:
 * counts and sizes with more digits than the document allows, ' ' as the byte multiplier).
 */
#ifndef LIBDFU_LAYOUT_H
#define LIBDFU_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dfu_mem_access {
    DFU_MEM_READABLE = 1,
    DFU_MEM_ERASABLE = 2,
    DFU_MEM_WRITABLE = 4,
};

/* count sectors of size bytes each, starting at address. */
typedef struct dfu_sector_group {
    uint32_t address;
    uint32_t count;
    uint32_t size;
    uint8_t access; /* dfu_mem_access bits */
} dfu_sector_group;

typedef struct dfu_layout {
    char *name; /* text between '@' and the first '/', trailing spaces removed */
    size_t group_count;
    dfu_sector_group *groups; /* in the order the string gives them */
} dfu_layout;

/* One sector, as found by dfu_layout_find(). */
typedef struct dfu_sector {
    uint32_t address;
    uint32_t size;
    uint8_t access;
} dfu_sector;

/* DFU_ERR_FORMAT with the column of the offending character when the string is not a layout;
 * *out is then NULL (error.h). */
DFU_API int dfu_layout_parse(dfu_layout **out, dfu_ctx *ctx, const char *text);
DFU_API void dfu_layout_free(dfu_layout *layout);
/* The sector holding address; false when no group covers it. */
DFU_API bool dfu_layout_find(const dfu_layout *layout, uint32_t address, dfu_sector *out);
/* Total bytes covered by all groups. */
DFU_API uint64_t dfu_layout_size(const dfu_layout *layout);

#ifdef __cplusplus
}
#endif
#endif
