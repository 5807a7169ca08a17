/* replug: a board plugged in again powers up afresh instead of resuming where it was left. */
#include "sim_test.h"

static void leave_running_application(const char *spec)
{
    th h;
    th_open(&h, spec);
    /* Put a valid vector table in flash and tell the ROM to leave: the application runs. */
    const uint8_t app[8] = {0x00, 0x00, 0x02, 0x20, 0x89, 0x01, 0x00, 0x08};
    assert_int_equal(dfu_sim_poke(h.sim, 0x08000000, app, sizeof(app)), DFU_OK);
    dfu_sim_power_cycle(h.sim, 0); /* fresh from power-on: ROM (BOOT0 high), dfuIDLE or error */
    dfu_usb_setup zlp = {DFU_REQTYPE_OUT, DFU_DNLOAD, 2, 0, 0};
    dfu_usb_setup clr = {DFU_REQTYPE_OUT, DFU_CLRSTATUS, 0, 0, 0};
    dfu_usb_setup gs = {DFU_REQTYPE_IN, DFU_GETSTATUS, 0, 0, 6};
    dfu_sim_xfer x;
    uint8_t buf[6];
    dfu_sim_control(h.sim, 1000000, &clr, NULL, &x);
    dfu_sim_control(h.sim, 1100000, &zlp, NULL, &x);
    dfu_sim_control(h.sim, 1200000, &gs, buf, &x);
    dfu_sim_bus status;
    dfu_sim_bus_status(h.sim, 5000000, &status);
    assert_false(dfu_sim_in_bootloader(h.sim)); /* it left and runs the application */
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
}

static void test_without_replug_the_board_is_as_it_was_left(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sim_replug_keep");
    char spec[512];
    snprintf(spec, sizeof(spec), "stm32f405,state=%s/board.img", dir);
    leave_running_application(spec);
    th h;
    th_open(&h, spec);
    assert_false(dfu_sim_in_bootloader(h.sim));
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    free(dir);
}

static void test_replug_powers_up_into_the_rom_with_boot0_high(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sim_replug");
    char spec[512];
    snprintf(spec, sizeof(spec), "stm32f405,state=%s/board.img", dir);
    leave_running_application(spec);
    strcat(spec, ",replug");
    th h;
    th_open(&h, spec);
    assert_true(dfu_sim_in_bootloader(h.sim));
    dfu_sim_bus status;
    dfu_sim_bus_status(h.sim, 0, &status);
    assert_true(status.present && status.dfu_capable); /* enumerated before the host looks */
    uint8_t app[8];
    assert_int_equal(dfu_sim_peek(h.sim, 0x08000000, app, sizeof(app)), DFU_OK);
    assert_int_equal(app[4], 0x89); /* flash kept */
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    free(dir);
}

/* A cable pulled for good (unplug@...:0, or dfu_sim_unplug) is plugged back in by replug. */
static void test_replug_reconnects_a_pulled_cable(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sim_replug_cable");
    char spec[512];
    snprintf(spec, sizeof(spec), "stm32f405,state=%s/board.img", dir);
    th h;
    th_open(&h, spec);
    dfu_sim_unplug(h.sim, 1000);
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    dfu_sim_bus status;
    th_open(&h, spec); /* without replug: still unplugged */
    dfu_sim_bus_status(h.sim, 0, &status);
    assert_false(status.present);
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    strcat(spec, ",replug");
    th_open(&h, spec);
    dfu_sim_bus_status(h.sim, 0, &status);
    assert_true(status.present && status.dfu_capable);
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    free(dir);
}

/* button: a bootloader in flash stays in DFU mode at power-up even over a bootable application;
 * ST ROM profiles have a BOOT0 strap instead and refuse it. */
static void test_button_keeps_a_flash_bootloader(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("sim_button");
    char spec[512];
    snprintf(spec, sizeof(spec), "mboot-f4,state=%s/board.img", dir);
    th h;
    th_open(&h, spec);
    const uint8_t app[8] = {0x00, 0x00, 0x02, 0x20, 0x89, 0x81, 0x00, 0x08};
    assert_int_equal(dfu_sim_poke(h.sim, 0x08008000, app, sizeof(app)), DFU_OK);
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    strcat(spec, ",replug");
    th_open(&h, spec);
    assert_false(dfu_sim_in_bootloader(h.sim)); /* it boots the application */
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    strcat(spec, ",button");
    th_open(&h, spec);
    assert_true(dfu_sim_in_bootloader(h.sim));
    dfu_sim_bus status;
    dfu_sim_bus_status(h.sim, 0, &status);
    assert_true(status.present && status.dfu_capable);
    dfu_sim_free(h.sim);
    dfu_ctx_free(h.ctx);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_sim *sim = NULL;
    assert_int_equal(dfu_sim_new(&sim, ctx, "stm32f405,button"), DFU_ERR_ARG);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "button"));
    dfu_ctx_free(ctx);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_replug_the_board_is_as_it_was_left),
        cmocka_unit_test(test_replug_powers_up_into_the_rom_with_boot0_high),
        cmocka_unit_test(test_replug_reconnects_a_pulled_cable),
        cmocka_unit_test(test_button_keeps_a_flash_bootloader),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
