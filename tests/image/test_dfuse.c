/* ST DfuSe containers: real-world-shaped files built byte by byte per UM0391, both DFUImageSize
 * conventions, several targets and elements, the writer's exact output, and one test per kind
 * of malformed file (error code and the offset, target and element the message names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "dfusefile.h"
#include "testutil.h"

enum image_size { SIZE_WITHOUT_SUFFIX, SIZE_WHOLE_FILE };

static uint8_t fw[4096];

static int setup(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 7);
    tu_rng_fill(&rng, fw, sizeof(fw));
    return 0;
}

static int parse_opts(dfu_image **img, dfu_ctx *ctx, const tu_fb *f, dfu_format format,
                      bool accept_bad)
{
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = format;
    o.accept_bad_crc = accept_bad;
    return dfu_image_parse(img, ctx, f->p, f->len, "fw.dfu", &o);
}

static int parse(dfu_image **img, dfu_ctx *ctx, const tu_fb *f)
{
    return parse_opts(img, ctx, f, DFU_FORMAT_AUTO, false);
}

static void expect_segment(const dfu_image *img, size_t t, size_t i, uint32_t address,
                           const uint8_t *data, uint32_t size)
{
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, t, i, &s), DFU_OK);
    assert_int_equal(s.address, address);
    assert_int_equal(s.size, size);
    assert_memory_equal(s.data, data, size);
}

static uint8_t *serialize(const dfu_image *img, size_t *len)
{
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = DFU_FORMAT_DFUSE;
    uint8_t *out;
    assert_int_equal(dfu_image_serialize(&out, len, NULL, img, &o), DFU_OK);
    return out;
}

/* The file ST's DfuSe File Manager writes for a 3000-byte application at 0x08000000 on an
 * STM32F4 (0483:df11, bcdDevice 0x2200): DFUImageSize = file size - 16. Our writer must produce
 * the very same bytes from the image it reads. */
static void st_file(tu_fb *f)
{
    tu_dfuse_prefix(f, 1);
    tu_dfuse_target(f, 0, 1, "Internal Flash  ", 8 + 3000, 1);
    tu_dfuse_element(f, 0x08000000, fw, 3000);
    tu_dfuse_finish(f, SIZE_WITHOUT_SUFFIX, 0x0483, 0xdf11, 0x2200);
}

static void test_st_convention_byte_for_byte(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    assert_int_equal(f.len, 11 + 274 + 8 + 3000 + 16);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, &f), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_DFUSE);
    assert_int_equal(dfu_image_target_count(img), 1);
    assert_int_equal(dfu_image_target_alt(img, 0), 0);
    assert_string_equal(dfu_image_target_name(img, 0), "Internal Flash  ");
    expect_segment(img, 0, 0, 0x08000000, fw, 3000);
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_int_equal(id.vid, 0x0483);
    assert_int_equal(id.pid, 0xdf11);
    assert_int_equal(id.bcd_device, 0x2200);
    assert_int_equal(id.bcd_dfu, 0x011a);
    assert_true(id.crc_valid);
    size_t len;
    uint8_t *out = serialize(img, &len);
    assert_int_equal(len, f.len);
    assert_memory_equal(out, f.p, len);
    free(out);
    dfu_image_free(img);
    free(f.p);
}

/* dfu-util's dfuse-pack counts the suffix in DFUImageSize; the same content must read the same. */
static void test_dfuse_pack_convention(void **state)
{
    (void)state;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 1, "ST...", 8 + 100, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 100);
    tu_dfuse_finish(&f, SIZE_WHOLE_FILE, 0x0483, 0xdf11, 0);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, &f), DFU_OK);
    assert_string_equal(dfu_image_target_name(img, 0), "ST...");
    expect_segment(img, 0, 0, 0x08000000, fw, 100);
    dfu_image_free(img);
    free(f.p);
}

/* Flash (alt 0, named, two elements with a gap) and option bytes (alt 1, unnamed), as for an
 * STM32F4: targets keep their order, alts, names and elements. */
