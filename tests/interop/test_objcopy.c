/*
 * GNU objcopy (binutils) as an oracle: we read what `objcopy -I binary -O ihex/srec` writes (its
 * HEX uses type 02 segments below 1 MiB and type 04 above, CRLF; its S-records S1/S2/S3 by
 * address, or S3 forced) as exactly the binary at the address given, with objcopy's start
 * address; and objcopy reads our HEX and S-records into the same bytes. Skipped, with a message,
 * when objcopy is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "imagegen.h"
#include "testutil.h"

static char *tmp;

static void need_objcopy(void)
{
    if (!tu_have_program("objcopy")) TU_SKIP("objcopy not installed (package binutils)");
}

static void run_clean(const char *const *argv)
{
    tu_result r;
    tu_run(&r, false, argv);
    if (r.exit_code != 0 || r.err[0]) fail_msg("%s exited %d: %s", argv[0], r.exit_code, r.err);
    tu_result_free(&r);
}

/* objcopy writes bin (len random bytes) for `base`, with extra options; we load the result. */
static void we_read_objcopy(uint32_t base, uint32_t len, const char *out_format, const char *extra,
                            uint64_t seed)
{
    tu_rng rng;
    tu_rng_seed(&rng, seed);
    uint8_t *bytes = malloc(len);
    tu_rng_fill(&rng, bytes, len);
    char *bin = tu_path(tmp, "in.bin"), *out = tu_path(tmp, "objcopy.out");
    tu_write_file(bin, bytes, len);
    char where[64], start_arg[32];
    uint32_t start = base + 1 + tu_rng_below(&rng, len);
    snprintf(where, sizeof(where), ".data=0x%X", base);
    snprintf(start_arg, sizeof(start_arg), "0x%X", start);
    const char *argv[] = {
        "objcopy", "-I",          "binary",  "-O",  out_format, "--change-section-address",
        where,     "--set-start", start_arg, extra, bin,        out,
        NULL};
    if (!extra) { /* no extra option: shift the file names down */
        argv[9] = bin;
        argv[10] = out;
        argv[11] = NULL;
    }
    run_clean(argv);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    int rc = dfu_image_load(&img, ctx, out, NULL);
    if (rc) fail_msg("%s", dfu_ctx_error(ctx)->message);
    assert_int_equal(dfu_image_format(img),
                     strcmp(out_format, "ihex") == 0 ? DFU_FORMAT_IHEX : DFU_FORMAT_SREC);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, base);
    assert_int_equal(s.size, len);
    assert_memory_equal(s.data, bytes, len);
    uint32_t got;
    assert_true(dfu_image_start_address(img, &got));
    assert_int_equal(got, start);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(bytes);
    free(bin);
    free(out);
}

/* Bases that exercise each addressing style, lengths that cross 64 KiB boundaries. */
static const struct {
    uint32_t base, len;
} places[] = {
    {0x00000000, 3000},  {0x00000100, 70000}, {0x0003E000, 9000},  {0x000FF000, 4096},
    {0x0800FF00, 70000}, {0x20000000, 513},   {0xFFFF0000, 65536}, {0x00FFFF00, 256},
};

static void test_we_read_objcopy_hex(void **state)
{
    (void)state;
    need_objcopy();
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
        we_read_objcopy(places[i].base, places[i].len, "ihex", NULL, 10 + i);
}

static void test_we_read_objcopy_srec(void **state)
{
    (void)state;
    need_objcopy();
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        we_read_objcopy(places[i].base, places[i].len, "srec", NULL, 20 + i);
        we_read_objcopy(places[i].base, places[i].len, "srec", "--srec-forceS3", 30 + i);
        we_read_objcopy(places[i].base, places[i].len, "srec", "--srec-len=7", 40 + i);
    }
}

