/*
 * DfuSe memory-layout strings (ST UM0424 4.3.2), parsed as real devices send them:
 *   @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg
 *   @Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e
 * Real strings break the document's digit limits ("1000*04Kg", "01*4096 g") and use a space as
 * the byte multiplier; both are accepted. Anything else is an error naming the column.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "libdfu/layout.h"
#include "proto.h"

typedef struct cursor {
    const char *text;
    const char *p;
    dfu_ctx *ctx;
} cursor;

/* Enough of the string to recognise it: the text is the device's and may be of any length,
 * and the column must always fit in the message. */
#define QUOTE_MAX 200

static int fail(cursor *c, const char *what)
{
    size_t len = strlen(c->text);
    return dfu_err(c->ctx, DFU_ERR_FORMAT, "memory layout \"%.*s%s\": column %zu: %s",
                   (int)DFU_MIN(len, (size_t)QUOTE_MAX), c->text, len > QUOTE_MAX ? "..." : "",
                   (size_t)(c->p - c->text) + 1, what);
}

static void skip_spaces(cursor *c)
{
    while (*c->p == ' ') c->p++;
}

static int number(cursor *c, int base, uint64_t *out)
{
    const char *start = c->p;
    uint64_t v = 0;
    while (base == 16 ? isxdigit((unsigned char)*c->p) : isdigit((unsigned char)*c->p)) {
        int d =
            isdigit((unsigned char)*c->p) ? *c->p - '0' : tolower((unsigned char)*c->p) - 'a' + 10;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > 0xFFFFFFFFull) return fail(c, "number too large");
        c->p++;
    }
    if (c->p == start) return fail(c, base == 16 ? "expected a hex address" : "expected a number");
    *out = v;
    return DFU_OK;
}

static int add_group(dfu_layout *l, const dfu_sector_group *g)
{
    dfu_sector_group *p = realloc(l->groups, (l->group_count + 1) * sizeof(*p));
    if (!p) return DFU_ERR_NOMEM;
    l->groups = p;
    l->groups[l->group_count++] = *g;
    return DFU_OK;
}

/* One "NN*SSSxT" group at *address, which it advances. */
static int group(cursor *c, dfu_layout *l, uint64_t *address)
{
    uint64_t count, size;
    int rc = number(c, 10, &count);
    if (rc) return rc;
    if (*c->p != '*') return fail(c, "expected '*' between sector count and size");
    c->p++;
    const char *size_at = c->p;
    if ((rc = number(c, 10, &size))) return rc;
    uint64_t mult = 1;
    switch (*c->p) {
    case 'K':
        mult = 1024;
        c->p++;
        break;
    case 'M':
        mult = 1024 * 1024;
        c->p++;
        break;
    case 'B':
    case ' ': c->p++; break;
    default: break; /* no multiplier: bytes */
    }
    char type = *c->p;
    if (type < 'a' || type > 'g') return fail(c, "expected a memory type letter a-g");
    c->p++;
    size *= mult;
    if (count == 0 || size == 0) return fail(c, "sector count and size must not be zero");
    /* Both below 2^32 from here, so count * size cannot wrap. */
    if (size > 0xFFFFFFFFull) {
        c->p = size_at;
        return fail(c, "sector size of 4 GiB or more");
    }
    if (*address + count * size > 0x100000000ull)
        return fail(c, "sectors run past the 4 GiB address space");
    dfu_sector_group g = {(uint32_t)*address, (uint32_t)count, (uint32_t)size,
                          (uint8_t)((type - 'a' + 1) & 7)};
    if (add_group(l, &g)) return dfu_err(c->ctx, DFU_ERR_NOMEM, "out of memory");
    *address += count * size;
    return DFU_OK;
}