static void test_multi_target_named_and_unnamed(void **state)
{
    (void)state;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 2);
    tu_dfuse_target(&f, 0, 1, "Internal Flash", 8 + 256 + 8 + 512, 2);
    tu_dfuse_element(&f, 0x08000000, fw, 256);
    tu_dfuse_element(&f, 0x08004000, fw + 256, 512);
    tu_dfuse_target(&f, 1, 0, NULL, 8 + 16, 1);
    tu_dfuse_element(&f, 0x1fffc000, fw + 1024, 16);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0x0483, 0xdf11, 0x2200);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, &f), DFU_OK);
    assert_int_equal(dfu_image_target_count(img), 2);
    assert_int_equal(dfu_image_target_alt(img, 0), 0);
    assert_string_equal(dfu_image_target_name(img, 0), "Internal Flash");
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    expect_segment(img, 0, 0, 0x08000000, fw, 256);
    expect_segment(img, 0, 1, 0x08004000, fw + 256, 512);
    assert_int_equal(dfu_image_target_alt(img, 1), 1);
    assert_null(dfu_image_target_name(img, 1));
    expect_segment(img, 1, 0, 0x1fffc000, fw + 1024, 16);
    /* Written back: the same bytes. */
    size_t len;
    uint8_t *out = serialize(img, &len);
    assert_int_equal(len, f.len);
    assert_memory_equal(out, f.p, len);
    free(out);
    dfu_image_free(img);
    free(f.p);
}

/* MicroPython's dfu.py pads elements with zeros: just data. Elements out of address order and
 * adjacent ones merge into the image's sorted segments. */
static void test_zero_padded_and_unordered_elements(void **state)
{
    (void)state;
    uint8_t padded[104];
    memcpy(padded, fw, 100);
    memset(padded + 100, 0, 4);
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 1, "ST...", 8 + 104 + 8 + 64 + 8 + 0, 3);
    tu_dfuse_element(&f, 0x08020000, padded, 104);
    tu_dfuse_element(&f, 0x08000000, fw + 200, 64);
    tu_dfuse_element(&f, 0x08000040, fw, 0); /* empty element: allowed, adds nothing */
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xf055, 0x9800, 0);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, &f), DFU_OK);
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    expect_segment(img, 0, 0, 0x08000000, fw + 200, 64);
    expect_segment(img, 0, 1, 0x08020000, padded, 104);
    dfu_image_free(img);
    free(f.p);
}

/* bTargetNamed is 4 bytes, some writers fill 1 + 3 pad bytes: any non-zero byte means named. A
 * 255-byte name has no room for a NUL. Unnamed targets ignore what szTargetName holds. */
static void test_target_named_variants(void **state)
{
    (void)state;
    char long_name[256];
    memset(long_name, 'n', 255);
    long_name[255] = 0;
    static const uint32_t flags[] = {1, 0xcccccc01u, 0x01000000u, 0};
    for (size_t i = 0; i < 4; i++) {
        tu_fb f = {0};
        tu_dfuse_prefix(&f, 2);
        tu_dfuse_target(&f, 0, flags[i], "Flash", 0, 0);
        tu_dfuse_target(&f, 1, flags[i] ? 1 : 0, long_name, 0, 0);
        tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
        dfu_image *img;
        assert_int_equal(parse(&img, NULL, &f), DFU_OK);
        if (flags[i]) {
            assert_string_equal(dfu_image_target_name(img, 0), "Flash");
            assert_string_equal(dfu_image_target_name(img, 1), long_name);
        } else {
            assert_null(dfu_image_target_name(img, 0));
            assert_null(dfu_image_target_name(img, 1));
        }
        assert_int_equal(dfu_image_segment_count(img, 0), 0);
        dfu_image_free(img);
        free(f.p);
    }
}

/* Targets sharing an alternate setting are merged: the device receives both at that alt. */
static void test_same_alt_targets_merge(void **state)
{
    (void)state;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 3);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 32, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 32);
    tu_dfuse_target(&f, 1, 1, "Option Bytes", 8 + 16, 1);
    tu_dfuse_element(&f, 0x1fffc000, fw + 32, 16);
    tu_dfuse_target(&f, 0, 1, "Internal Flash", 8 + 32 + 8 + 16, 2);
    tu_dfuse_element(&f, 0x08000020, fw + 32, 32);
    tu_dfuse_element(&f, 0x08000000, fw, 16); /* overlaps the first target, and agrees */
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    dfu_image *img;
    assert_int_equal(parse(&img, NULL, &f), DFU_OK);
    assert_int_equal(dfu_image_target_count(img), 2);
    assert_int_equal(dfu_image_target_alt(img, 0), 0);
    assert_string_equal(dfu_image_target_name(img, 0), "Internal Flash");
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    expect_segment(img, 0, 0, 0x08000000, fw, 64);
    assert_string_equal(dfu_image_target_name(img, 1), "Option Bytes");
    dfu_image_free(img);
    free(f.p);
}

