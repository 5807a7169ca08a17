/* ELF reading: allocated sections at their load addresses (segments when there are no section
 * headers), file bytes only, 32/64-bit, both byte orders, and one test per kind of malformed file
 * (error code and what the message points at). */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

enum { PT_NULL = 0, PT_LOAD = 1, PT_NOTE = 4 };

enum { SHT_PROGBITS = 1, SHT_NOBITS = 8, SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4 };

typedef struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
} phdr;

/* A section header; name is put in the section name table that make_elf adds. */
typedef struct shdr {
    const char *name;
    uint32_t type;
    uint64_t flags, addr, offset, size;
} shdr;

/* An ELF file described field by field; make_elf lays it out. */
typedef struct elf_spec {
    bool is64, big;
    uint16_t type;      /* e_type, 2 (ET_EXEC) when 0 */
    uint64_t entry;     /* e_entry */
    uint64_t phoff;     /* 0: right after the header */
    uint16_t phentsize; /* 0: the standard size */
    unsigned phnum;     /* 0: n */
    unsigned n;
    phdr ph[6];
    size_t body_at; /* where body goes in the file */
    const uint8_t *body;
    size_t body_len;
    size_t len; /* 0: just long enough */
    /* Section headers: none when ns is 0. Index 0 is the null section, sh[i] is index i + 1, and
     * a name table follows (e_shstrndx ns + 1), then the table itself (at shoff unless 0). */
    unsigned ns;
    shdr sh[8];
    uint64_t shoff;
    uint16_t shentsize; /* 0: the standard size */
    int shnum;          /* e_shnum: 0 means ns + 2, -1 means 0 */
    uint64_t sh0_size;  /* section header 0's sh_size (the count in extended numbering) */
} elf_spec;

static void put(uint8_t *p, uint64_t v, unsigned size, bool big)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = 8 * (big ? size - 1 - i : i);
        p[i] = (uint8_t)(v >> shift);
    }
}

static void put_shdr(uint8_t *p, const elf_spec *s, uint32_t name, const shdr *h)
{
    bool b = s->big;
    put(p, name, 4, b);
    put(p + 4, h->type, 4, b);
    unsigned w = s->is64 ? 8 : 4;
    put(p + 8, h->flags, w, b);
    put(p + 8 + w, h->addr, w, b);
    put(p + 8 + 2 * w, h->offset, w, b);
    put(p + 8 + 3 * w, h->size, w, b);
}

/* The section name table and the section header table, laid out after everything else. */
typedef struct sections_layout {
    size_t names_at, shoff, end;
} sections_layout;

static size_t sh_entsize(const elf_spec *s)
{
    return s->shentsize ? s->shentsize : (s->is64 ? 64 : 40);
}

static sections_layout layout_sections(const elf_spec *s, size_t end)
{
    sections_layout l = {end, 0, end};
    size_t names = 1 + sizeof(".shstrtab");
    for (unsigned i = 0; i < s->ns; i++) names += strlen(s->sh[i].name) + 1;
    l.shoff = (end + names + 7) / 8 * 8;
    l.end = l.shoff + (s->ns + 2) * sh_entsize(s);
    return l;
}

static void put_sections(uint8_t *f, const elf_spec *s, const sections_layout *l)
{
    size_t entsize = sh_entsize(s);
    bool b = s->big;
    size_t at = s->is64 ? 40 : 32; /* e_shoff, then e_flags, e_ehsize, e_phentsize, e_phnum */
    put(f + at, s->shoff ? s->shoff : l->shoff, s->is64 ? 8 : 4, b);
    put(f + at + (s->is64 ? 18 : 14), entsize, 2, b);
    put(f + at + (s->is64 ? 20 : 16),
        s->shnum < 0 ? 0u
        : s->shnum   ? (unsigned)s->shnum
                     : s->ns + 2,
        2, b);
    put(f + at + (s->is64 ? 22 : 18), s->ns + 1, 2, b);
    shdr zero = {0};
    zero.size = s->sh0_size;
    put_shdr(f + l->shoff, s, 0, &zero);
    size_t name = 1;
    for (unsigned i = 0; i < s->ns; i++) {
        memcpy(f + l->names_at + name, s->sh[i].name, strlen(s->sh[i].name) + 1);
        put_shdr(f + l->shoff + (i + 1) * entsize, s, (uint32_t)name, &s->sh[i]);
        name += strlen(s->sh[i].name) + 1;
    }
    memcpy(f + l->names_at + name, ".shstrtab", sizeof(".shstrtab"));
    shdr names = {NULL, 3 /* SHT_STRTAB */, 0, 0, l->names_at, name + sizeof(".shstrtab")};
    put_shdr(f + l->shoff + (s->ns + 1) * entsize, s, (uint32_t)name, &names);
}

