/* Boot behaviour after reset or power-up, and the run-time application's detach into DFU mode. */
#include "sim_test.h"

static void put_vectors(th *h, uint32_t base, uint32_t sp, uint32_t reset)
{
    uint8_t v[8];
    for (int i = 0; i < 4; i++) {
        v[i] = (uint8_t)(sp >> (8 * i));
        v[4 + i] = (uint8_t)(reset >> (8 * i));
    }
    assert_int_equal(dfu_sim_poke(h->sim, base, v, 8), DFU_OK);
}

/* Power cycle and wait for the device, or for nothing when it does not come back. */
static bool cycle(th *h)
{
    uint32_t gen = th_generation(h);
    dfu_sim_power_cycle(h->sim, h->now);
    return th_wait_new(h, gen, 5000);
}

/* ST ROM: BOOT0 high always enters the ROM, even with a valid application. */
static void test_st_boot0_high_always_rom(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405");
    put_vectors(&h, 0x08000000, 0x20020000, 0x08000101);
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* BOOT0 low: the application runs (no DFU interface); with blank flash nothing enumerates. */
static void test_st_boot0_low(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405,boot0=0");
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_false(b.present); /* blank flash: the core runs garbage */
    put_vectors(&h, 0x08000000, 0x20020000, 0x08000101);
    assert_true(cycle(&h));
    th_bus(&h, &b);
    assert_true(b.present);
    assert_false(b.dfu_capable);
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* A bootloader in flash stays when the application is blank or its vectors do not point where
 * code can run; a valid one boots unless the button is held. */
static void test_custom_bootloader_checks_vectors(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb");
    assert_true(dfu_sim_in_bootloader(h.sim)); /* blank */
    put_vectors(&h, 0x08010000, 0x20020000, 0x08010101);
    assert_true(cycle(&h));
    assert_false(dfu_sim_in_bootloader(h.sim));
    dfu_sim_hold_bootloader_button(h.sim, true);
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    dfu_sim_hold_bootloader_button(h.sim, false);
    put_vectors(&h, 0x08010000, 0x30000000, 0x08010101); /* SP outside RAM */
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    put_vectors(&h, 0x08010000, 0x20020000, 0x08010100); /* no Thumb bit */
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    put_vectors(&h, 0x08010000, 0x20020000, 0x08000101); /* reset vector in the bootloader */
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* dapboot only checks the stack pointer; mboot only its low two bits. */
static void test_bootloaders_own_checks(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    put_vectors(&h, 0x08002000, 0x20005000, 0xFFFFFFFF);
    assert_true(cycle(&h));
    assert_false(dfu_sim_in_bootloader(h.sim));
    put_vectors(&h, 0x08002000, 0x10005000, 0x08002101);
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
    th_open(&h, "mboot-f4");
    put_vectors(&h, 0x08008000, 0x20020001, 0x08008101);
    assert_true(cycle(&h));
    assert_true(dfu_sim_in_bootloader(h.sim));
    put_vectors(&h, 0x08008000, 0x00000000, 0x00000000);
    assert_true(cycle(&h));
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* A run-time application: protocol 1, its own VID:PID, the 7-byte functional descriptor. */
static void test_runtime_interface(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405,runtime,boot0=0");
    put_vectors(&h, 0x08000000, 0x20020000, 0x08000101);
    assert_true(cycle(&h));
    uint8_t d[256];
    size_t n;
    assert_int_equal(dfu_sim_descriptors(h.sim, d, sizeof(d), &n), DFU_OK);
    assert_int_equal(d[8] | d[9] << 8, 0x1209);
    assert_int_equal(d[10] | d[11] << 8, 0x0001);
    const uint8_t *dfu_if = d + 18 + 9 + 9;
    assert_int_equal(dfu_if[5], 0xFE);
    assert_int_equal(dfu_if[6], 0x01);
    assert_int_equal(dfu_if[7], 0x01); /* run-time protocol */
    assert_int_equal(d[n - 7], 7);     /* truncated functional descriptor */
    assert_int_equal(d[n - 6], 0x21);
    h.iface = 1;
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_APP_IDLE);
    th_close(&h);
}

/* DFU_DETACH, then a USB reset before wDetachTimeOut: the bootloader comes up in DFU mode with
 * a new device number (here with BOOT0 low: the application jumps to the ROM). */
static void test_runtime_detach_then_reset(void **state)
{
    (void)state;
    th h;
    th_open(&h, "stm32f405,runtime,boot0=0");
    put_vectors(&h, 0x08000000, 0x20020000, 0x08000101);
    assert_true(cycle(&h));
    h.iface = 1;
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_ctrl(&h, DFU_REQTYPE_OUT, DFU_DETACH, 500, 1, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_APP_DETACH);
    th_sleep(&h, 100);
    dfu_sim_bus_reset(h.sim, h.now);
    assert_true(th_wait_new(&h, gen, 5000));
    assert_true(dfu_sim_in_bootloader(h.sim));
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_true(b.dfu_capable);
    assert_int_equal(b.mode, DFU_MODE_DFU);
    th_close(&h);
}

/* The detach timer expires: back to appIDLE, and a later USB reset does not enter DFU. */
static void test_runtime_detach_timer_expires(void **state)
{
    (void)state;
    th h;
    th_open(&h, "tinyusb,runtime");
    put_vectors(&h, 0x08010000, 0x20020000, 0x08010101);
    assert_true(cycle(&h));
    h.iface = 1;
    assert_int_equal(th_ctrl(&h, DFU_REQTYPE_OUT, DFU_DETACH, 200, 1, NULL, 0), 0);
    th_sleep(&h, 300);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_APP_IDLE);
    uint32_t gen = th_generation(&h);
    dfu_sim_bus_reset(h.sim, h.now);
    assert_false(th_wait_new(&h, gen, 2000));
    assert_false(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

/* runtime=detach (bitWillDetach): the application re-enumerates as the bootloader by itself. */
static void test_runtime_will_detach(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103,runtime=detach");
    put_vectors(&h, 0x08002000, 0x20005000, 0x08002101);
    assert_true(cycle(&h));
    uint8_t d[256];
    size_t n;
    dfu_sim_descriptors(h.sim, d, sizeof(d), &n);
    assert_true(d[n - 5] & DFU_ATTR_WILL_DETACH);
    h.iface = 1;
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_ctrl(&h, DFU_REQTYPE_OUT, DFU_DETACH, 1000, 1, NULL, 0), 0);
    assert_true(th_wait_new(&h, gen, 5000));
    assert_true(dfu_sim_in_bootloader(h.sim));
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_st_boot0_high_always_rom),
        cmocka_unit_test(test_st_boot0_low),
        cmocka_unit_test(test_custom_bootloader_checks_vectors),
        cmocka_unit_test(test_bootloaders_own_checks),
        cmocka_unit_test(test_runtime_interface),
        cmocka_unit_test(test_runtime_detach_then_reset),
        cmocka_unit_test(test_runtime_detach_timer_expires),
        cmocka_unit_test(test_runtime_will_detach),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