static void expect_error_opts(const tu_fb *f, dfu_format format, const char *where,
                              const char *what)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = NULL;
    assert_int_equal(parse_opts(&img, ctx, f, format, false), DFU_ERR_FORMAT);
    assert_null(img);
    const char *m = dfu_ctx_error(ctx)->message;
    if (!strstr(m, where) || !strstr(m, what))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", m, where, what);
    dfu_ctx_free(ctx);
}

static void expect_error(const tu_fb *f, const char *where, const char *what)
{
    expect_error_opts(f, DFU_FORMAT_AUTO, where, what);
}

static void test_same_alt_conflicts_are_errors(void **state)
{
    (void)state;
    uint8_t other[16];
    memcpy(other, fw, 16);
    other[5] ^= 0xff;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 2);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 32, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 32);
    size_t t1 = tu_dfuse_target(&f, 0, 0, NULL, 8 + 16, 1);
    tu_dfuse_element(&f, 0x08000000, other, 16);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    char where[64];
    snprintf(where, sizeof(where), "fw.dfu: offset %zu: target 1, element 0", t1 + 274);
    expect_error(&f, where, "at 0x08000005, but target 0, element 0 (offset 285) put");
    free(f.p);

    /* Within one target too. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 3, 0, NULL, 8 + 32 + 8 + 16, 2);
    tu_dfuse_element(&f, 0x08000000, fw, 32);
    tu_dfuse_element(&f, 0x08000000, other, 16);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 325: target 0, element 1 puts", "target 0, element 0 (offset 285)");
    free(f.p);

    /* Two names for one alternate setting: the file contradicts itself. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 2);
    tu_dfuse_target(&f, 0, 1, "Internal Flash", 0, 0);
    size_t t2 = tu_dfuse_target(&f, 0, 1, "Option Bytes", 0, 0);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    snprintf(where, sizeof(where), "offset %zu: target 1 (alt 0)", t2 + 11);
    expect_error(&f, where, "named \"Option Bytes\", but an earlier target");
    free(f.p);
}

static void test_image_size_neither_convention(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    tu_fb_set32(&f, 6, (uint32_t)f.len - 15);
    tu_fb_recrc(&f);
    expect_error(&f, "fw.dfu: offset 6:",
                 "DFUImageSize is 3294, expected 3293 (the file "
                 "without its DFU suffix, as ST's tools write) or 3309");
    free(f.p);
}

static void test_bad_prefix(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    f.p[1] = 'F';
    tu_fb_recrc(&f);
    expect_error_opts(&f, DFU_FORMAT_DFUSE, "offset 0:", "bad signature");
    f.p[1] = 'f';
    f.p[5] = 2;
    tu_fb_recrc(&f);
    expect_error(&f, "offset 5:", "DfuSe format version 2 is not supported");
    f.p[5] = 1;
    f.p[10] = 0;
    tu_fb_recrc(&f);
    expect_error(&f, "offset 10:", "bTargets is 0: the file holds no target");
    free(f.p);

    /* A prefix cut short: 5 bytes and the suffix. */
    memset(&f, 0, sizeof(f));
    tu_fb_put(&f, "DfuSe", 5);
    tu_fb_put(&f, "\0\0\0\0\0\0\x1a\x01UFD\x10\0\0\0\0", 16);
    tu_fb_recrc(&f);
    expect_error(&f, "offset 0:", "truncated DfuSe prefix: 5 bytes");
    free(f.p);
}

