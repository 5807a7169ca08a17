/*
 * srec_cat (package srecord) as an oracle: it reads our Intel HEX and S-record output into the
 * same bytes at the same addresses, and we read what it writes (HEX with linear, segment or no
 * extended addressing; S19, S28, S37) into exactly the image it was given. Skipped, with a
 * message, when srec_cat is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "imagegen.h"
#include "testutil.h"

static char *tmp;

static void need_srec_cat(void)
{
    if (!tu_have_program("srec_cat")) TU_SKIP("srec_cat not installed (package srecord)");
}

/* Runs a command; it must succeed without a word on stderr (srec_cat warns there). */
static void run_clean(const char *const *argv)
{
    tu_result r;
    tu_run(&r, false, argv);
    if (r.exit_code != 0 || r.err[0]) fail_msg("%s exited %d: %s", argv[0], r.exit_code, r.err);
    tu_result_free(&r);
}

static char *hex_arg(uint32_t v)
{
    char *s = malloc(16);
    snprintf(s, 16, "0x%X", v);
    return s;
}

static dfu_image *random_image(uint64_t seed, uint32_t base_max, uint32_t max_gap)
{
    tu_rng rng;
    tu_rng_seed(&rng, seed);
    tu_imagegen g = {
        1, 1 + tu_rng_below(&rng, 8), 1 + tu_rng_below(&rng, 3000), max_gap, 0, base_max, false};
    return tu_random_image(&rng, &g);
}

static void span_of(const dfu_image *img, uint32_t *lo, uint64_t *hi)
{
    dfu_segment first, last;
    size_t n = dfu_image_segment_count(img, 0);
    assert_true(n > 0);
    dfu_image_segment(img, 0, 0, &first);
    dfu_image_segment(img, 0, n - 1, &last);
    *lo = first.address;
    *hi = (uint64_t)last.address + last.size;
}

/* srec_cat turns our file into a binary from the lowest address, holes filled with 0xFF; that
 * must be our image read the same way. */
