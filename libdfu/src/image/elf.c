/*
 * ELF executables (32/64-bit, little/big endian), read side. The image holds what objcopy -O
 * binary or -O ihex writes: the file contents of every allocated section (SHF_ALLOC) that has
 * bytes in the file (not SHT_NOBITS such as .bss or a NOLOAD region, not empty), each at its load
 * address. Not the bytes of the PT_LOAD segments: GNU ld often starts the first segment at the
 * page below the first section so that it also maps the ELF header and the program headers (an
 * application linked at 0x08000400 behind a 1 KiB bootloader gets a segment at 0x08000000), and a
 * segment holds the file bytes of NOLOAD gaps. Flashing those would overwrite the bootloader with
 * an ELF header.
 *
 * A section's load address is BFD's LMA (elf_sections.c): p_paddr + (sh_offset - p_offset) of the
 * PT_LOAD segment that holds it, so that a Cortex-M .data section, which runs in RAM (sh_addr), is
 * put where it is stored in flash (AT> FLASH), for the startup code to copy.
 *
 * When every PT_LOAD has p_paddr 0 and some p_vaddr is not 0, the linker did not fill in physical
 * addresses, and virtual ones are used instead: GNU objcopy's rule when there are several segments
 * (with a single one it takes the 0 at its word, which no flasher wants).
 *
 * A file without section headers (stripped of them; objcopy refuses it) has only its segments: the
 * image then holds the file-backed bytes (p_filesz, not p_memsz: .bss is zeroed by the startup
 * code, not flashed) of every PT_LOAD segment at its physical address.
 *
 * Every field is checked against the file before it is trusted; errors name the byte offset and
 * the program or section header.
 */
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "elf.h"

#define ET_REL  1
#define PN_XNUM 0xffff

uint64_t dfu_elf_get(const dfu_elf *e, size_t off, unsigned size)
{
    const uint8_t *p = e->in->data + off;
    if (size == 2) return e->big ? dfu_be16(p) : dfu_le16(p);
    if (size == 4) return e->big ? dfu_be32(p) : dfu_le32(p);
    return e->big ? dfu_be64(p) : dfu_le64(p);
}

uint64_t dfu_elf_word(const dfu_elf *e, size_t off32, size_t off64)
{
    return e->is64 ? dfu_elf_get(e, off64, 8) : dfu_elf_get(e, off32, 4);
}

static int read_ident(dfu_elf *e)
{
    const dfu_input *in = e->in;
    const uint8_t *p = in->data;
    if (in->len < 16 || memcmp(p,
                               "\x7f"
                               "ELF",
                               4) != 0)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset 0: not an ELF file (no \\x7fELF identification in %zu bytes)",
                       in->name, in->len);
    if (p[4] != 1 && p[4] != 2)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset 4: unknown ELF class %u (1 is 32-bit, 2 is 64-bit)", in->name,
                       p[4]);
    if (p[5] != 1 && p[5] != 2)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset 5: unknown ELF data encoding %u (1 is little endian, 2 is big "
                       "endian)",
                       in->name, p[5]);
    if (p[6] != 1)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset 6: unknown ELF version %u (only version 1 exists)", in->name,
                       p[6]);
    e->is64 = p[4] == 2;
    e->big = p[5] == 2;
    return DFU_OK;
}