static void test_bad_target_prefix(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    f.p[11 + 5] = 'X';
    tu_fb_recrc(&f);
    expect_error(&f, "offset 11: target 0:", "bad signature");
    free(f.p);

    /* bTargets says 2, the file holds 1 target and 100 more bytes. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 2);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 4, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 4);
    tu_fb_put(&f, fw, 100);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 297: target 1: truncated", "100 bytes left, a target prefix takes");
    free(f.p);
}

static void test_target_size_mismatch(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    tu_fb_set32(&f, 11 + 266, 8 + 3000 + 1); /* one more than the file holds */
    tu_fb_recrc(&f);
    expect_error(&f, "offset 277: target 0 (alt 0): dwTargetSize 3009",
                 "runs past the end of the file (3008 bytes left)");
    free(f.p);

    /* Too large but within the file: its elements do not fill it. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 16 + 8, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 16);
    tu_fb_put(&f, fw, 8);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(
        &f, "offset 277: target 0 (alt 0):", "dwTargetSize is 32 but its 1 elements take 24 bytes");
    free(f.p);

    /* Too small: the element runs past it. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 8, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 16);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 289: target 0 (alt 0), element 0: dwElementSize 16",
                 "runs past the end of the target (dwTargetSize 16 leaves 8 bytes)");
    free(f.p);

    /* More elements announced than the target holds. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 16, 0x20000000);
    tu_dfuse_element(&f, 0x08000000, fw, 16);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 281: target 0 (alt 0): dwNbElements 536870912",
                 "cannot fit in dwTargetSize 24");
    free(f.p);

    /* Two elements announced, one present, the second's header cut by dwTargetSize. */
    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 16 + 4, 2);
    tu_dfuse_element(&f, 0x08000000, fw, 16);
    tu_fb_put(&f, fw, 4);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 309: target 0 (alt 0), element 1:", "its 8-byte header runs past");
    free(f.p);
}

/* A 4 GiB element in a small file, and one that wraps the address space. */
static void test_impossible_element_sizes(void **state)
{
    (void)state;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 1000, 1);
    tu_fb_u32(&f, 0x08000000);
    tu_fb_u32(&f, 0xffffffffu);
    tu_fb_put(&f, fw, 1000);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 289: target 0 (alt 0), element 0: dwElementSize 4294967295",
                 "runs past the end of the file (1000 bytes left)");
    free(f.p);

    memset(&f, 0, sizeof(f));
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 7, 0, NULL, 8 + 32, 1);
    tu_dfuse_element(&f, 0xfffffff0u, fw, 32);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 285: target 0 (alt 7), element 0:",
                 "32 bytes at 0xfffffff0 run past the 4 GiB address space");
    free(f.p);
}

static void test_leftover_bytes(void **state)
{
    (void)state;
    tu_fb f = {0};
    tu_dfuse_prefix(&f, 1);
    tu_dfuse_target(&f, 0, 0, NULL, 8 + 16, 1);
    tu_dfuse_element(&f, 0x08000000, fw, 16);
    tu_fb_put(&f, "\0\0\0", 3);
    tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
    expect_error(&f, "offset 309:", "3 bytes follow the last of the 1 targets");
    free(f.p);
}

static void test_suffix_problems(void **state)
{
    (void)state;
    tu_fb f = {0};
    st_file(&f);
    /* bcdDFU 0x0100: not a DfuSe suffix. */
    f.p[f.len - 10] = 0x00;
    f.p[f.len - 9] = 0x01;
    tu_fb_recrc(&f);
    expect_error(&f, "offset 3299:", "bcdDFU 0x0100; DfuSe files have 0x011A");
    f.p[f.len - 10] = 0x1a;
    tu_fb_recrc(&f);
    /* A corrupted byte: CRC error unless asked to accept it. */
    f.p[500] ^= 1;
    expect_error(&f, "offset 3305: DFU suffix CRC mismatch", "");
    dfu_image *img;
    assert_int_equal(parse_opts(&img, NULL, &f, DFU_FORMAT_AUTO, true), DFU_OK);
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_false(id.crc_valid);
    dfu_image_free(img);
    /* No suffix at all. */
    f.len -= 16;
    expect_error(&f, "offset 3277: no DFU suffix", "");
    free(f.p);
}

