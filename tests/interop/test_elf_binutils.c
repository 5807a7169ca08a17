/*
 * ELF reading against GNU binutils: real ELF files are assembled and linked here from
 * tests/interop/elf/ (Cortex-M little and big endian with arm-none-eabi-as/ld, x86 64- and
 * 32-bit with the host's as/ld, and app.s linked with scripts that put the ELF header or a NOLOAD
 * gap inside a segment), and our image must equal what objcopy -O ihex and -O binary make of the
 * same file (objcopy also uses load addresses). A missing tool is a printed SKIP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

static char *src_path(const char *file)
{
    char *dir = tu_data_path("../interop/elf");
    char *p = tu_path(dir, file);
    free(dir);
    return p;
}

static void run_ok(const char *const *argv)
{
    tu_result r;
    tu_run(&r, false, argv);
    if (r.exit_code != 0) fail_msg("%s exited %d: %s%s", argv[0], r.exit_code, r.out, r.err);
    tu_result_free(&r);
}

static unsigned hexbyte(const char *p)
{
    char b[3] = {p[0], p[1], 0};
    return (unsigned)strtoul(b, NULL, 16);
}

/* objcopy's Intel HEX, read by a parser independent of the library's: records 00-05. */
static dfu_image *read_ihex(const char *path, bool *has_start, uint32_t *start)
{
    char *text = (char *)tu_read_file(path, NULL);
    assert_non_null(text);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    uint32_t base = 0;
    *has_start = false;
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        assert_int_equal(line[0], ':');
        unsigned n = hexbyte(line + 1), addr = hexbyte(line + 3) << 8 | hexbyte(line + 5);
        unsigned type = hexbyte(line + 7), sum = 0;
        uint8_t data[256];
        for (unsigned i = 0; i < n; i++) data[i] = (uint8_t)hexbyte(line + 9 + 2 * i);
        for (unsigned i = 0; i < n + 5; i++) sum += hexbyte(line + 1 + 2 * i);
        assert_int_equal(sum & 0xff, 0);
        uint32_t word = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3];
        if (type == 0)
            assert_int_equal(dfu_image_add_data(NULL, img, 0, base + addr, data, n), DFU_OK);
        else if (type == 2)
            base = (uint32_t)(data[0] << 8 | data[1]) << 4;
        else if (type == 4)
            base = (uint32_t)(data[0] << 8 | data[1]) << 16;
        else if (type == 3 || type == 5) {
            *has_start = true;
            *start = type == 5 ? word : (word >> 16) * 16 + (word & 0xffff);
        }
    }
    free(text);
    return img;
}

static dfu_image *load(const char *path, dfu_format format, uint32_t base)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = format;
    o.base_address = base;
    dfu_image *img;
    if (dfu_image_load(&img, ctx, path, &o)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    return img;
}

/* Our image of elf vs objcopy's ihex and binary of it. Returns our image. */
static dfu_image *compare_with_objcopy(const char *objcopy, const char *dir, const char *elf)
{
    char *hex = tu_path(dir, "objcopy.hex"), *bin = tu_path(dir, "objcopy.bin");
    run_ok((const char *const[]){objcopy, "-O", "ihex", elf, hex, NULL});
    run_ok((const char *const[]){objcopy, "-O", "binary", elf, bin, NULL});
    dfu_image *ours = load(elf, DFU_FORMAT_AUTO, 0);
    assert_int_equal(dfu_image_format(ours), DFU_FORMAT_ELF);

    bool has_start;
    uint32_t start = 0, our_start = 0;
    dfu_image *theirs = read_ihex(hex, &has_start, &start);
    assert_true(dfu_image_equal(ours, theirs));
    assert_true(has_start);
    assert_true(dfu_image_start_address(ours, &our_start));
    assert_int_equal(our_start, start);

    /* -O binary: one blob from the lowest load address, gaps filled with zeros. */
    dfu_segment lo, hi;
    dfu_image_segment(theirs, 0, 0, &lo);
    dfu_image_segment(theirs, 0, dfu_image_segment_count(theirs, 0) - 1, &hi);
    dfu_image *blob = load(bin, DFU_FORMAT_BIN, lo.address);
    dfu_segment b;
    dfu_image_segment(blob, 0, 0, &b);
    assert_int_equal(b.address, lo.address);
    assert_int_equal(b.size, hi.address + hi.size - lo.address);
    uint8_t *span = malloc(b.size);
    dfu_image_read(ours, 0, b.address, span, b.size, 0x00);
    assert_memory_equal(span, b.data, b.size);
    free(span);
    dfu_image_free(blob);
    dfu_image_free(theirs);
    free(hex);
    free(bin);
    return ours;
}