static int read_header(dfu_elf *e)
{
    const dfu_input *in = e->in;
    int rc = read_ident(e);
    if (rc) return rc;
    size_t size = e->is64 ? 64 : 52;
    if (in->len < size)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: truncated ELF header: the file ends after %zu bytes, an "
                       "ELF%d header takes %zu",
                       in->name, in->len, in->len, e->is64 ? 64 : 32, size);
    e->type = (uint16_t)dfu_elf_get(e, 16, 2);
    e->entry = dfu_elf_word(e, 24, 24);
    uint64_t phoff = dfu_elf_word(e, 28, 32);
    size_t at = e->is64 ? 54 : 42; /* e_phentsize, then e_phnum */
    e->phentsize = (unsigned)dfu_elf_get(e, at, 2);
    e->phnum = (unsigned)dfu_elf_get(e, at + 2, 2);
    unsigned min_entsize = e->is64 ? 56 : 32;
    if (e->phnum == 0)
        return dfu_err(e->ctx, DFU_ERR_FORMAT, "%s: offset %zu: e_phnum is 0: no program headers%s",
                       in->name, at + 2,
                       e->type == ET_REL ? " (a relocatable object file: link it first)" : "");
    if (e->phnum == PN_XNUM)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: e_phnum is 0xffff (extended program header numbering), "
                       "which is not supported",
                       in->name, at + 2);
    if (e->phentsize < min_entsize)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: e_phentsize is %u, smaller than an ELF%d program header "
                       "(%u bytes)",
                       in->name, at, e->phentsize, e->is64 ? 64 : 32, min_entsize);
    if (phoff > in->len || (uint64_t)e->phnum * e->phentsize > in->len - phoff)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %d: the program header table (%u entries of %u bytes at "
                       "e_phoff %llu) runs past the end of the %zu-byte file",
                       in->name, e->is64 ? 32 : 28, e->phnum, e->phentsize,
                       (unsigned long long)phoff, in->len);
    e->phoff = (size_t)phoff;
    if (e->entry >= DFU_ELF_ADDR_SPAN)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset 24: entry point 0x%llx is above 4 GiB; a DFU image addresses "
                       "32 bits",
                       in->name, (unsigned long long)e->entry);
    return DFU_OK;
}

void dfu_elf_read_phdr(const dfu_elf *e, unsigned index, dfu_elf_phdr *ph)
{
    size_t at = e->phoff + (size_t)index * e->phentsize;
    ph->index = index;
    ph->at = at;
    ph->type = (uint32_t)dfu_elf_get(e, at, 4);
    if (e->is64) {
        ph->offset = dfu_elf_get(e, at + 8, 8);
        ph->vaddr = dfu_elf_get(e, at + 16, 8);
        ph->paddr = dfu_elf_get(e, at + 24, 8);
        ph->filesz = dfu_elf_get(e, at + 32, 8);
        ph->memsz = dfu_elf_get(e, at + 40, 8);
    } else {
        ph->offset = dfu_elf_get(e, at + 4, 4);
        ph->vaddr = dfu_elf_get(e, at + 8, 4);
        ph->paddr = dfu_elf_get(e, at + 12, 4);
        ph->filesz = dfu_elf_get(e, at + 16, 4);
        ph->memsz = dfu_elf_get(e, at + 20, 4);
    }
}

/* True when a PT_LOAD header contributes bytes to the image. */
static bool loads_data(const dfu_elf_phdr *ph)
{
    return ph->type == DFU_ELF_PT_LOAD && ph->filesz != 0;
}

/* GNU objcopy's rule: p_paddr all zero means "not filled in", so use p_vaddr. */
static bool paddr_unset(const dfu_elf *e)
{
    bool any_vaddr = false;
    for (unsigned i = 0; i < e->phnum; i++) {
        dfu_elf_phdr ph;
        dfu_elf_read_phdr(e, i, &ph);
        if (ph.type != DFU_ELF_PT_LOAD) continue;
        if (ph.paddr != 0) return false;
        any_vaddr |= ph.vaddr != 0;
    }
    return any_vaddr;
}

/* A segment whose bytes lie outside the file, or that claims more of them than of memory, is
 * damaged, and so is the file, whether its bytes are taken by segment or by section. */
static int check_segment_bytes(const dfu_elf *e, const dfu_elf_phdr *ph)
{
    const dfu_input *in = e->in;
    const char *name = in->name;
    if (ph->filesz > ph->memsz)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: program header %u: p_filesz %llu is larger than p_memsz "
                       "%llu",
                       name, ph->at, ph->index, (unsigned long long)ph->filesz,
                       (unsigned long long)ph->memsz);
    if (ph->offset > in->len || ph->filesz > in->len - ph->offset)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: program header %u: its %llu bytes at file offset %llu run "
                       "past the end of the %zu-byte file",
                       name, ph->at, ph->index, (unsigned long long)ph->filesz,
                       (unsigned long long)ph->offset, in->len);
    return DFU_OK;
}

static int check_segments(const dfu_elf *e)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        dfu_elf_phdr ph;
        dfu_elf_read_phdr(e, i, &ph);
        if (!loads_data(&ph)) continue;
        int rc = check_segment_bytes(e, &ph);
        if (rc) return rc;
    }
    return DFU_OK;
}