/* Cut the body anywhere (keeping DFUImageSize and the suffix consistent): always a clean error. */
static void test_every_truncation(void **state)
{
    (void)state;
    tu_fb whole = {0};
    tu_dfuse_prefix(&whole, 2);
    tu_dfuse_target(&whole, 0, 1, "Internal Flash", 8 + 40 + 8 + 24, 2);
    tu_dfuse_element(&whole, 0x08000000, fw, 40);
    tu_dfuse_element(&whole, 0x08010000, fw, 24);
    tu_dfuse_target(&whole, 1, 0, NULL, 8 + 8, 1);
    tu_dfuse_element(&whole, 0x1fffc000, fw, 8);
    size_t body = whole.len;
    for (size_t n = 0; n < body; n++) {
        tu_fb f = {0};
        tu_fb_put(&f, whole.p, n);
        if (n >= 10) tu_dfuse_finish(&f, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff, 0xffff);
        dfu_ctx *ctx;
        dfu_ctx_new(&ctx);
        dfu_image *img = NULL;
        assert_int_equal(parse_opts(&img, ctx, &f, DFU_FORMAT_DFUSE, false), DFU_ERR_FORMAT);
        assert_null(img);
        assert_non_null(strstr(dfu_ctx_error(ctx)->message, "offset "));
        dfu_ctx_free(ctx);
        free(f.p);
    }
    free(whole.p);
}

static void test_writer_fields(void **state)
{
    (void)state;
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    dfu_image_add_data(NULL, img, 0, 0x08000000, fw, 10);
    dfu_image_add_data(NULL, img, 0, 0x08000100, fw, 6);
    size_t len;
    uint8_t *out = serialize(img, &len);
    tu_fb want = {0};
    tu_dfuse_prefix(&want, 1);
    tu_dfuse_target(&want, 0, 0, NULL, 8 + 10 + 8 + 6, 2); /* alt -1 becomes 0; unnamed: flag 0 */
    tu_dfuse_element(&want, 0x08000000, fw, 10);
    tu_dfuse_element(&want, 0x08000100, fw, 6);
    tu_dfuse_finish(&want, SIZE_WITHOUT_SUFFIX, 0xffff, 0xffff,
                    0xffff); /* no identity: wildcards */
    assert_int_equal(len, want.len);
    assert_memory_equal(out, want.p, len);
    free(out);
    free(want.p);
    dfu_image_free(img);
}

static void test_writer_refuses_what_dfuse_cannot_hold(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = DFU_FORMAT_DFUSE;
    uint8_t *out;
    size_t len;
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "no targets"));
    dfu_image_add_target(img, 256, NULL, NULL);
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "alternate setting 256"));
    char name[300];
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = 0;
    dfu_image_set_target(img, 0, 0, name);
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "299 bytes long"));
    name[256] = 0;
    dfu_image_set_target(img, 0, 0, name);
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "256 bytes long; DfuSe target names hold "
                                                        "at most 255"));
    /* 255 bytes fill szTargetName with no NUL, as the reader takes them back. */
    name[255] = 0;
    dfu_image_set_target(img, 0, 0, name);
    assert_int_equal(dfu_image_serialize(&out, &len, ctx, img, &o), DFU_OK);
    assert_memory_equal(out + 11 + 11, name, 255);
    dfu_image *back;
    assert_int_equal(dfu_image_parse(&back, ctx, out, len, "back.dfu", NULL), DFU_OK);
    assert_string_equal(dfu_image_target_name(back, 0), name);
    dfu_image_free(back);
    free(out);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_st_convention_byte_for_byte),
        cmocka_unit_test(test_dfuse_pack_convention),
        cmocka_unit_test(test_multi_target_named_and_unnamed),
        cmocka_unit_test(test_zero_padded_and_unordered_elements),
        cmocka_unit_test(test_target_named_variants),
        cmocka_unit_test(test_same_alt_targets_merge),
        cmocka_unit_test(test_same_alt_conflicts_are_errors),
        cmocka_unit_test(test_image_size_neither_convention),
        cmocka_unit_test(test_bad_prefix),
        cmocka_unit_test(test_bad_target_prefix),
        cmocka_unit_test(test_target_size_mismatch),
        cmocka_unit_test(test_impossible_element_sizes),
        cmocka_unit_test(test_leftover_bytes),
        cmocka_unit_test(test_suffix_problems),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_writer_fields),
        cmocka_unit_test(test_writer_refuses_what_dfuse_cannot_hold),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, NULL));
}
