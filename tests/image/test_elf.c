/* ELF reading: PT_LOAD at physical addresses, file bytes only, 32/64-bit, both byte orders, and
 * one test per kind of malformed file (error code and what the message points at). */
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))

enum { PT_NULL = 0, PT_LOAD = 1, PT_NOTE = 4 };

typedef struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
} phdr;

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
} elf_spec;

static void put(uint8_t *p, uint64_t v, unsigned size, bool big)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = 8 * (big ? size - 1 - i : i);
        p[i] = (uint8_t)(v >> shift);
    }
}

static uint8_t *make_elf(const elf_spec *s, size_t *len)
{
    size_t ehsize = s->is64 ? 64 : 52, entsize = s->phentsize ? s->phentsize : (s->is64 ? 56 : 32);
    size_t phoff = s->phoff ? s->phoff : ehsize;
    size_t n = s->len;
    if (!n) {
        n = MAX(phoff + s->n * entsize, s->body_at + s->body_len);
        n = MAX(n, ehsize);
    }
    uint8_t *f = calloc(1, n + 64);
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
    for (unsigned i = 0; i < s->n && phoff + (i + 1) * entsize <= n; i++) {
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
    if (s->body && s->body_at + s->body_len <= n) memcpy(f + s->body_at, s->body, s->body_len);
    *len = n;
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
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, NULL));
}