/* The file s describes, s->len bytes long (cut short or zero-padded) unless that is 0. */
static uint8_t *make_elf(const elf_spec *s, size_t *len)
{
    size_t ehsize = s->is64 ? 64 : 52, entsize = s->phentsize ? s->phentsize : (s->is64 ? 56 : 32);
    size_t phoff = s->phoff ? s->phoff : ehsize;
    size_t n = MAX(ehsize, s->body_at + s->body_len);
    if (phoff < 0x10000) n = MAX(n, phoff + s->n * entsize);
    sections_layout l = layout_sections(s, n);
    if (s->ns) n = l.end;
    size_t cap = MAX(n, s->len);
    uint8_t *f = calloc(1, cap + 64);
    memcpy(f,
           "\x7f"
           "ELF",
           4);
    f[4] = s->is64 ? 2 : 1;
    f[5] = s->big ? 2 : 1;
    f[6] = 1;
    bool b = s->big;
    put(f + 16, s->type ? s->type : 2, 2, b);
    put(f + 18, 40, 2, b); /* EM_ARM; never looked at */
    put(f + 20, 1, 4, b);
    unsigned w = s->is64 ? 8 : 4;
    put(f + 24, s->entry, w, b);
    put(f + 24 + w, phoff, w, b);
    size_t at = s->is64 ? 52 : 40; /* e_ehsize */
    put(f + at, ehsize, 2, b);
    put(f + at + 2, entsize, 2, b);
    put(f + at + 4, s->phnum ? s->phnum : s->n, 2, b);
    for (unsigned i = 0; i < s->n && phoff + (i + 1) * entsize <= cap; i++) {
        uint8_t *p = f + phoff + i * entsize;
        const phdr *h = &s->ph[i];
        put(p, h->type, 4, b);
        if (s->is64) {
            put(p + 8, h->offset, 8, b);
            put(p + 16, h->vaddr, 8, b);
            put(p + 24, h->paddr, 8, b);
            put(p + 32, h->filesz, 8, b);
            put(p + 40, h->memsz, 8, b);
        } else {
            put(p + 4, h->offset, 4, b);
            put(p + 8, h->vaddr, 4, b);
            put(p + 12, h->paddr, 4, b);
            put(p + 16, h->filesz, 4, b);
            put(p + 20, h->memsz, 4, b);
        }
    }
    if (s->body) memcpy(f + s->body_at, s->body, s->body_len);
    if (s->ns) put_sections(f, s, &l);
    *len = s->len ? s->len : n;
    return f;
}

static uint8_t body[512];

static int setup(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 42);
    tu_rng_fill(&rng, body, sizeof(body));
    body[0xf0] = 0xa5; /* not 0: test_overlap_that_disagrees_names_both_headers needs it */
    return 0;
}

/* Cortex-M shape: vector table + .text in flash, .data run in RAM but stored in flash right after
 * .text (LMA), .bss only in RAM. */
static elf_spec cortex_m(bool is64, bool big)
{
    elf_spec s = {0};
    s.is64 = is64;
    s.big = big;
    s.entry = 0x08000009;
    s.n = 4;
    s.ph[0] = (phdr){PT_LOAD, 0x100, 0x08000000, 0x08000000, 0x100, 0x100};
    s.ph[1] = (phdr){PT_LOAD, 0x200, 0x20000000, 0x08000100, 0x10, 0x20}; /* .data + tail */
    s.ph[2] = (phdr){PT_LOAD, 0x210, 0x20000020, 0x20000020, 0, 0x400};   /* .bss */
    s.ph[3] = (phdr){PT_NOTE, 0x9999, 0, 0, 0x9999, 0};                   /* not loaded */
    s.body_at = 0x100;
    s.body = body;
    s.body_len = 0x110;
    return s;
}

