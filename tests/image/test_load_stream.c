/* dfu_image_load of what is not a regular file: a pipe (`dfuctl info <(curl ...)`, /dev/stdin)
 * is read once and whole, never half of it; a directory is named as such. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <unistd.h>
#endif

#include <libdfu/libdfu.h>

#include "testutil.h"

#ifndef _WIN32
/* Loads data through a pipe, as the shell's <(...) hands a file to a program. */
static int load_from_pipe(dfu_image **img, dfu_ctx *ctx, const void *data, size_t len,
                          dfu_format format)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_true(len < 4096); /* fits the pipe's buffer: written before it is read */
    assert_int_equal(write(fds[1], data, len), (ssize_t)len);
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    dfu_load_options lo = DFU_LOAD_OPTIONS_INIT;
    lo.format = format;
    lo.base_address = 0x08000000;
    int rc = dfu_image_load(img, ctx, path, &lo);
    close(fds[0]);
    return rc;
}
#endif

static void test_raw_binary_through_a_pipe(void **state)
{
    (void)state;
#ifdef _WIN32
    TU_SKIP("no pipes as file names on Windows");
#else
    uint8_t fw[1000];
    tu_rng rng;
    tu_rng_seed(&rng, 5);
    tu_rng_fill(&rng, fw, sizeof(fw));
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_image *img;
    assert_int_equal(load_from_pipe(&img, ctx, fw, sizeof(fw), DFU_FORMAT_AUTO), DFU_OK);
    /* Detection must not eat the first bytes: all 1000 are there, not 0 and not 488. */
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_BIN);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x08000000);
    assert_int_equal(s.size, sizeof(fw));
    assert_memory_equal(s.data, fw, sizeof(fw));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
#endif
}

static void test_text_formats_through_a_pipe(void **state)
{
    (void)state;
#ifdef _WIN32
    TU_SKIP("no pipes as file names on Windows");
#else
    static const char hex[] = ":020000040800F2\n"
                              ":0400000001020304F2\n"
                              ":00000001FF\n";
    static const char srec[] = "S1050000AABB95\nS5030001FB\n";
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_image *img;
    assert_int_equal(load_from_pipe(&img, ctx, hex, strlen(hex), DFU_FORMAT_AUTO), DFU_OK);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_IHEX);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x08000000);
    assert_int_equal(s.size, 4);
    dfu_image_free(img);
    /* Forced format: no detection, but the reader must still start at the first byte. */
    assert_int_equal(load_from_pipe(&img, ctx, srec, strlen(srec), DFU_FORMAT_SREC), DFU_OK);
    assert_int_equal(dfu_image_data_size(img, DFU_ALL_TARGETS), 2);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
#endif
}

static void test_directory_is_named(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("image_load_directory");
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_image *img = (dfu_image *)&img;
    /* An I/O error, not a format error: the name is not a file to read. (Windows refuses to
     * open it, an I/O error too.) */
    assert_int_equal(dfu_image_load(&img, ctx, dir, NULL), DFU_ERR_IO);
    assert_null(img);
#ifndef _WIN32 /* Windows refuses to open a directory: "Permission denied" */
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "is a directory"));
#endif
    dfu_ctx_free(ctx);
    free(dir);
}

/* A stream that never ends (/dev/zero) is refused after far more than any firmware, not read
 * until memory runs out. */
static void test_endless_stream_is_refused(void **state)
{
    (void)state;
#ifdef _WIN32
    TU_SKIP("no /dev/zero on Windows");
#else
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    dfu_image *img = (dfu_image *)&img;
    assert_int_equal(dfu_image_load(&img, ctx, "/dev/zero", NULL), DFU_ERR_FORMAT);
    assert_null(img);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "/dev/zero: more than 256 MiB"));
    dfu_ctx_free(ctx);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_binary_through_a_pipe),
        cmocka_unit_test(test_text_formats_through_a_pipe),
        cmocka_unit_test(test_directory_is_named),
        cmocka_unit_test(test_endless_stream_is_refused),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
