/*
 * ELF section headers: which bytes of an executable objcopy -O binary / -O ihex copies, and where
 * it puts them (elf.c says why sections and not segments). The rules are BFD's
 * (_bfd_elf_make_section_from_shdr and ELF_SECTION_IN_SEGMENT in binutils' bfd/elf.c):
 *  - a section is copied when it is allocated (SHF_ALLOC), has bytes in the file (not SHT_NOBITS)
 *    and is not empty;
 *  - its load address is p_paddr + (sh_offset - p_offset) of the first PT_LOAD segment whose file
 *    bytes and virtual addresses both hold the section's. BFD computes it from the file offset,
 *    not from sh_addr, because a segment may pack sections with unrelated virtual addresses;
 *  - a section in no segment, or in a file whose segments have no physical addresses, loads at
 *    sh_addr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "elf.h"

#define SHT_NULL   0
#define SHT_NOBITS 8
#define SHF_ALLOC  0x2
#define SHN_XINDEX 0xffff

typedef struct elf_shdr {
    size_t index;
    size_t at; /* file offset of the section header itself */
    uint32_t name, type, link;
    uint64_t flags, addr, offset, size;
} elf_shdr;

/* The PT_LOAD segments with file bytes, decoded once: every section is looked up in them. */
typedef struct elf_loads {
    dfu_elf_phdr *ph;
    unsigned count;
} elf_loads;

/* Where a section goes: its load address, and the segment that gave it (NULL for sh_addr). */
typedef struct elf_place {
    uint64_t addr;
    const dfu_elf_phdr *segment;
} elf_place;

static void read_shdr(const dfu_elf *e, size_t index, elf_shdr *sh)
{
    size_t at = e->shoff + index * e->shentsize;
    sh->index = index;
    sh->at = at;
    sh->name = (uint32_t)dfu_elf_get(e, at, 4);
    sh->type = (uint32_t)dfu_elf_get(e, at + 4, 4);
    if (e->is64) {
        sh->flags = dfu_elf_get(e, at + 8, 8);
        sh->addr = dfu_elf_get(e, at + 16, 8);
        sh->offset = dfu_elf_get(e, at + 24, 8);
        sh->size = dfu_elf_get(e, at + 32, 8);
        sh->link = (uint32_t)dfu_elf_get(e, at + 40, 4);
    } else {
        sh->flags = dfu_elf_get(e, at + 8, 4);
        sh->addr = dfu_elf_get(e, at + 12, 4);
        sh->offset = dfu_elf_get(e, at + 16, 4);
        sh->size = dfu_elf_get(e, at + 20, 4);
        sh->link = (uint32_t)dfu_elf_get(e, at + 24, 4);
    }
}

/* The section count: e_shnum, or, when the count does not fit there (extended section
 * numbering), section header 0's sh_size. */
static int read_count(dfu_elf *e, uint64_t count, const elf_shdr *first, size_t count_at)
{
    const dfu_input *in = e->in;
    if (count == 0) count = first->size;
    if (count == 0)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: e_shnum is 0 and so is section header 0's sh_size, which "
                       "then holds the number of sections",
                       in->name, count_at);
    if (count > (in->len - e->shoff) / e->shentsize)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %d: the section header table (%llu entries of %zu bytes at "
                       "e_shoff %zu) runs past the end of the %zu-byte file",
                       in->name, e->is64 ? 40 : 32, (unsigned long long)count, e->shentsize,
                       e->shoff, in->len);
    e->shnum = (size_t)count;
    return DFU_OK;
}

