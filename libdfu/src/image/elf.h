/* The ELF reader's shared parts: elf.c reads the ELF header and the program headers,
 * elf_sections.c the section headers. */
#ifndef DFU_IMAGE_ELF_H
#define DFU_IMAGE_ELF_H

#include <stdbool.h>
#include <stdint.h>
#include "formats.h"

#define DFU_ELF_PT_LOAD   1
#define DFU_ELF_ADDR_SPAN 0x100000000ull

typedef struct dfu_elf {
    dfu_ctx *ctx;
    const dfu_input *in;
    bool is64, big;
    uint16_t type;
    uint64_t entry;
    size_t phoff;
    unsigned phentsize, phnum;
    /* Every PT_LOAD has p_paddr 0: the linker did not fill in load addresses. */
    bool use_vaddr;
    /* The section header table; shnum 0 when the file has none. */
    size_t shoff, shentsize, shnum, shstrndx;
} dfu_elf;

typedef struct dfu_elf_phdr {
    unsigned index;
    size_t at; /* file offset of the program header itself */
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
} dfu_elf_phdr;

/* An unsigned field of 2, 4 or 8 bytes, in the file's byte order. The caller checked bounds. */
uint64_t dfu_elf_get(const dfu_elf *e, size_t off, unsigned size);
/* A field that is 4 bytes at off32 in ELF32 and 8 bytes at off64 in ELF64. */
uint64_t dfu_elf_word(const dfu_elf *e, size_t off32, size_t off64);
void dfu_elf_read_phdr(const dfu_elf *e, unsigned index, dfu_elf_phdr *ph);

/* Reads e_shoff, e_shentsize, e_shnum and e_shstrndx (extended numbering included) and checks
 * that the table lies within the file. A file without one gets shnum 0. */
int dfu_elf_read_section_table(dfu_elf *e);
/* Adds the bytes objcopy would take from a file with a section header table. */
int dfu_elf_add_sections(const dfu_elf *e, dfu_image *img, size_t target);

#endif