static bool contains(const dfu_image *img, const char *text)
{
    for (size_t i = 0; i < dfu_image_segment_count(img, 0); i++) {
        dfu_segment s;
        dfu_image_segment(img, 0, i, &s);
        size_t n = strlen(text);
        for (size_t k = 0; k + n <= s.size; k++)
            if (memcmp(s.data + k, text, n) == 0) return true;
    }
    return false;
}

/* The prefix of an ARM binutils with as, ld and objcopy: Debian's bare-metal one, or the Linux
 * cross binutils other distributions ship (the same assembler and linker for this purpose). */
static const char *arm_binutils(void)
{
    static const char *const prefixes[] = {"arm-none-eabi-", "arm-linux-gnu-", "arm-linux-gnueabi-",
                                           "arm-linux-gnueabihf-"};
    static const char *const tools[] = {"as", "ld", "objcopy"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        bool all = true;
        for (size_t k = 0; k < 3; k++) {
            char name[64];
            snprintf(name, sizeof(name), "%s%s", prefixes[i], tools[k]);
            all = all && tu_have_program(name);
        }
        if (all) return prefixes[i];
    }
    return NULL;
}

static void cortex_m(bool big_endian)
{
    const char *prefix = arm_binutils();
    if (!prefix) TU_SKIP("no ARM binutils (Debian package binutils-arm-none-eabi)");
    char as[64], ld[64], objcopy[64];
    snprintf(as, sizeof(as), "%sas", prefix);
    snprintf(ld, sizeof(ld), "%sld", prefix);
    snprintf(objcopy, sizeof(objcopy), "%sobjcopy", prefix);
    char *dir = tu_tmpdir(big_endian ? "interop_elf_cortex_m_be" : "interop_elf_cortex_m_le");
    char *src = src_path("cortex_m.s"), *script = src_path("cortex_m.ld");
    char *obj = tu_path(dir, "fw.o"), *elf = tu_path(dir, "fw.elf");
    const char *endian = big_endian ? "-EB" : "-EL";
    run_ok((const char *const[]){as, endian, "-o", obj, src, NULL});
    run_ok((const char *const[]){ld, endian, "-T", script, "-o", elf, obj, NULL});

    dfu_image *img = compare_with_objcopy(objcopy, dir, elf);
    /* The shape that matters: .data's initial values are in flash right after .text, and
     * nothing (not .data's run address, not .bss) is in RAM. */
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x08000000);
    assert_true(s.address + s.size < 0x08001000);
    assert_true(contains(img, "data runs in RAM, is stored in flash"));
    uint8_t sp[4];
    dfu_image_read(img, 0, 0x08000000, sp, 4, 0);
    if (big_endian)
        assert_memory_equal(sp, "\x20\x02\x00\x00", 4); /* _estack = 0x20020000 */
    else
        assert_memory_equal(sp, "\x00\x00\x02\x20", 4);
    uint32_t start;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start & 1, 1); /* a Thumb entry point keeps its Thumb bit */
    dfu_image_free(img);
    free(src);
    free(script);
    free(obj);
    free(elf);
    free(dir);
}

static void test_cortex_m_little_endian(void **state)
{
    (void)state;
    cortex_m(false);
}

static void test_cortex_m_big_endian(void **state)
{
    (void)state;
    cortex_m(true);
}

/* The host ld must know the emulation (an x86 host's does). */
static bool ld_supports(const char *emulation)
{
    if (!tu_have_program("ld") || !tu_have_program("as") || !tu_have_program("objcopy"))
        return false;
    tu_result r;
    tu_run(&r, false, (const char *const[]){"ld", "-V", NULL});
    bool ok = r.exit_code == 0 && strstr(r.out, emulation);
    tu_result_free(&r);
    return ok;
}

static char *link_x86(const char *dir, bool is64, const char *load_base)
{
    char *src = src_path("x86.s"), *script = src_path("x86.ld");
    char *obj = tu_path(dir, "x86.o"), *elf = tu_path(dir, "x86.elf");
    char defsym[64];
    snprintf(defsym, sizeof(defsym), "LOAD_BASE=%s", load_base);
    run_ok((const char *const[]){"as", is64 ? "--64" : "--32", "-o", obj, src, NULL});
    run_ok((const char *const[]){"ld", "-m", is64 ? "elf_x86_64" : "elf_i386", "--defsym", defsym,
                                 "-T", script, "-o", elf, obj, NULL});
    free(src);
    free(script);
    free(obj);
    return elf;
}