int dfu_elf_read_section_table(dfu_elf *e)
{
    const dfu_input *in = e->in;
    uint64_t shoff = dfu_elf_word(e, 32, 40);
    size_t at = e->is64 ? 58 : 46; /* e_shentsize, then e_shnum and e_shstrndx */
    unsigned entsize = (unsigned)dfu_elf_get(e, at, 2), count = (unsigned)dfu_elf_get(e, at + 2, 2);
    unsigned strndx = (unsigned)dfu_elf_get(e, at + 4, 2), min_entsize = e->is64 ? 64 : 40;
    if (shoff == 0 && count == 0) return DFU_OK; /* no section header table */
    /* Taking segments instead would flash what sections leave out: refuse a damaged table. */
    if (shoff == 0)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: e_shnum is %u but e_shoff is 0 (no section header table)",
                       in->name, at + 2, count);
    if (entsize < min_entsize)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: e_shentsize is %u, smaller than an ELF%d section header "
                       "(%u bytes)",
                       in->name, at, entsize, e->is64 ? 64 : 32, min_entsize);
    if (shoff > in->len || entsize > in->len - shoff)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %d: the section header table at e_shoff %llu runs past the end "
                       "of the %zu-byte file",
                       in->name, e->is64 ? 40 : 32, (unsigned long long)shoff, in->len);
    e->shoff = (size_t)shoff;
    e->shentsize = entsize;
    elf_shdr first;
    read_shdr(e, 0, &first);
    int rc = read_count(e, count, &first, at + 2);
    if (rc) return rc;
    e->shstrndx = strndx == SHN_XINDEX ? first.link : strndx;
    return DFU_OK;
}

/* The section's name from the section name table, or NULL when the file gives none that can be
 * read (names only go into messages: a damaged name table is no reason to refuse the file). */
static const char *raw_name(const dfu_elf *e, const elf_shdr *sh)
{
    const dfu_input *in = e->in;
    if (e->shstrndx == 0 || e->shstrndx >= e->shnum) return NULL;
    elf_shdr names;
    read_shdr(e, e->shstrndx, &names);
    if (names.type == SHT_NOBITS || names.offset > in->len || names.size > in->len - names.offset ||
        sh->name >= names.size)
        return NULL;
    const char *p = (const char *)in->data + names.offset + sh->name;
    return *p && memchr(p, '\0', (size_t)(names.size - sh->name)) ? p : NULL;
}

/* "section header 3 (.data)" for messages; the name escaped, as it comes from the file. */
static const char *describe(const dfu_elf *e, const elf_shdr *sh, char *buf, size_t cap)
{
    const char *name = raw_name(e, sh);
    char shown[64];
    if (name)
        snprintf(buf, cap, "section header %zu (%s)", sh->index,
                 dfu_shown(name, shown, sizeof(shown)));
    else
        snprintf(buf, cap, "section header %zu", sh->index);
    return buf;
}

static bool has_bytes(const elf_shdr *sh)
{
    return sh->type != SHT_NULL && sh->type != SHT_NOBITS && (sh->flags & SHF_ALLOC) &&
           sh->size != 0;
}

static int collect_loads(const dfu_elf *e, elf_loads *out)
{
    out->count = 0;
    out->ph = malloc((size_t)e->phnum * sizeof(*out->ph));
    if (!out->ph) return dfu_err(e->ctx, DFU_ERR_NOMEM, "out of memory");
    for (unsigned i = 0; i < e->phnum; i++) {
        dfu_elf_phdr *ph = &out->ph[out->count];
        dfu_elf_read_phdr(e, i, ph);
        if (ph->type == DFU_ELF_PT_LOAD && ph->filesz != 0) out->count++;
    }
    return DFU_OK;
}

/* ELF_SECTION_IN_SEGMENT: the section's file bytes within the segment's, and its virtual
 * addresses within the segment's memory. Written not to overflow on hostile values. */
static bool in_segment(const elf_shdr *sh, const dfu_elf_phdr *ph)
{
    return sh->offset >= ph->offset && sh->offset - ph->offset <= ph->filesz &&
           sh->size <= ph->filesz - (sh->offset - ph->offset) && sh->addr >= ph->vaddr &&
           sh->addr - ph->vaddr <= ph->memsz && sh->size <= ph->memsz - (sh->addr - ph->vaddr);
}

static elf_place place(const dfu_elf *e, const elf_loads *loads, const elf_shdr *sh)
{
    elf_place p = {sh->addr, NULL};
    if (e->use_vaddr) return p;
    for (unsigned i = 0; i < loads->count; i++) {
        const dfu_elf_phdr *ph = &loads->ph[i];
        if (!in_segment(sh, ph)) continue;
        uint64_t delta = sh->offset - ph->offset;
        p.addr = ph->paddr > UINT64_MAX - delta ? UINT64_MAX : ph->paddr + delta;
        p.segment = ph;
        break;
    }
    return p;
}