/* objcopy reads our file into a binary from the lowest address, gaps filled with 0xFF. */
static void objcopy_reads_ours(const char *ext, const char *in_format)
{
    need_objcopy();
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed * 1000);
        tu_imagegen g = {
            1,    1 + tu_rng_below(&rng, 6), 1 + tu_rng_below(&rng, 70000), 3000, 0, 0xFFE00000u,
            false};
        dfu_image *img = tu_random_image(&rng, &g);
        char name[32];
        snprintf(name, sizeof(name), "ours.%s", ext);
        char *ours = tu_path(tmp, name), *bin = tu_path(tmp, "objcopy.bin");
        dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
        so.force = true;
        so.record_bytes = (unsigned)(seed % 4 ? 0 : 1 + seed * 11 % 240);
        assert_int_equal(dfu_image_save(ctx, img, ours, &so), DFU_OK);
        const char *argv[] = {"objcopy",    "-I",   in_format, "-O", "binary",
                              "--gap-fill", "0xFF", ours,      bin,  NULL};
        run_clean(argv);
        dfu_segment first, last;
        dfu_image_segment(img, 0, 0, &first);
        dfu_image_segment(img, 0, dfu_image_segment_count(img, 0) - 1, &last);
        size_t len, span = (size_t)(last.address + last.size - first.address);
        uint8_t *got = tu_read_file(bin, &len), *want = malloc(span);
        assert_int_equal(len, span);
        dfu_image_read(img, 0, first.address, want, span, 0xFF);
        if (memcmp(got, want, span) != 0)
            fail_msg("seed %llu: objcopy read other bytes", (unsigned long long)seed);
        free(got);
        free(want);
        free(ours);
        free(bin);
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
}

static void test_objcopy_reads_our_hex(void **state)
{
    (void)state;
    objcopy_reads_ours("hex", "ihex");
}

static void test_objcopy_reads_our_srec(void **state)
{
    (void)state;
    objcopy_reads_ours("srec", "srec");
}

/* A HEX or S-record file padded to a 128-byte block with Ctrl-Z or NUL bytes (XMODEM, DOS): objcopy
 * reads past the padding, and so must we, into the same bytes as objcopy. */
static void padded(const char *format, uint8_t pad)
{
    need_objcopy();
    uint8_t bytes[300];
    tu_rng rng;
    tu_rng_seed(&rng, pad);
    tu_rng_fill(&rng, bytes, sizeof(bytes));
    char *bin = tu_path(tmp, "in.bin"), *text = tu_path(tmp, "padded.txt");
    char *back = tu_path(tmp, "back.bin");
    tu_write_file(bin, bytes, sizeof(bytes));
    run_clean((const char *const[]){"objcopy", "-I", "binary", "-O", format,
                                    "--change-section-address", ".data=0x08000000", bin, text,
                                    NULL});
    size_t len;
    uint8_t *file = tu_read_file(text, &len);
    size_t padded_len = (len / 128 + 1) * 128;
    file = realloc(file, padded_len);
    memset(file + len, pad, padded_len - len);
    tu_write_file(text, file, padded_len);
    free(file);
    run_clean((const char *const[]){"objcopy", "-I", format, "-O", "binary", text, back, NULL});
    uint8_t *theirs = tu_read_file(back, &len);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(theirs, bytes, sizeof(bytes));
    free(theirs);

    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img;
    if (dfu_image_load(&img, ctx, text, NULL)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x08000000);
    assert_int_equal(s.size, sizeof(bytes));
    assert_memory_equal(s.data, bytes, sizeof(bytes));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(back);
    free(text);
    free(bin);
}

static void test_padded_files_read_as_objcopy_reads_them(void **state)
{
    (void)state;
    padded("ihex", 0x1A);
    padded("ihex", 0x00);
    padded("srec", 0x1A);
    padded("srec", 0x00);
}

int main(void)
{
    tmp = tu_tmpdir("interop_objcopy");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_we_read_objcopy_hex),
        cmocka_unit_test(test_we_read_objcopy_srec),
        cmocka_unit_test(test_objcopy_reads_our_hex),
        cmocka_unit_test(test_objcopy_reads_our_srec),
        cmocka_unit_test(test_padded_files_read_as_objcopy_reads_them),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
