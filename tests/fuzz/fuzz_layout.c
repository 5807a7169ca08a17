/*
 * DfuSe memory-layout strings come from the device (an interface string), so they are hostile
 * input. An accepted layout must keep the model's promises: at least one group, every group
 * non-empty and inside the 4 GiB address space, dfu_layout_size() the sum of the groups, and
 * dfu_layout_find() answering what the groups say (the first group holding an address). A
 * rejected one names the column of the offending character.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/layout.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What dfu_layout_find() must answer, from the groups alone. */
static bool expected_sector(const dfu_layout *l, uint32_t address, dfu_sector *out)
{
    for (size_t i = 0; i < l->group_count; i++) {
        const dfu_sector_group *g = &l->groups[i];
        uint64_t end = (uint64_t)g->address + (uint64_t)g->count * g->size;
        if (address < g->address || address >= end) continue;
        out->address = g->address + (address - g->address) / g->size * g->size;
        out->size = g->size;
        out->access = g->access;
        return true;
    }
    return false;
}

static void check_find(const dfu_layout *l, uint64_t address)
{
    if (address > 0xFFFFFFFFull) return;
    dfu_sector want, got;
    bool w = expected_sector(l, (uint32_t)address, &want);
    bool g = dfu_layout_find(l, (uint32_t)address, &got);
    if (w != g) abort();
    if (w && (want.address != got.address || want.size != got.size || want.access != got.access))
        abort();
    if (g && (address < got.address || address - got.address >= got.size)) abort();
}

static void check_layout(const dfu_layout *l)
{
    if (!l->name || l->group_count == 0) abort();
    size_t n = strlen(l->name);
    if (n && l->name[n - 1] == ' ') abort(); /* trailing spaces are removed */
    uint64_t total = 0;
    for (size_t i = 0; i < l->group_count; i++) {
        const dfu_sector_group *g = &l->groups[i];
        uint64_t bytes = (uint64_t)g->count * g->size;
        if (g->count == 0 || g->size == 0) abort();
        if (g->address + bytes > 0x100000000ull) abort();
        if (g->access < 1 || g->access > 7) abort();
        total += bytes;
    }
    if (dfu_layout_size(l) != total) abort();
    for (size_t i = 0; i < l->group_count; i++) {
        const dfu_sector_group *g = &l->groups[i];
        uint64_t end = (uint64_t)g->address + (uint64_t)g->count * g->size;
        check_find(l, g->address);
        check_find(l, g->address + (uint64_t)(g->count / 2) * g->size + g->size / 2);
        check_find(l, end - 1);
        check_find(l, end);
        if (g->address) check_find(l, (uint64_t)g->address - 1);
    }
}

/* "memory layout \"...\": column N: what" with N inside the text (or just past its end). */
static void check_error(dfu_ctx *ctx, int rc, const char *text)
{
    const dfu_error_info *e = dfu_ctx_error(ctx);
    if (rc != DFU_ERR_FORMAT && rc != DFU_ERR_NOMEM) abort();
    if (e->code != rc || !e->message[0]) abort();
    if (rc == DFU_ERR_NOMEM) return;
    /* The text itself may contain "column": the last one is the parser's. */
    const char *col = NULL;
    for (const char *s = e->message; (s = strstr(s, "\": column ")) != NULL; s++) col = s;
    unsigned long column = col ? strtoul(col + 10, NULL, 10) : 0;
    if (column < 1 || column > strlen(text) + 1) {
        fprintf(stderr, "no column in: %s\n", e->message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) {
        free(text);
        return 0;
    }
    dfu_layout *l = NULL;
    int rc = dfu_layout_parse(&l, ctx, text);
    if (rc == DFU_OK) {
        check_layout(l);
        dfu_layout_free(l);
    } else {
        if (l) abort();
        check_error(ctx, rc, text);
    }
    dfu_ctx_free(ctx);
    free(text);
    return 0;
}