static int check_segment_address(const dfu_elf *e, const dfu_elf_phdr *ph, uint64_t addr)
{
    if (addr >= DFU_ELF_ADDR_SPAN || ph->filesz > DFU_ELF_ADDR_SPAN - addr ||
        ph->filesz > UINT32_MAX)
        return dfu_err(e->ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: program header %u: %llu bytes at physical address 0x%llx "
                       "load above 4 GiB; a DFU image addresses 32 bits",
                       e->in->name, ph->at, ph->index, (unsigned long long)ph->filesz,
                       (unsigned long long)addr);
    return DFU_OK;
}

/* The byte segment ph puts at addr, or -1 when it puts none there. */
static int byte_at(const dfu_elf *e, const dfu_elf_phdr *ph, uint64_t base, uint32_t addr)
{
    if (!loads_data(ph) || addr < base || addr - base >= ph->filesz) return -1;
    return e->in->data[ph->offset + (addr - base)];
}

/* After the builder found overlapping bytes that differ at addr: name both program headers. */
static int report_conflict(const dfu_elf *e, uint32_t addr)
{
    int first_byte = -1;
    dfu_elf_phdr first = {0}, ph;
    for (unsigned i = 0; i < e->phnum; i++) {
        dfu_elf_read_phdr(e, i, &ph);
        int b = byte_at(e, &ph, e->use_vaddr ? ph.vaddr : ph.paddr, addr);
        if (b < 0) continue;
        if (first_byte < 0) {
            first = ph;
            first_byte = b;
        } else if (b != first_byte) {
            return dfu_err(e->ctx, DFU_ERR_FORMAT,
                           "%s: offset %zu: program headers %u and %u are overlapping PT_LOAD "
                           "segments that disagree at address 0x%08x (0x%02x and 0x%02x)",
                           e->in->name, ph.at, first.index, ph.index, addr, first_byte, b);
        }
    }
    return dfu_err(e->ctx, DFU_ERR_FORMAT,
                   "%s: overlapping PT_LOAD segments disagree at address 0x%08x", e->in->name,
                   addr);
}

/* For a file without section headers: what its PT_LOAD segments hold in the file. */
static int add_segments(const dfu_elf *e, dfu_image *img, size_t target)
{
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    int rc = DFU_OK;
    unsigned loaded = 0;
    for (unsigned i = 0; i < e->phnum && !rc; i++) {
        dfu_elf_phdr ph;
        dfu_elf_read_phdr(e, i, &ph);
        if (!loads_data(&ph)) continue;
        uint64_t addr = e->use_vaddr ? ph.vaddr : ph.paddr;
        rc = check_segment_address(e, &ph, addr);
        if (!rc && dfu_builder_add(&b, (uint32_t)addr, e->in->data + ph.offset, (size_t)ph.filesz))
            rc = dfu_err(e->ctx, DFU_ERR_NOMEM, "out of memory");
        loaded++;
    }
    if (!rc && loaded == 0)
        rc = dfu_err(e->ctx, DFU_ERR_FORMAT,
                     "%s: none of the %u program headers is a PT_LOAD segment with bytes in the "
                     "file: nothing to flash",
                     e->in->name, e->phnum);
    uint32_t conflict = 0;
    if (!rc) {
        rc = dfu_builder_commit(&b, img, target, &conflict);
        if (rc == DFU_ERR_NOMEM) rc = dfu_err(e->ctx, rc, "out of memory");
        if (rc == DFU_ERR_FORMAT) rc = report_conflict(e, conflict);
    }
    dfu_builder_free(&b);
    return rc;
}

int dfu_read_elf(dfu_ctx *ctx, const dfu_input *in, dfu_image *img)
{
    dfu_elf e;
    memset(&e, 0, sizeof(e));
    e.ctx = ctx;
    e.in = in;
    int rc = read_header(&e);
    if (!rc) rc = dfu_elf_read_section_table(&e);
    if (!rc) rc = check_segments(&e);
    if (rc) return rc;
    e.use_vaddr = paddr_unset(&e);
    size_t target;
    if (dfu_image_add_target(img, -1, NULL, &target))
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    rc = e.shnum ? dfu_elf_add_sections(&e, img, target) : add_segments(&e, img, target);
    if (rc) return rc;
    /* e_entry 0 means "no entry point" (System V ABI). */
    if (e.entry != 0) {
        uint32_t start = (uint32_t)e.entry;
        dfu_image_set_start_address(img, &start);
    }
    return DFU_OK;
}