static int parse(cursor *c, dfu_layout *l)
{
    if (*c->p != '@') return fail(c, "a memory layout starts with '@'");
    const char *name = ++c->p;
    while (*c->p && *c->p != '/') c->p++;
    if (*c->p != '/') return fail(c, "expected '/' after the name");
    size_t n = (size_t)(c->p - name);
    while (n && name[n - 1] == ' ') n--;
    l->name = dfu_strndup(name, n);
    if (!l->name) return dfu_err(c->ctx, DFU_ERR_NOMEM, "out of memory");
    while (*c->p == '/') {
        c->p++;
        skip_spaces(c);
        if (c->p[0] != '0' || (c->p[1] != 'x' && c->p[1] != 'X'))
            return fail(c, "expected a zone address like 0x08000000");
        c->p += 2;
        uint64_t address;
        int rc = number(c, 16, &address);
        if (rc) return rc;
        if (*c->p != '/') return fail(c, "expected '/' after the zone address");
        c->p++;
        for (;;) {
            skip_spaces(c);
            if ((rc = group(c, l, &address))) return rc;
            skip_spaces(c);
            if (*c->p != ',') break;
            c->p++;
        }
    }
    while (*c->p == ' ' || *c->p == '\r' || *c->p == '\n') c->p++;
    if (*c->p) return fail(c, "unexpected character");
    if (!l->group_count) return fail(c, "no sectors");
    return DFU_OK;
}

int dfu_layout_parse(dfu_layout **out, dfu_ctx *ctx, const char *text)
{
    if (out) *out = NULL;
    if (!out || !text) return dfu_err(ctx, DFU_ERR_ARG, "no memory layout given");
    dfu_layout *l = calloc(1, sizeof(*l));
    if (!l) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    cursor c = {text, text, ctx};
    int rc = parse(&c, l);
    if (rc) {
        dfu_layout_free(l);
        return rc;
    }
    *out = l;
    return DFU_OK;
}

void dfu_layout_free(dfu_layout *layout)
{
    if (!layout) return;
    free(layout->name);
    free(layout->groups);
    free(layout);
}

bool dfu_layout_find(const dfu_layout *layout, uint32_t address, dfu_sector *out)
{
    for (size_t i = 0; i < layout->group_count; i++) {
        const dfu_sector_group *g = &layout->groups[i];
        uint64_t end = (uint64_t)g->address + (uint64_t)g->count * g->size;
        if (address < g->address || address >= end) continue;
        uint32_t index = (address - g->address) / g->size;
        out->address = g->address + index * g->size;
        out->size = g->size;
        out->access = g->access;
        return true;
    }
    return false;
}

uint64_t dfu_layout_size(const dfu_layout *layout)
{
    uint64_t total = 0;
    for (size_t i = 0; i < layout->group_count; i++)
        total += (uint64_t)layout->groups[i].count * layout->groups[i].size;
    return total;
}

bool dfu_layout_named(const dfu_layout *layout, const char *word)
{
    size_t n = strlen(word);
    for (const char *s = layout->name; s && *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == n) return true;
    }
    return false;
}

bool dfu_layout_erasable(const dfu_layout *layout, uint32_t *first, uint64_t *bytes,
                         unsigned *sectors)
{
    *bytes = 0;
    *sectors = 0;
    for (size_t i = 0; layout && i < layout->group_count; i++) {
        const dfu_sector_group *g = &layout->groups[i];
        if (!(g->access & DFU_MEM_ERASABLE)) continue;
        if (!*sectors) *first = g->address;
        *bytes += (uint64_t)g->count * g->size;
        *sectors += g->count;
    }
    return *sectors != 0;
}

bool dfu_layout_app_start(const dfu_layout *layout, uint32_t *out)
{
    for (size_t i = 0; i < layout->group_count; i++) {
        if ((layout->groups[i].access & (DFU_MEM_WRITABLE | DFU_MEM_ERASABLE)) ==
            (DFU_MEM_WRITABLE | DFU_MEM_ERASABLE)) {
            *out = layout->groups[i].address;
            return true;
        }
    }
    return false;
}