static void srec_cat_reads_ours(dfu_format f, const char *ext, const char *srec_cat_format)
{
    need_srec_cat();
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    for (uint64_t seed = 1; seed <= 25; seed++) {
        dfu_image *img = random_image(seed * 77 + f, 0xFFF00000u, 5000);
        uint32_t start = 0x08000000 + (uint32_t)seed;
        dfu_image_set_start_address(img, &start);
        char name[32];
        snprintf(name, sizeof(name), "ours%llu.%s", (unsigned long long)seed, ext);
        char *ours = tu_path(tmp, name), *bin = tu_path(tmp, "srec_cat.bin");
        dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
        so.force = true;
        so.record_bytes = (unsigned)(seed % 3 == 0 ? 0 : 1 + seed * 7 % 200);
        assert_int_equal(dfu_image_save(ctx, img, ours, &so), DFU_OK);
        uint32_t lo;
        uint64_t hi;
        span_of(img, &lo, &hi);
        char *neg = malloc(16);
        snprintf(neg, 16, "-0x%X", lo);
        const char *argv[] = {
            "srec_cat",      "(", ours, srec_cat_format, "-fill", "0xFF", "-over", "(",       ours,
            srec_cat_format, ")", ")",  "-offset",       neg,     "-o",   bin,     "-binary", NULL};
        run_clean(argv);
        size_t len;
        uint8_t *got = tu_read_file(bin, &len);
        assert_int_equal(len, hi - lo);
        uint8_t *want = malloc(len);
        dfu_image_read(img, 0, lo, want, len, 0xFF);
        if (memcmp(got, want, len) != 0)
            fail_msg("seed %llu: srec_cat read other bytes", (unsigned long long)seed);
        free(got);
        free(want);
        free(neg);
        free(ours);
        free(bin);
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
}

static void test_srec_cat_reads_our_hex(void **state)
{
    (void)state;
    srec_cat_reads_ours(DFU_FORMAT_IHEX, "hex", "-intel");
}

static void test_srec_cat_reads_our_srec(void **state)
{
    (void)state;
    srec_cat_reads_ours(DFU_FORMAT_SREC, "srec", "-motorola");
}

/* srec_cat also keeps the holes of our files: converting ours to its own output of the other
 * format and reading that back gives the very same image and start address. */
static void test_srec_cat_keeps_our_holes_and_start(void **state)
{
    (void)state;
    need_srec_cat();
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    for (uint64_t seed = 100; seed < 110; seed++) {
        dfu_image *img = random_image(seed, 0xFFFF0000u, 0x200000);
        uint32_t start = 0x1000 + (uint32_t)seed;
        dfu_image_set_start_address(img, &start);
        char *ours = tu_path(tmp, "ours.hex"), *theirs = tu_path(tmp, "theirs.s37");
        dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
        so.force = true;
        assert_int_equal(dfu_image_save(ctx, img, ours, &so), DFU_OK);
        const char *argv[] = {"srec_cat",          ours, "-intel", "-o", theirs, "-motorola",
                              "-address-length=4", NULL};
        run_clean(argv);
        dfu_image *back;
        assert_int_equal(dfu_image_load(&back, ctx, theirs, NULL), DFU_OK);
        assert_true(dfu_image_equal(img, back));
        uint32_t got;
        assert_true(dfu_image_start_address(back, &got));
        assert_int_equal(got, start);
        dfu_image_free(back);
        dfu_image_free(img);
        free(ours);
        free(theirs);
    }
    dfu_ctx_free(ctx);
}

/* srec_cat builds a file from the image's segments written as separate binaries; we must read it
 * as exactly that image. */
static void we_read_srec_cat(uint32_t limit, const char *const *format_args, size_t nargs,
                             const char *ext, uint64_t first_seed)
{
    need_srec_cat();
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    unsigned tried = 0;
    for (uint64_t seed = first_seed; seed < first_seed + 20; seed++) {
        dfu_image *img = random_image(seed, limit / 4 * 3, 2000);
        uint32_t lo;
        uint64_t hi;
        span_of(img, &lo, &hi);
        if (hi - 1 > limit) {
            dfu_image_free(img); /* past what this variant can address: not a fair question */
            continue;
        }
        tried++;
        const char *argv[128];
        char *owned[64];
        size_t n = 0, o = 0;
        argv[n++] = "srec_cat";
        for (size_t i = 0; i < dfu_image_segment_count(img, 0); i++) {
            dfu_segment s;
            dfu_image_segment(img, 0, i, &s);
            char name[32];
            snprintf(name, sizeof(name), "part%zu.bin", i);
            char *path = owned[o++] = tu_path(tmp, name);
            tu_write_file(path, s.data, s.size);
            argv[n++] = path;
            argv[n++] = "-binary";
            argv[n++] = "-offset";
            argv[n++] = owned[o++] = hex_arg(s.address);
        }
        char *out = owned[o++] = tu_path(tmp, ext);
        argv[n++] = "-o";
        argv[n++] = out;
        for (size_t i = 0; i < nargs; i++) argv[n++] = format_args[i];
        char obs[32];
        snprintf(obs, sizeof(obs), "-obs=%u", 1 + (unsigned)(seed * 13 % 64));
        argv[n++] = obs;
        /* srec_cat 1.64 writes a type 03 start as CS = address >> 16, IP = address & 0xFFFF,
         * which its own reader (and ours, and objcopy) take as CS * 16 + IP: keep the start
         * below 64 KiB, where both agree. */
        uint32_t start = limit == 0xFFFFF ? (lo + 1) & 0xFFFF : lo + 1;
        if (seed % 2) {
            argv[n++] = "-execution-start-address";
            argv[n++] = owned[o++] = hex_arg(start);
        }
        argv[n] = NULL;
        run_clean(argv);
        dfu_image *back;
        int rc = dfu_image_load(&back, ctx, out, NULL);
        if (rc) fail_msg("seed %llu: %s", (unsigned long long)seed, dfu_ctx_error(ctx)->message);
        if (!dfu_image_equal(img, back))
            fail_msg("seed %llu: image differs", (unsigned long long)seed);
        uint32_t got = 0;
        assert_int_equal(dfu_image_start_address(back, &got), seed % 2 != 0);
        if (seed % 2) assert_int_equal(got, start);
        dfu_image_free(back);
        dfu_image_free(img);
        for (size_t i = 0; i < o; i++) free(owned[i]);
    }
    assert_true(tried >= 10);
    dfu_ctx_free(ctx);
}

static void test_we_read_srec_cat_hex_linear(void **state)
{
    (void)state;
    const char *args[] = {"-intel", "-address-length=4"};
    we_read_srec_cat(0xFFFFFFFFu, args, 2, "theirs.hex", 200);
}

static void test_we_read_srec_cat_hex_segmented(void **state)
{
    (void)state;
    const char *args[] = {"-intel", "-address-length=3"}; /* type 02 records, below 1 MiB */
    we_read_srec_cat(0x000FFFFFu, args, 2, "theirs.hex", 300);
}

static void test_we_read_srec_cat_hex_16bit(void **state)
{
    (void)state;
    const char *args[] = {"-intel", "-address-length=2"}; /* no extended records */
    we_read_srec_cat(0x0000FFFFu, args, 2, "theirs.hex", 400);
}

static void test_we_read_srec_cat_s19_s28_s37(void **state)
{
    (void)state;
    const char *s19[] = {"-motorola", "-address-length=2"};
    const char *s28[] = {"-motorola", "-address-length=3"};
    const char *s37[] = {"-motorola", "-address-length=4"};
    we_read_srec_cat(0x0000FFFFu, s19, 2, "theirs.s19", 500);
    we_read_srec_cat(0x00FFFFFFu, s28, 2, "theirs.s28", 600);
    we_read_srec_cat(0xFFFFFFFFu, s37, 2, "theirs.s37", 700);
}

int main(void)
{
    tmp = tu_tmpdir("interop_srec_cat");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_srec_cat_reads_our_hex),
        cmocka_unit_test(test_srec_cat_reads_our_srec),
        cmocka_unit_test(test_srec_cat_keeps_our_holes_and_start),
        cmocka_unit_test(test_we_read_srec_cat_hex_linear),
        cmocka_unit_test(test_we_read_srec_cat_hex_segmented),
        cmocka_unit_test(test_we_read_srec_cat_hex_16bit),
        cmocka_unit_test(test_we_read_srec_cat_s19_s28_s37),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
