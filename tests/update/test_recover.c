/* Recovery regressions: an interrupted mass-erase update, and a journal meeting another board. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

static dfu_image *app_image(uint32_t base, uint32_t size, uint64_t seed, uint8_t **bytes)
{
    *bytes = tu_app_bytes(base, size, 0x20020000, seed);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    dfu_image_add_data(NULL, img, 0, base, *bytes, size);
    return img;
}

static void test_mass_erase_update_recovered_without_upload(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("rec_mass_erase"), *journal = tu_path(dir, "journal");
    char spec[600], faulty[700];
    tu_sim_spec(spec, sizeof(spec), "stm32f405", dir, NULL);
    snprintf(faulty, sizeof(faulty), "%s,fault=powerloss@block:18", spec);
    uint8_t *bytes;
    dfu_image *img = app_image(0x08000000, 40 * 1024, 21, &bytes);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_open_options oo = DFU_OPEN_OPTIONS_INIT;
    oo.quirks = "0483:df11 no-upload"; /* recovery must trust only what the journal confirms */
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, faulty, &oo), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.mass_erase = true;
    o.journal_dir = journal;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_not_equal(dfu_plan_execute(p, NULL), DFU_OK);
    dfu_plan_free(p);
    dfu_device_close(dev);
    assert_int_equal(dfu_device_open(&dev, ctx, spec, &oo), DFU_OK);
    dfu_journal *j;
    assert_int_equal(dfu_journal_find(&j, ctx, journal), DFU_OK);
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    ro.journal_dir = journal;
    dfu_recovery rec;
    assert_int_equal(dfu_recover(ctx, dev, j, NULL, &ro, &rec), DFU_OK);
    dfu_journal_free(j);
    dfu_device_close(dev);
    /* Recovery erases sectors (it never mass-erases again): every one of them is rewritten. */
    uint8_t *got = malloc(40 * 1024);
    tu_sim_peek(spec, 0x08000000, got, 40 * 1024);
    assert_memory_equal(got, bytes, 40 * 1024);
    free(got);
    free(bytes);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(journal);
    free(dir);
}

static void test_journal_refused_for_another_board(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("rec_other_board"), *journal = tu_path(dir, "journal");
    char f405[600], faulty[700], gd32[600];
    snprintf(f405, sizeof(f405), "sim:stm32f405,state=%s/a.img,path=1-1", dir);
    snprintf(faulty, sizeof(faulty), "%s,fault=unplug@block:5", f405);
    snprintf(gd32, sizeof(gd32), "sim:gd32vf103,state=%s/b.img,path=1-1", dir);
    uint8_t *bytes;
    dfu_image *img = app_image(0x08000000, 20 * 1024, 22, &bytes);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, faulty, NULL), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.journal_dir = journal;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_ERR_DISCONNECTED);
    dfu_plan_free(p);
    dfu_device_close(dev);
    /* Another board now sits at that port path. */
    size_t len;
    uint8_t *before = tu_sim_snapshot(gd32, &len);
    assert_int_equal(dfu_device_open(&dev, ctx, gd32, NULL), DFU_OK);
    dfu_journal *j;
    assert_int_equal(dfu_journal_open(&j, ctx, journal, "1-1"), DFU_OK);
    dfu_recovery rec;
    assert_int_equal(dfu_recover(ctx, dev, j, NULL, &o, &rec), DFU_ERR_REFUSED);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "0483:df11"));
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "28e9:0189"));
    dfu_journal_free(j);
    dfu_device_close(dev);
    tu_sim_expect_unchanged(gd32, before, len); /* not a byte written */
    free(before);
    free(bytes);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(journal);
    free(dir);
}

static void test_differential_flash_keeps_safe_order(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("rec_diff_safe");
    char spec[600], faulty[700];
    tu_sim_spec(spec, sizeof(spec), "mboot-f4", dir, NULL);
    uint8_t *v1;
    dfu_image *img1 = app_image(0x08008000, 40 * 1024, 23, &v1);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img1, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_OK);
    dfu_plan_free(p);
    dfu_device_close(dev);
    /* Version 2 differs only in the 64 KiB sector at 0x08010000; the power fails while that
     * sector is being written. */
    v1[0x8100] ^= 0x5A;
    dfu_image *img2;
    dfu_image_new(&img2);
    dfu_image_add_target(img2, -1, NULL, NULL);
    dfu_image_add_data(NULL, img2, 0, 0x08008000, v1, 40 * 1024);
    snprintf(faulty, sizeof(faulty), "%s,fault=powerloss@block:2", spec);
    assert_int_equal(dfu_device_open(&dev, ctx, faulty, NULL), DFU_OK);
    o.differential = true;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img2, &o), DFU_OK);
    assert_int_not_equal(dfu_plan_execute(p, NULL), DFU_OK);
    dfu_plan_free(p);
    dfu_device_close(dev);
    /* The vector table's sector was erased first, so mboot stays in DFU mode at power-up
     * instead of starting the old table over a half-written application. */
    dfu_sim *sim;
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_OK);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim, 5000000, &bus);
    assert_true(dfu_sim_in_bootloader(sim));
    dfu_sim_free(sim);
    dfu_image_free(img1);
    dfu_image_free(img2);
    free(v1);
    dfu_ctx_free(ctx);
    free(dir);
}

/* recover FILE on a DFU 1.1 device that already holds it: nothing written, everything compared,
 * and the device started (the report said "written again whole; 0 bytes written, 0 verified"). */
static void test_dfu11_recover_of_what_is_there_only_starts_it(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("rec_dfu11_there");
    char spec[600];
    tu_sim_spec(spec, sizeof(spec), "dfu11", dir, "tolerant=1");
    uint8_t *bytes;
    dfu_image *img = app_image(0x08010000, 3000, 23, &bytes);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, spec, NULL), DFU_OK);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_new(&p, ctx, dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_execute(p, NULL), DFU_OK);
    dfu_plan_free(p);
    dfu_update_options ro = DFU_UPDATE_OPTIONS_INIT;
    dfu_recovery rec;
    assert_int_equal(dfu_recover(ctx, dev, NULL, img, &ro, &rec), DFU_OK);
    assert_false(rec.had_journal);
    assert_true(rec.read_back && rec.result.verified && rec.result.left);
    assert_int_equal(rec.result.written_bytes, 0);
    assert_int_equal(rec.result.verified_bytes, 3000);
    assert_int_equal(rec.result.skipped_bytes, 3000);
    assert_true(dfu_device_gone(dev));
    dfu_device_close(dev);
    free(bytes);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mass_erase_update_recovered_without_upload),
        cmocka_unit_test(test_dfu11_recover_of_what_is_there_only_starts_it),
        cmocka_unit_test(test_journal_refused_for_another_board),
        cmocka_unit_test(test_differential_flash_keeps_safe_order),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
