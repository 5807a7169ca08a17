/* The device's memory: one array per region of the profile's map, and the one place it changes. */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

uint32_t dfu_simi_region_size(const sim_region_def *r)
{
    uint32_t size = 0;
    for (size_t i = 0; i < r->group_count; i++) size += r->groups[i].count * r->groups[i].size;
    return size;
}

int dfu_simi_mem_alloc(dfu_sim *s)
{
    const sim_profile *p = s->prof;
    s->mem = calloc(p->region_count, sizeof(*s->mem));
    if (!s->mem) return DFU_ERR_NOMEM;
    for (size_t i = 0; i < p->region_count; i++) {
        s->mem[i] = malloc(dfu_simi_region_size(&p->regions[i]));
        if (!s->mem[i]) return DFU_ERR_NOMEM;
    }
    return DFU_OK;
}

void dfu_simi_mem_free(dfu_sim *s)
{
    if (!s->mem) return;
    for (size_t i = 0; i < s->prof->region_count; i++) free(s->mem[i]);
    free(s->mem);
    s->mem = NULL;
}

/* Stand-in for code we do not have (a bootloader, the ROM): fixed, not erased, not zero. */
static uint8_t code_byte(uint32_t addr)
{
    uint32_t x = addr * 2654435761u;
    return (uint8_t)((x >> 24) ^ (x >> 11));
}

void dfu_simi_mem_init_contents(dfu_sim *s)
{
    const sim_profile *p = s->prof;
    for (size_t i = 0; i < p->region_count; i++) {
        const sim_region_def *r = &p->regions[i];
        uint32_t size = dfu_simi_region_size(r);
        uint8_t *m = s->mem[i];
        memset(m, r->kind == SIM_MEM_RAM ? 0x00 : 0xFF, size);
        if (r->kind == SIM_MEM_ROM)
            for (uint32_t a = 0; a < size; a++) m[a] = code_byte(r->address + a);
        for (uint32_t a = 0; a < r->bootloader_size; a++) m[a] = code_byte(r->address + a);
        if (r->init) memcpy(m, r->init, r->init_len);
        if (r->kind == SIM_MEM_OPTION && (p->quirks & SIM_Q_RDP) && s->cfg.rdp)
            m[p->rdp_offset] = 0x55; /* anything but 0xAA (level 0) and 0xCC (level 2) */
    }
}

int dfu_simi_region_of(const dfu_sim *s, uint32_t addr, uint32_t len)
{
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        uint64_t end = (uint64_t)r->address + dfu_simi_region_size(r);
        if (addr >= r->address && (uint64_t)addr + len <= end) return (int)i;
    }
    return -1;
}

uint8_t *dfu_simi_mem_at(dfu_sim *s, uint32_t addr)
{
    int i = dfu_simi_region_of(s, addr, 1);
    return i < 0 ? NULL : s->mem[i] + (addr - s->prof->regions[i].address);
}

/* The group of a list holding addr, counting from base. */
static const sim_group *group_at(const sim_group *g, size_t n, uint32_t base, uint32_t addr,
                                 uint32_t *start)
{
    uint64_t a = base;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = a + (uint64_t)g[i].count * g[i].size;
        if (addr >= a && addr < end) {
            if (start) *start = (uint32_t)(a + (addr - a) / g[i].size * g[i].size);
            return &g[i];
        }
        a = end;
    }
    return NULL;
}

uint8_t dfu_simi_access(const dfu_sim *s, uint32_t addr)
{
    int i = dfu_simi_region_of(s, addr, 1);
    if (i < 0) return 0;
    const sim_region_def *r = &s->prof->regions[i];
    const sim_group *g = r->announced
                             ? group_at(r->announced, r->announced_count, r->address, addr, NULL)
                             : group_at(r->groups, r->group_count, r->address, addr, NULL);
    return g ? g->access : 0;
}

bool dfu_simi_touches_bootloader(const dfu_sim *s, uint32_t addr, uint32_t len)
{
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        if (!r->bootloader_size) continue;
        uint64_t lo = r->address, hi = lo + r->bootloader_size;
        if ((uint64_t)addr < hi && (uint64_t)addr + len > lo) return true;
    }
    return false;
}

bool dfu_simi_sector(const dfu_sim *s, uint32_t addr, uint32_t *start, uint32_t *size)
{
    int i = dfu_simi_region_of(s, addr, 1);
    if (i < 0) return false;
    const sim_region_def *r = &s->prof->regions[i];
    const sim_group *g = group_at(r->groups, r->group_count, r->address, addr, start);
    if (!g) return false;
    *size = g->size;
    return true;
}

void dfu_simi_mem_set(dfu_sim *s, uint32_t addr, const uint8_t *data, uint8_t fill, uint32_t len)
{
    uint8_t *m = dfu_simi_mem_at(s, addr);
    if (!m || len == 0) return;
    if (data)
        memcpy(m, data, len);
    else
        memset(m, fill, len);
    dfu_simi_file_mem(s, addr, data, fill, len);
}

void dfu_simi_mem_power_loss(dfu_sim *s)
{
    for (size_t i = 0; i < s->prof->region_count; i++) {
        const sim_region_def *r = &s->prof->regions[i];
        if (r->kind == SIM_MEM_RAM)
            dfu_simi_mem_set(s, r->address, NULL, 0, dfu_simi_region_size(r));
    }
}
