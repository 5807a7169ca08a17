/*
 * Waiting for a device can be cancelled (dfu_ctx_set_cancel): the "Cancel" button of an
 * application's "waiting for the board" dialog. On simulated boards, whose virtual clock makes
 * a minute's wait take no time: the wait for a detached board to come back, and the wait for a
 * board to appear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

typedef struct asker {
    unsigned asked;    /* how often the library asked */
    unsigned yes_from; /* answer "cancel" from this question on (0: never) */
} asker;

static int ask(void *payload)
{
    asker *a = payload;
    a->asked++;
    return a->yes_from && a->asked >= a->yes_from;
}

/* A board running its application (BOOT0 low, a valid one in flash) that takes a minute to come
 * back in DFU mode after a detach. */
static void slow_board(char *spec, size_t cap)
{
    char *dir = tu_tmpdir("wait_cancel");
    char base[1024];
    tu_sim_spec(base, sizeof(base), "stm32f405", dir, NULL);
    uint8_t *app = tu_app_bytes(0x08000000, 1024, 0x20020000, 1);
    tu_sim_poke(base, 0x08000000, app, 1024);
    free(app);
    tu_sim_spec(spec, cap, "stm32f405", dir, "boot0=0,runtime,reenum=60000,replug");
    free(dir);
}

static void test_cancel_while_a_detached_board_comes_back(void **state)
{
    (void)state;
    char spec[1200];
    slow_board(spec, sizeof(spec));
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), 0);
    asker a = {0, 5};
    dfu_ctx_set_cancel(ctx, ask, &a);
    dfu_open_options o = DFU_OPEN_OPTIONS_INIT;
    o.detach_wait_ms = 120000;
    dfu_device *dev = (dfu_device *)&a; /* set to NULL on failure */
    assert_int_equal(dfu_device_open(&dev, ctx, spec, &o), DFU_ERR_CANCELLED);
    assert_null(dev);
    assert_int_equal(a.asked, 5);
    const char *msg = dfu_ctx_error(ctx)->message;
    assert_non_null(strstr(msg, "cancelled while waiting for the device at sim-1 to come back"));
    assert_non_null(strstr(msg, "may now be in its bootloader"));

    /* Never cancelled, the same wait ends with the board open in DFU mode. */
    a = (asker){0, 0};
    assert_int_equal(dfu_device_open(&dev, ctx, spec, &o), DFU_OK);
    assert_int_equal(dfu_device_get_info(dev)->mode, DFU_MODE_DFU);
    /* Asked every 100 ms of the minute's wait (virtual time). */
    assert_in_range(a.asked, 590, 610);
    dfu_device_close(dev);
    dfu_ctx_free(ctx);
}

static void test_cancel_while_waiting_for_a_board_to_appear(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    assert_int_equal(dfu_ctx_new(&ctx), 0);
    asker a = {0, 3};
    dfu_ctx_set_cancel(ctx, ask, &a);
    dfu_open_options o = DFU_OPEN_OPTIONS_INIT;
    o.wait_ms = 3600 * 1000;
    dfu_device *dev = NULL;
    /* BOOT0 low and blank flash: the board runs nothing, so nothing enumerates; only the cancel
     * ends the hour's wait. */
    assert_int_equal(dfu_device_open(&dev, ctx, "sim:stm32f405,boot0=0", &o), DFU_ERR_CANCELLED);
    assert_int_equal(a.asked, 3);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "cancelled while waiting for a device"));

    /* Without the callback, the wait runs out and says so. */
    dfu_ctx_set_cancel(ctx, NULL, NULL);
    o.wait_ms = 2000;
    assert_int_equal(dfu_device_open(&dev, ctx, "sim:stm32f405,boot0=0", &o), DFU_ERR_NO_DEVICE);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "appeared within 2000 ms"));
    dfu_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_while_a_detached_board_comes_back),
        cmocka_unit_test(test_cancel_while_waiting_for_a_board_to_appear),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
