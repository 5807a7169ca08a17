/* Every public function with an out pointer sets *out to NULL when it fails, whatever the caller
 * left there, so `T *x; if (f(&x, ...)) goto out; ... out: T_free(x);` is safe. Each call here
 * starts from a garbage pointer and a failing input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

/* What an uninitialised local may hold: anything but NULL. */
#define GARBAGE ((void *)(uintptr_t)0xdeadbeefu)

static dfu_ctx *new_ctx(void)
{
    dfu_ctx *ctx = GARBAGE;
    assert_int_equal(dfu_ctx_new(&ctx), DFU_OK);
    return ctx;
}

static void test_images(void **state)
{
    (void)state;
    dfu_ctx *ctx = new_ctx();
    char *dir = tu_tmpdir("out_images");
    char *bad = tu_path(dir, "bad.hex");
    const char text[] = ":0400000001020304F3\n"; /* wrong checksum */
    tu_write_file(bad, text, strlen(text));
    char *missing = tu_path(dir, "missing.hex");
    dfu_load_options old = DFU_LOAD_OPTIONS_INIT;
    old.version = 0; /* refused before anything is read */

    dfu_image *img = GARBAGE;
    assert_int_not_equal(dfu_image_load(&img, ctx, bad, NULL), DFU_OK);
    assert_null(img);
    img = GARBAGE;
    assert_int_not_equal(dfu_image_load(&img, ctx, missing, NULL), DFU_OK);
    assert_null(img);
    img = GARBAGE;
    assert_int_equal(dfu_image_load(&img, ctx, bad, &old), DFU_ERR_ARG);
    assert_null(img);
    img = GARBAGE;
    assert_int_not_equal(dfu_image_parse(&img, ctx, (const uint8_t *)text, strlen(text), "m", NULL),
                         DFU_OK);
    assert_null(img);
    img = GARBAGE;
    assert_int_equal(dfu_image_parse(&img, ctx, (const uint8_t *)text, strlen(text), "m", &old),
                     DFU_ERR_ARG);
    assert_null(img);

    /* No format to write (DFU_FORMAT_AUTO with no file name to take it from). */
    dfu_image *empty;
    assert_int_equal(dfu_image_new(&empty), DFU_OK);
    uint8_t *bytes = GARBAGE;
    size_t len = 12345;
    assert_int_not_equal(dfu_image_serialize(&bytes, &len, ctx, empty, NULL), DFU_OK);
    assert_null(bytes);
    assert_int_equal(len, 0);
    dfu_image_free(empty);

    free(missing);
    free(bad);
    free(dir);
    dfu_ctx_free(ctx);
}

static void test_layouts_and_selectors(void **state)
{
    (void)state;
    dfu_ctx *ctx = new_ctx();
    dfu_layout *l = GARBAGE;
    assert_int_equal(dfu_layout_parse(&l, ctx, "@Flash /0x08000000/04*016Kx"), DFU_ERR_FORMAT);
    assert_null(l);
    dfu_selector *sel = GARBAGE;
    assert_int_not_equal(dfu_selector_parse(&sel, ctx, "sim:"), DFU_OK);
    assert_null(sel);
    dfu_sim *sim = GARBAGE;
    assert_int_not_equal(dfu_sim_new(&sim, ctx, "no-such-profile"), DFU_OK);
    assert_null(sim);
    dfu_device_info *list = GARBAGE;
    size_t count = 12345;
    assert_int_not_equal(dfu_device_list(&list, &count, ctx, "sim:"), DFU_OK);
    assert_null(list);
    assert_int_equal(count, 0);
    dfu_device *dev = GARBAGE;
    assert_int_not_equal(dfu_device_open(&dev, ctx, "sim:no-such-profile", NULL), DFU_OK);
    assert_null(dev);
    dfu_ctx_free(ctx);
}

static int cancel_at_once(const dfu_progress *p, void *payload)
{
    (void)p;
    (void)payload;
    return 1;
}

static void test_devices_and_plans(void **state)
{
    (void)state;
    dfu_ctx *ctx = new_ctx();
    dfu_device *dev;
    assert_int_equal(dfu_device_open(&dev, ctx, "sim:stm32f405", NULL), DFU_OK);

    dfu_image *img = GARBAGE;
    assert_int_equal(dfu_device_read(&img, dev, 0x08000000, 8192, cancel_at_once, NULL),
                     DFU_ERR_CANCELLED);
    assert_null(img);
    img = GARBAGE;
    assert_int_equal(dfu_device_read(&img, dev, 0x60000000, 16, NULL, NULL), DFU_ERR_REFUSED);
    assert_null(img);

    /* Data outside every memory region is refused while planning. */
    dfu_image *outside;
    assert_int_equal(dfu_image_new(&outside), DFU_OK);
    assert_int_equal(dfu_image_add_target(outside, -1, NULL, NULL), DFU_OK);
    const uint8_t data[4] = {1, 2, 3, 4};
    assert_int_equal(dfu_image_add_data(ctx, outside, 0, 0x60000000, data, sizeof(data)), DFU_OK);
    dfu_plan *plan = GARBAGE;
    assert_int_equal(dfu_plan_new(&plan, ctx, dev, outside, NULL), DFU_ERR_REFUSED);
    assert_null(plan);
    dfu_update_options old = DFU_UPDATE_OPTIONS_INIT;
    old.version = 0;
    plan = GARBAGE;
    assert_int_equal(dfu_plan_new(&plan, ctx, dev, outside, &old), DFU_ERR_ARG);
    assert_null(plan);

    dfu_image_free(outside);
    dfu_device_close(dev);
    dfu_ctx_free(ctx);
}

static const char journal[] =
    "libdfu-journal 1\nselector sim:stm32f405\npath sim-1\nserial 396F376A3635\nvid 0483\n"
    "pid df11\ndfuse 1\nimage fw.hex\n"
    "digest f8cc5cc6c1a213a7b48a194d45270c461e52f42a5fe1a581f9a566af675f02da\norder safe\n"
    "mass-erase 0\nno-leave 0\nno-verify 0\nstarted 1795235728\nsteps 1\n"
    "step 0 erase 0 0x08000000 16384 0\n";

static void test_journals(void **state)
{
    (void)state;
    dfu_ctx *ctx = new_ctx();
    char *dir = tu_tmpdir("out_journals");
    dfu_journal *j = GARBAGE;
    assert_int_equal(dfu_journal_find(&j, ctx, dir), DFU_ERR_NOT_FOUND);
    assert_null(j);
    j = GARBAGE;
    assert_int_equal(dfu_journal_open(&j, ctx, dir, "sim-1"), DFU_ERR_NOT_FOUND);
    assert_null(j);

    /* A journal whose image copy is missing. */
    char *file = tu_path(dir, "sim-1.journal");
    tu_write_file(file, journal, strlen(journal));
    assert_int_equal(dfu_journal_open(&j, ctx, dir, "sim-1"), DFU_OK);
    dfu_image *img = GARBAGE;
    assert_int_not_equal(dfu_journal_image(&img, ctx, j), DFU_OK);
    assert_null(img);
    dfu_journal_free(j);

    free(file);
    free(dir);
    dfu_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_layouts_and_selectors),
        cmocka_unit_test(test_devices_and_plans),
        cmocka_unit_test(test_journals),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