static int parse(dfu_image **img, dfu_ctx *ctx, const uint8_t *f, size_t len)
{
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_ELF;
    return dfu_image_parse(img, ctx, f, len, "fw.elf", &o);
}

static void test_load_addresses_and_file_bytes_only(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        elf_spec s = cortex_m(v & 1, v & 2);
        size_t len;
        uint8_t *f = make_elf(&s, &len);
        dfu_image *img;
        assert_int_equal(dfu_image_parse(&img, NULL, f, len, "fw.elf", NULL), DFU_OK);
        assert_int_equal(dfu_image_format(img), DFU_FORMAT_ELF);
        assert_int_equal(dfu_image_target_count(img), 1);
        assert_int_equal(dfu_image_target_alt(img, 0), -1);
        /* .text and .data's load image are contiguous in flash; nothing lands in RAM. */
        assert_int_equal(dfu_image_segment_count(img, 0), 1);
        dfu_segment seg;
        dfu_image_segment(img, 0, 0, &seg);
        assert_int_equal(seg.address, 0x08000000);
        assert_int_equal(seg.size, 0x110);
        assert_memory_equal(seg.data, body, 0x110);
        uint32_t start;
        assert_true(dfu_image_start_address(img, &start));
        assert_int_equal(start, 0x08000009);
        dfu_image_free(img);
        free(f);
    }
}

static void test_entry_zero_means_no_start_address(void **state)
{
    (void)state;
    elf_spec s = cortex_m(false, false);
    s.entry = 0;
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len), DFU_OK);
    assert_false(dfu_image_start_address(img, NULL));
    dfu_image_free(img);
    free(f);
}

/* GNU objcopy's rule: all p_paddr 0 means the linker did not set them; p_vaddr is used. */
static void test_all_paddr_zero_uses_vaddr(void **state)
{
    (void)state;
    elf_spec s = {0};
    s.n = 2;
    s.ph[0] = (phdr){PT_LOAD, 0x100, 0x1000, 0, 0x10, 0x10};
    s.ph[1] = (phdr){PT_LOAD, 0x110, 0x3000, 0, 0x10, 0x10};
    s.body_at = 0x100;
    s.body = body;
    s.body_len = 0x20;
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len), DFU_OK);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    dfu_segment seg;
    dfu_image_segment(img, 0, 1, &seg);
    assert_int_equal(seg.address, 0x3000);
    assert_memory_equal(seg.data, body + 0x10, 0x10);
    dfu_image_free(img);
    free(f);
}

/* A wider e_phentsize is a stride; overlapping segments that agree merge. */
static void test_wide_phentsize_and_agreeing_overlap(void **state)
{
    (void)state;
    elf_spec s = cortex_m(true, true);
    s.phentsize = 64;
    s.phoff = 0x300; /* 4 x 64 bytes would not fit before the body */
    s.ph[2] = (phdr){PT_LOAD, 0x180, 0x08000080, 0x08000080, 0x90, 0x90};
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, f, len), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, 0), 0x110);
    dfu_image_free(img);
    free(f);
}

/* Each malformed file: the error code, and the text that points at the problem. */
static void expect_error(const elf_spec *s, const char *where, const char *what)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    size_t len;
    uint8_t *f = make_elf(s, &len);
    dfu_image *img = NULL;
    assert_int_equal(parse(&img, ctx, f, len), DFU_ERR_FORMAT);
    assert_null(img);
    const char *m = dfu_ctx_error(ctx)->message;
    if (!strstr(m, where) || !strstr(m, what))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", m, where, what);
    free(f);
    dfu_ctx_free(ctx);
}