static void x86(bool is64)
{
    const char *emulation = is64 ? "elf_x86_64" : "elf_i386";
    if (!ld_supports(emulation)) TU_SKIP("host as/ld/objcopy cannot build %s", emulation);
    char *dir = tu_tmpdir(is64 ? "interop_elf_x86_64" : "interop_elf_i386");
    char *elf = link_x86(dir, is64, "0x10000000");
    dfu_image *img = compare_with_objcopy("objcopy", dir, elf);
    /* Two segments at their load addresses, none at the virtual ones. */
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x10000000);
    dfu_image_segment(img, 0, 1, &s);
    assert_int_equal(s.address, 0x10001000);
    assert_memory_equal(s.data, "x86 data: runs at its VMA", 25);
    uint32_t start;
    assert_true(dfu_image_start_address(img, &start));
    assert_int_equal(start, 0x00400000);
    dfu_image_free(img);
    free(elf);
    free(dir);
}

static void test_x86_64(void **state)
{
    (void)state;
    x86(true);
}

static void test_i386(void **state)
{
    (void)state;
    x86(false);
}

/* A 64-bit ELF whose segments load above 4 GiB: an error that says so, naming the header. */
static void test_x86_64_above_4gib_is_refused(void **state)
{
    (void)state;
    if (!ld_supports("elf_x86_64")) TU_SKIP("host as/ld cannot build elf_x86_64");
    char *dir = tu_tmpdir("interop_elf_x86_64_high");
    char *elf = link_x86(dir, true, "0x100000000");
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = NULL;
    assert_int_equal(dfu_image_load(&img, ctx, elf, NULL), DFU_ERR_FORMAT);
    const char *m = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(m, "program header 0"));
    assert_non_null(strstr(m, "physical address 0x100000000 load above 4 GiB"));
    dfu_ctx_free(ctx);
    free(elf);
    free(dir);
}

/* app.s linked with tests/interop/elf/app_<script>.ld: loaded by the library and converted by
 * dfuctl, it must be what objcopy makes of it, starting at the first section (lowest), never at
 * the segment below that holds the ELF header. */
static void linked_app(const char *script_name, uint32_t lowest)
{
    const char *prefix = arm_binutils();
    if (!prefix) TU_SKIP("no ARM binutils (Debian package binutils-arm-none-eabi)");
    char as[64], ld[64], objcopy[64], name[64];
    snprintf(as, sizeof(as), "%sas", prefix);
    snprintf(ld, sizeof(ld), "%sld", prefix);
    snprintf(objcopy, sizeof(objcopy), "%sobjcopy", prefix);
    snprintf(name, sizeof(name), "interop_elf_app_%s", script_name);
    char *dir = tu_tmpdir(name);
    snprintf(name, sizeof(name), "app_%s.ld", script_name);
    char *src = src_path("app.s"), *script = src_path(name);
    char *obj = tu_path(dir, "app.o"), *elf = tu_path(dir, "app.elf");
    char *hex = tu_path(dir, "dfuctl.hex");
    run_ok((const char *const[]){as, "-o", obj, src, NULL});
    run_ok((const char *const[]){ld, "-T", script, "-o", elf, obj, NULL});

    dfu_image *img = compare_with_objcopy(objcopy, dir, elf);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, lowest);
    assert_false(contains(img, "\x7f"
                               "ELF"));
    assert_true(contains(img, "hello firmware"));

    tu_result r;
    tu_dfuctl(&r, "convert", elf, "--to", "hex", "-o", hex, NULL);
    if (r.exit_code != 0) fail_msg("dfuctl convert exited %d: %s", r.exit_code, r.err);
    tu_result_free(&r);
    dfu_image *converted = load(hex, DFU_FORMAT_IHEX, 0);
    assert_true(dfu_image_equal(converted, img));
    dfu_image_free(converted);
    dfu_image_free(img);
    free(src);
    free(script);
    free(obj);
    free(elf);
    free(hex);
    free(dir);
}

static void test_app_behind_bootloader(void **state)
{
    (void)state;
    linked_app("behind_bootloader", 0x08000400);
}

static void test_app_after_sizeof_headers(void **state)
{
    (void)state;
    linked_app("sizeof_headers", 0x08000054); /* 0x08000000 + the 52 + 32 bytes of headers */
}

static void test_app_after_noload_gap(void **state)
{
    (void)state;
    linked_app("noload_gap", 0x08004200);
}

static void test_app_vectors_at_offset(void **state)
{
    (void)state;
    linked_app("vectors_at_offset", 0x08004200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cortex_m_little_endian),
        cmocka_unit_test(test_cortex_m_big_endian),
        cmocka_unit_test(test_x86_64),
        cmocka_unit_test(test_i386),
        cmocka_unit_test(test_x86_64_above_4gib_is_refused),
        cmocka_unit_test(test_app_behind_bootloader),
        cmocka_unit_test(test_app_after_sizeof_headers),
        cmocka_unit_test(test_app_after_noload_gap),
        cmocka_unit_test(test_app_vectors_at_offset),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