static int check_section(const dfu_elf *e, const elf_shdr *sh, const elf_place *p)
{
    const dfu_input *in = e->in;
    char what[96], seg[32] = "";
    if (sh->offset > in->len || sh->size > in->len - sh->offset)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: %s: its %llu bytes at file offset %llu run past the end "
                       "of the %zu-byte file",
                       in->name, sh->at, describe(e, sh, what, sizeof(what)),
                       (unsigned long long)sh->size, (unsigned long long)sh->offset, in->len);
    if (p->addr < DFU_ELF_ADDR_SPAN && sh->size <= DFU_ELF_ADDR_SPAN - p->addr) return DFU_OK;
    if (p->segment) snprintf(seg, sizeof(seg), ", in program header %u", p->segment->index);
    return dfu_err(e->ctx, DFU_ERR_FORMAT,
                   "%s: offset %zu: %s%s: its %llu bytes at physical address 0x%llx load above "
                   "4 GiB; a DFU image addresses 32 bits",
                   in->name, sh->at, describe(e, sh, what, sizeof(what)), seg,
                   (unsigned long long)sh->size, (unsigned long long)p->addr);
}

/* The byte section sh puts at addr, or -1 when it puts none there. */
static int byte_at(const dfu_elf *e, const elf_loads *loads, const elf_shdr *sh, uint32_t addr)
{
    if (!has_bytes(sh)) return -1;
    elf_place p = place(e, loads, sh);
    if (addr < p.addr || addr - p.addr >= sh->size) return -1;
    return e->in->data[sh->offset + (addr - p.addr)];
}

/* After the builder found overlapping bytes that differ at addr: name both sections. */
static int report_conflict(const dfu_elf *e, const elf_loads *loads, uint32_t addr)
{
    int first_byte = -1;
    elf_shdr first = {0}, sh;
    for (size_t i = 1; i < e->shnum; i++) {
        read_shdr(e, i, &sh);
        int b = byte_at(e, loads, &sh, addr);
        if (b < 0) continue;
        if (first_byte < 0) {
            first = sh;
            first_byte = b;
        } else if (b != first_byte) {
            char a[96], c[96];
            return dfu_err(e->ctx, DFU_ERR_FORMAT,
                           "%s: offset %zu: %s and %s overlap and disagree at load address "
                           "0x%08x (0x%02x and 0x%02x)",
                           e->in->name, sh.at, describe(e, &first, a, sizeof(a)),
                           describe(e, &sh, c, sizeof(c)), addr, first_byte, b);
        }
    }
    return dfu_err(e->ctx, DFU_ERR_FORMAT, "%s: overlapping sections disagree at address 0x%08x",
                   e->in->name, addr);
}

static int add_each(const dfu_elf *e, const elf_loads *loads, dfu_image_builder *b)
{
    size_t loaded = 0;
    for (size_t i = 1; i < e->shnum; i++) {
        elf_shdr sh;
        read_shdr(e, i, &sh);
        if (!has_bytes(&sh)) continue;
        elf_place p = place(e, loads, &sh);
        int rc = check_section(e, &sh, &p);
        if (rc) return rc;
        if (dfu_builder_add(b, (uint32_t)p.addr, e->in->data + sh.offset, (size_t)sh.size))
            return dfu_err(e->ctx, DFU_ERR_NOMEM, "out of memory");
        loaded++;
    }
    if (loaded == 0)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: none of the %zu sections is allocated (SHF_ALLOC) with bytes in the "
                       "file: nothing to flash",
                       e->in->name, e->shnum);
    return DFU_OK;
}

int dfu_elf_add_sections(const dfu_elf *e, dfu_image *img, size_t target)
{
    elf_loads loads;
    int rc = collect_loads(e, &loads);
    if (rc) return rc;
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    rc = add_each(e, &loads, &b);
    uint32_t conflict = 0;
    if (!rc) {
        rc = dfu_builder_commit(&b, img, target, &conflict);
        if (rc == DFU_ERR_NOMEM) rc = dfu_err(e->ctx, rc, "out of memory");
        if (rc == DFU_ERR_FORMAT) rc = report_conflict(e, &loads, conflict);
    }
    dfu_builder_free(&b);
    free(loads.ph);
    return rc;
}