static void test_64bit_segment_above_4gib(void **state)
{
    (void)state;
    elf_spec s = cortex_m(true, false);
    s.ph[1].paddr = 0x100000000ull;
    expect_error(&s, "fw.elf: offset 120: program header 1:", "above 4 GiB");
    /* Crossing the boundary is as bad as starting above it, in 32-bit files too. */
    s = cortex_m(false, false);
    s.ph[0].paddr = 0xffffff80;
    expect_error(&s, "offset 52: program header 0:", "physical address 0xffffff80 load above");
    s = cortex_m(true, false);
    s.entry = 0x100000001ull;
    expect_error(&s, "offset 24:", "entry point 0x100000001 is above 4 GiB");
}

static void test_overlap_that_disagrees_names_both_headers(void **state)
{
    (void)state;
    elf_spec s = cortex_m(false, true);
    s.ph[2] = (phdr){PT_LOAD, 0x220, 0x080000f0, 0x080000f0, 0x10, 0x10}; /* zeros */
    s.len = 0x240;
    expect_error(&s, "offset 116: program headers 0 and 2",
                 "overlapping PT_LOAD segments that disagree at address 0x080000f0");
}

static void test_segment_beyond_file(void **state)
{
    (void)state;
    elf_spec s = cortex_m(false, false);
    s.ph[1].filesz = 0x11; /* one byte past the end of the 0x210-byte file */
    s.ph[1].memsz = 0x20;
    expect_error(&s, "offset 84: program header 1:", "run past the end of the 528-byte file");
    /* Wrapping offsets must not wrap the check. */
    s = cortex_m(true, false);
    s.ph[0].offset = 0xfffffffffffffff0ull;
    s.ph[0].filesz = 0x20;
    s.ph[0].memsz = 0x20;
    expect_error(&s, "offset 64: program header 0:", "at file offset 18446744073709551600");
}

static void test_filesz_larger_than_memsz(void **state)
{
    (void)state;
    elf_spec s = cortex_m(false, false);
    s.ph[1].memsz = 4;
    expect_error(&s, "offset 84: program header 1:", "p_filesz 16 is larger than p_memsz 4");
}

static void test_program_header_table_bounds(void **state)
{
    (void)state;
    elf_spec s = cortex_m(false, false);
    s.phoff = 0x200; /* 4 x 32 bytes at 0x200 in a 0x210-byte file */
    s.len = 0x210;
    expect_error(&s, "offset 28:", "4 entries of 32 bytes at e_phoff 512");
    s = cortex_m(true, false);
    s.phoff = 0xffffffffffffff00ull;
    s.len = 0x210;
    expect_error(&s, "offset 32:", "runs past the end of the 528-byte file");
    s = cortex_m(false, false);
    s.phnum = 0xfffe; /* 0xfffe x 32 bytes: the table cannot fit */
    expect_error(&s, "offset 28:", "65534 entries");
    s = cortex_m(true, false);
    s.phentsize = 40;
    expect_error(&s, "offset 54:", "e_phentsize is 40, smaller than an ELF64 program header");
    s = cortex_m(false, false);
    s.phnum = 0xffff;
    expect_error(&s, "offset 44:", "extended program header numbering");
}

static void test_no_program_headers(void **state)
{
    (void)state;
    elf_spec s = {0};
    s.type = 1; /* ET_REL */
    expect_error(&s, "offset 44:", "no program headers (a relocatable object file: link it");
    s = cortex_m(true, false);
    s.ph[0].type = PT_NULL;
    s.ph[1].filesz = 0;
    expect_error(&s, "fw.elf:", "none of the 4 program headers is a PT_LOAD segment with bytes");
}

