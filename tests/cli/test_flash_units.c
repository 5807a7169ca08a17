/*
 * Parts with ECC program flash in units written once between erases (an H7's 32-byte flash
 * word, an L4's 8-byte double word): a second write into a unit fails with errPROG. A linker's
 * HEX file has runs that start anywhere and gaps smaller than a unit, and a --transfer-size need
 * not be a multiple of one: dfuctl flash must still never write a unit twice, and the device
 * must hold the image with erased bytes in its gaps. Blocks smaller than a unit are refused
 * before the device is touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdfu/libdfu.h"
#include "simutil.h"

#define BASE 0x08000000u
#define SPAN 0x3040u /* from BASE to past the last run */

/* An application at BASE, a data run that starts 4 bytes into a unit and crosses many block
 * boundaries, two runs with an 8-byte gap inside one unit, and one alone in the next unit. */
static void write_image(const char *path, uint32_t sp)
{
    dfu_ctx *ctx = NULL;
    dfu_image *img = NULL;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    size_t t;
    assert_int_equal(dfu_image_add_target(img, -1, NULL, &t), DFU_OK);
    uint8_t *app = tu_app_bytes(BASE, 4096, sp, 7);
    uint8_t data[5000], small[8];
    tu_rng rng;
    tu_rng_seed(&rng, 11);
    tu_rng_fill(&rng, data, sizeof(data));
    assert_int_equal(dfu_image_add_data(ctx, img, t, BASE, app, 4096), DFU_OK);
    assert_int_equal(dfu_image_add_data(ctx, img, t, BASE + 0x1404, data, sizeof(data)), DFU_OK);
    for (uint32_t i = 0; i < 3; i++) {
        tu_rng_fill(&rng, small, sizeof(small));
        static const uint32_t at[] = {0x3000, 0x3010, 0x3024};
        assert_int_equal(dfu_image_add_data(ctx, img, t, BASE + at[i], small, i == 2 ? 4 : 8),
                         DFU_OK);
    }
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_IHEX;
    if (dfu_image_save(ctx, img, path, &so) != DFU_OK)
        fail_msg("saving %s: %s", path, dfu_ctx_error(ctx)->message);
    free(app);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

static void flash_with(const char *profile, uint32_t sp, const char *transfer_size)
{
    char dirname[64], spec[600];
    snprintf(dirname, sizeof(dirname), "flash_units_%s_%s", profile,
             transfer_size ? transfer_size : "own");
    char *dir = tu_tmpdir(dirname);
    char *fw = tu_path(dir, "fw.hex");
    write_image(fw, sp);
    tu_sim_spec(spec, sizeof(spec), profile, dir, NULL);
    tu_sim_fill_used(spec, BASE, 5); /* the gaps must come out erased, not as they were */
    tu_result r;
    const char *args[] = {"flash",
                          "-d",
                          spec,
                          fw,
                          "--no-journal",
                          "--no-leave",
                          transfer_size ? "--transfer-size" : NULL,
                          transfer_size,
                          NULL};
    const char *xfer = transfer_size ? transfer_size : "(the device's)";
    tu_dfuctl_argv(&r, args);
    if (r.exit_code != 0)
        fail_msg("%s, transfer size %s: exit %d\n%s", profile, xfer, r.exit_code, r.err);
    tu_result_free(&r);

    dfu_ctx *ctx = NULL;
    dfu_image *img = NULL;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    assert_int_equal(dfu_image_load(&img, ctx, fw, NULL), DFU_OK);
    uint8_t *want = malloc(SPAN), *got = malloc(SPAN);
    dfu_image_read(img, 0, BASE, want, SPAN, 0xFF);
    tu_sim_peek(spec, BASE, got, SPAN);
    /* The image, and erased bytes around it in every 32-byte unit it touches (the sectors it
     * does not touch keep what they held). */
    for (size_t k = 0; k < dfu_image_segment_count(img, 0); k++) {
        dfu_segment seg;
        assert_int_equal(dfu_image_segment(img, 0, k, &seg), DFU_OK);
        uint32_t from = (seg.address - BASE) & ~31u,
                 to = (seg.address - BASE + seg.size + 31) & ~31u;
        for (uint32_t i = from; i < to; i++)
            if (got[i] != want[i])
                fail_msg("%s, transfer size %s: 0x%08x holds 0x%02x, not 0x%02x", profile, xfer,
                         BASE + i, got[i], want[i]);
    }
    free(want);
    free(got);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(fw);
    free(dir);
}

static void test_no_unit_is_written_twice(void **state)
{
    (void)state;
    flash_with("stm32h743", 0x24080000, NULL);
    flash_with("stm32h743", 0x24080000, "100");
    flash_with("stm32h743", 0x24080000, "1000");
    flash_with("stm32l476", 0x20018000, NULL);
    flash_with("stm32l476", 0x20018000, "100");
    flash_with("stm32f405", 0x20020000, "100");
    flash_with("gd32vf103", 0x20008000, NULL);
}

static void test_blocks_smaller_than_a_unit_refused_untouched(void **state)
{
    (void)state;
    char spec[600];
    char *dir = tu_tmpdir("flash_units_small");
    char *fw = tu_path(dir, "fw.hex");
    write_image(fw, 0x24080000);
    tu_sim_spec(spec, sizeof(spec), "stm32h743", dir, NULL);
    tu_sim_fill_used(spec, BASE, 9);
    size_t len;
    uint8_t *before = tu_sim_snapshot(spec, &len);
    tu_result r;
    tu_dfuctl(&r, "flash", "-d", spec, fw, "--no-journal", "--transfer-size", "16", NULL);
    assert_int_equal(r.exit_code, 2);
    if (!strstr(r.err, "blocks of 16 bytes would split the 32-byte flash words") ||
        !strstr(r.err, "--transfer-size"))
        fail_msg("unexpected message: %s", r.err);
    tu_result_free(&r);
    tu_sim_expect_unchanged(spec, before, len);
    free(before);
    free(fw);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_unit_is_written_twice),
        cmocka_unit_test(test_blocks_smaller_than_a_unit_refused_untouched),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