static void test_identification_and_header(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    static const struct {
        const char *bytes;
        size_t len;
        const char *where, *what;
    } cases[] = {
        {"\x7f"
         "ELF\x01\x01\x01",
         7, "offset 0:", "not an ELF file"},
        {"\x7f"
         "ELX\x01\x01\x01\0\0\0\0\0\0\0\0\0",
         16, "offset 0:", "not an ELF file"},
        {"\x7f"
         "ELF\x03\x01\x01\0\0\0\0\0\0\0\0\0",
         16, "offset 4:", "unknown ELF class 3"},
        {"\x7f"
         "ELF\x01\x00\x01\0\0\0\0\0\0\0\0\0",
         16, "offset 5:", "data encoding 0"},
        {"\x7f"
         "ELF\x02\x02\x02\0\0\0\0\0\0\0\0\0",
         16, "offset 6:", "unknown ELF version 2"},
        {"\x7f"
         "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0",
         20, "offset 20:",
         "truncated ELF header: the file ends after 20 bytes, an ELF64 header takes 64"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(&img, ctx, (const uint8_t *)cases[i].bytes, cases[i].len),
                         DFU_ERR_FORMAT);
        const char *m = dfu_ctx_error(ctx)->message;
        if (!strstr(m, cases[i].where) || !strstr(m, cases[i].what))
            fail_msg("case %zu: \"%s\"", i, m);
    }
    dfu_ctx_free(ctx);
}

/* Every truncation of a valid file fails cleanly (or, past the last byte used, still loads). */
static void test_every_truncation(void **state)
{
    (void)state;
    elf_spec s = cortex_m(true, true);
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n + 1);
        memcpy(copy, f, n);
        dfu_image *img = NULL;
        int rc = parse(&img, NULL, copy, n);
        assert_int_equal(rc, DFU_ERR_FORMAT);
        free(copy);
    }
    free(f);
}

/* What GNU ld makes of an application linked at 0x08000100 behind a bootloader: the first PT_LOAD
 * starts at the page below, at file offset 0, and so also maps the ELF header and the program
 * headers. .data runs in RAM and is stored in flash after .text (AT> FLASH), .bss is NOBITS and
 * .comment is not allocated. */
static elf_spec gnu_ld(bool is64, bool big)
{
    elf_spec s = {0};
    s.is64 = is64;
    s.big = big;
    s.entry = 0x08000111;
    s.n = 2;
    s.ph[0] = (phdr){PT_LOAD, 0, 0x08000000, 0x08000000, 0x120, 0x120};
    s.ph[1] = (phdr){PT_LOAD, 0x120, 0x20000000, 0x08000120, 0x10, 0x30};
    s.ns = 5;
    s.sh[0] = (shdr){".isr_vector", SHT_PROGBITS, SHF_ALLOC, 0x08000100, 0x100, 0x10};
    s.sh[1] = (shdr){".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x08000110, 0x110, 0x10};
    s.sh[2] = (shdr){".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x20000000, 0x120, 0x10};
    s.sh[3] = (shdr){".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x20000010, 0x130, 0x20};
    s.sh[4] = (shdr){".comment", SHT_PROGBITS, 0, 0, 0x130, 0x10};
    s.body_at = 0x100;
    s.body = body;
    s.body_len = 0x40;
    return s;
}

static dfu_image *parse_ok(const elf_spec *s)
{
    size_t len;
    uint8_t *f = make_elf(s, &len);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = NULL;
    if (parse(&img, ctx, f, len)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    free(f);
    return img;
}

static void expect_one_segment(const dfu_image *img, uint32_t address, const uint8_t *data,
                               uint32_t size)
{
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment seg;
    dfu_image_segment(img, 0, 0, &seg);
    assert_int_equal(seg.address, address);
    assert_int_equal(seg.size, size);
    assert_memory_equal(seg.data, data, size);
}

/* The ELF header and program headers in the first PT_LOAD belong to no section: flashing them
 * would overwrite the bootloader below the application. */
static void test_headers_in_a_segment_are_not_loaded(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        elf_spec s = gnu_ld(v & 1, v & 2);
        dfu_image *img = parse_ok(&s);
        /* .isr_vector, .text, then .data at its load address; not .bss, not .comment. */
        expect_one_segment(img, 0x08000100, body, 0x30);
        uint32_t start;
        assert_true(dfu_image_start_address(img, &start));
        assert_int_equal(start, 0x08000111);
        dfu_image_free(img);
    }
}

/* A NOLOAD region at the start of flash (a NOBITS section) has file bytes in its segment, which
 * are not the device's. */
static void test_nobits_gap_in_a_segment_is_not_loaded(void **state)
{
    (void)state;
    elf_spec s = {0};
    s.n = 1;
    s.ph[0] = (phdr){PT_LOAD, 0x100, 0x08004000, 0x08004000, 0x40, 0x40};
    s.ns = 2;
    s.sh[0] = (shdr){".hdr_gap", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x08004000, 0x100, 0x20};
    s.sh[1] = (shdr){".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x08004020, 0x120, 0x20};
    s.body_at = 0x100;
    s.body = body;
    s.body_len = 0x40;
    dfu_image *img = parse_ok(&s);
    expect_one_segment(img, 0x08004020, body + 0x20, 0x20);
    dfu_image_free(img);
}

/* Without section headers, the segments are all there is: their file bytes, headers included. */
static void test_no_section_headers_loads_segments(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    s.ns = 0;
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    dfu_image *img = parse_ok(&s);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment seg;
    dfu_image_segment(img, 0, 0, &seg);
    assert_int_equal(seg.address, 0x08000000);
    assert_int_equal(seg.size, 0x130);
    assert_memory_equal(seg.data, f, 0x130);
    dfu_image_free(img);
    free(f);
}

/* Without physical addresses, sections load at sh_addr; a section in no segment too. */
static void test_sections_without_physical_addresses(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(true, false);
    s.ph[0].paddr = 0;
    s.ph[1].paddr = 0;
    dfu_image *img = parse_ok(&s);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    dfu_segment seg;
    dfu_image_segment(img, 0, 1, &seg);
    assert_int_equal(seg.address, 0x20000000);
    assert_memory_equal(seg.data, body + 0x20, 0x10);
    dfu_image_free(img);

    s = gnu_ld(false, true);
    s.n = 1; /* .data is in no segment now */
    img = parse_ok(&s);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    dfu_image_segment(img, 0, 1, &seg);
    assert_int_equal(seg.address, 0x20000000);
    dfu_image_free(img);
}

/* More sections than e_shnum holds: the count is in section header 0's sh_size. */
static void test_extended_section_numbering(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(true, true);
    s.shnum = -1;
    s.sh0_size = s.ns + 2;
    dfu_image *img = parse_ok(&s);
    expect_one_segment(img, 0x08000100, body, 0x30);
    dfu_image_free(img);
    s.sh0_size = 0;
    expect_error(&s, "offset 60:", "e_shnum is 0 and so is section header 0's sh_size");
}

static void test_section_header_table_bounds(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    s.shoff = 0x10000;
    expect_error(&s, "offset 32:", "section header table at e_shoff 65536 runs past the end");
    s = gnu_ld(true, false);
    s.shoff = 0xffffffffffffffc0ull;
    expect_error(&s, "offset 40:", "e_shoff 18446744073709551552 runs past the end");
    s = gnu_ld(false, true);
    s.shnum = 0xfff0;
    expect_error(&s, "offset 32:", "section header table (65520 entries of 40 bytes at e_shoff");
    s = gnu_ld(true, false);
    s.shnum = -1;
    s.sh0_size = 0x8000000000000000ull; /* entries x size would wrap */
    expect_error(&s, "offset 40:", "(9223372036854775808 entries of 64 bytes");
    s = gnu_ld(true, true);
    s.shentsize = 40;
    expect_error(&s, "offset 58:", "e_shentsize is 40, smaller than an ELF64 section header");
}

/* e_shoff 0 says "no section header table"; with a section count, the header is damaged, and
 * taking the segments instead would flash what the sections leave out. */
static void test_section_count_without_table(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    memset(f + 32, 0, 4); /* e_shoff */
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = NULL;
    assert_int_equal(parse(&img, ctx, f, len), DFU_ERR_FORMAT);
    assert_string_equal(dfu_ctx_error(ctx)->message,
                        "fw.elf: offset 48: e_shnum is 7 but e_shoff is 0 (no section header "
                        "table)");
    dfu_ctx_free(ctx);
    free(f);
}

static void test_section_bytes_beyond_file(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    s.sh[1].size = 0x10000;
    s.ph[0].filesz = s.ph[0].memsz = 0x10;
    expect_error(&s, "offset ",
                 ": section header 2 (.text): its 65536 bytes at file offset 272 run "
                 "past the end of the");
    /* 64-bit offsets and sizes must not wrap the check. */
    s = gnu_ld(true, false);
    s.sh[0].offset = 0xfffffffffffffff0ull;
    s.sh[0].size = 0x20;
    expect_error(&s, "section header 1 (.isr_vector):", "at file offset 18446744073709551600");
}

static void test_section_above_4gib(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(true, false);
    s.ph[1].paddr = 0xfffffff8;
    expect_error(&s, "section header 3 (.data), in program header 1:",
                 "its 16 bytes at physical address 0xfffffff8 load above 4 GiB");
    s = gnu_ld(true, true);
    s.n = 1;
    s.sh[2].addr = 0x123456789ull; /* in no segment: at sh_addr */
    expect_error(&s, "section header 3 (.data):", "physical address 0x123456789 load above 4 GiB");
}

static void test_sections_that_disagree(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    /* .data's load image now overlaps .text's last 8 bytes, with other bytes. */
    s.ph[1].paddr = 0x08000118;
    expect_error(&s, "section header 2 (.text) and section header 3 (.data)",
                 "overlap and disagree at load address 0x08000118");
}

static void test_no_allocated_section(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    for (unsigned i = 0; i < 3; i++) s.sh[i].flags = 0;
    expect_error(&s, "fw.elf:", "none of the 7 sections is allocated (SHF_ALLOC) with bytes");
}

/* Section names come from the file: a terminal escape in one stays text in the message. */
static void test_section_names_are_escaped(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(false, false);
    s.sh[1].name = "\x1b[2J.text";
    s.sh[1].size = 0x10000;
    s.ph[0].filesz = s.ph[0].memsz = 0x10;
    expect_error(&s, "section header 2 (\\x1b[2J.text)", "run past the end");
}

/* Every truncation of a file with sections fails cleanly: its section table is at the end. */
static void test_every_truncation_with_sections(void **state)
{
    (void)state;
    elf_spec s = gnu_ld(true, false);
    size_t len;
    uint8_t *f = make_elf(&s, &len);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n + 1);
        memcpy(copy, f, n);
        dfu_image *img = NULL;
        assert_int_equal(parse(&img, NULL, copy, n), DFU_ERR_FORMAT);
        free(copy);
    }
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_addresses_and_file_bytes_only),
        cmocka_unit_test(test_entry_zero_means_no_start_address),
        cmocka_unit_test(test_all_paddr_zero_uses_vaddr),
        cmocka_unit_test(test_wide_phentsize_and_agreeing_overlap),
        cmocka_unit_test(test_64bit_segment_above_4gib),
        cmocka_unit_test(test_overlap_that_disagrees_names_both_headers),
        cmocka_unit_test(test_segment_beyond_file),
        cmocka_unit_test(test_filesz_larger_than_memsz),
        cmocka_unit_test(test_program_header_table_bounds),
        cmocka_unit_test(test_no_program_headers),
        cmocka_unit_test(test_identification_and_header),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_headers_in_a_segment_are_not_loaded),
        cmocka_unit_test(test_nobits_gap_in_a_segment_is_not_loaded),
        cmocka_unit_test(test_no_section_headers_loads_segments),
        cmocka_unit_test(test_sections_without_physical_addresses),
        cmocka_unit_test(test_extended_section_numbering),
        cmocka_unit_test(test_section_header_table_bounds),
        cmocka_unit_test(test_section_count_without_table),
        cmocka_unit_test(test_section_bytes_beyond_file),
        cmocka_unit_test(test_section_above_4gib),
        cmocka_unit_test(test_sections_that_disagree),
        cmocka_unit_test(test_no_allocated_section),
        cmocka_unit_test(test_section_names_are_escaped),
        cmocka_unit_test(test_every_truncation_with_sections),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, NULL));
}
