/* DfuSe (AN3156/AN2662) on the stm32f405 profile: commands, address arithmetic, leave, option
 * bytes, read protection. */
#include "sim_test.h"

#define FLASH 0x08000000u
#define XFER  2048

static void open_f405(th *h, const char *spec)
{
    th_open(h, spec);
    th_clear(h); /* the ROM starts in dfuERROR/errFIRMWARE */
    assert_int_equal(th_getstatus(h).state, DFU_STATE_DFU_IDLE);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

static void test_get_commands(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t b[16];
    assert_int_equal(th_upload(&h, 0, b, sizeof(b)), 4);
    assert_memory_equal(b, "\x00\x21\x41\x92", 4);
    assert_int_equal(th_getstate(&h), DFU_STATE_DFU_IDLE);
    th_close(&h);
}

/* One Set Address, then wBlockNum 2, 3, 4: address = pointer + (n - 2) * wTransferSize, and
 * a short last block lands right after the full ones. */
static void test_address_arithmetic_and_short_last_block(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    static uint8_t img[2 * XFER + 100];
    pattern(img, sizeof(img), 1);
    assert_int_equal(th_erase(&h, 0x08004000).status, DFU_STATUS_OK);
    th_status st = th_dfuse_write(&h, 0x08004000, img, sizeof(img), XFER);
    assert_int_equal(st.status, DFU_STATUS_OK);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    static uint8_t back[sizeof(img) + 16];
    th_peek(&h, 0x08004000, back, sizeof(back));
    assert_memory_equal(back, img, sizeof(img));
    assert_true(th_all(back + sizeof(img), 16, 0xFF));
    th_close(&h);
}

/* The block size in the arithmetic is the configured wTransferSize, not the request's length. */
static void test_block_offset_uses_transfer_size(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405,transfer=1024");
    uint8_t a[100], b[100], back[1124];
    memset(a, 0x11, sizeof(a));
    memset(b, 0x22, sizeof(b));
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_set_address(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, a, 100), 100);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 3, b, 100), 100);
    assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    th_peek(&h, FLASH, back, sizeof(back));
    assert_true(th_all(back, 100, 0x11));
    assert_true(th_all(back + 100, 1024 - 100, 0xFF));
    assert_true(th_all(back + 1024, 100, 0x22));
    th_close(&h);
}

/* Without Set Address the pointer is 0x08000000. */
static void test_default_pointer(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t a[64], back[64];
    memset(a, 0x5A, sizeof(a));
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, a, sizeof(a)), 64);
    assert_int_equal(th_poll(&h).status, DFU_STATUS_OK);
    th_peek(&h, FLASH, back, 64);
    assert_memory_equal(back, a, 64);
    th_close(&h);
}

/* An erase takes only the sector holding the address: 16 KiB sector 1 here. */
static void test_erase_takes_one_sector(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    static uint8_t data[4 * 16384 + 16384];
    pattern(data, sizeof(data), 3);
    assert_int_equal(dfu_sim_poke(h.sim, FLASH, data, sizeof(data)), DFU_OK);
    th_status st = th_erase(&h, 0x08004000 + 1234);
    assert_int_equal(st.status, DFU_STATUS_OK);
    static uint8_t back[sizeof(data)];
    th_peek(&h, FLASH, back, sizeof(back));
    assert_memory_equal(back, data, 16384);
    assert_true(th_all(back + 16384, 16384, 0xFF));
    assert_memory_equal(back + 32768, data + 32768, sizeof(data) - 32768);
    th_close(&h);
}

/* The F405 ROM claims 100 ms for a mass erase that takes 16 s and holds the next GETSTATUS
 * until it is done: a host with a 5 s timeout times out, and the flash is erased anyway. */
static void test_mass_erase_lies_and_holds(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t data[256], back[256];
    memset(data, 0, sizeof(data));
    assert_int_equal(dfu_sim_poke(h.sim, 0x080E0000, data, sizeof(data)), DFU_OK);
    uint8_t cmd = DFUSE_CMD_ERASE;
    assert_int_equal(th_dnload(&h, 0, &cmd, 1), 1);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNBUSY);
    assert_int_equal(st.poll_ms, 100);
    th_sleep(&h, st.poll_ms);
    uint64_t before = h.now;
    st = th_getstatus(&h);
    assert_int_equal(st.result, DFU_ERR_TIMEOUT);
    assert_int_equal(h.now - before, 5000000);
    h.timeout_ms = 0; /* a patient host gets the answer when the erase ends */
    before = h.now;
    st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_DNLOAD_IDLE);
    assert_int_equal(st.status, DFU_STATUS_OK);
    assert_true(h.now - before > 10000000); /* held for the rest of the 16 s */
    th_peek(&h, 0x080E0000, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    dfu_sim_stats stats;
    dfu_sim_get_stats(h.sim, &stats);
    assert_int_equal(stats.erases, 1); /* a mass erase counts once */
    th_close(&h);
}

static void expect_vendor(th *h, th_status st)
{
    assert_int_equal(st.status, DFU_STATUS_ERR_VENDOR);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    assert_int_equal(th_simple(h, DFU_CLRSTATUS), 0);
}

/* Read protection level 1: reads, writes and erases answer (errVENDOR, dfuERROR); Set Address
 * still works. */
static void test_read_protection(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405,rdp=1");
    assert_int_equal(th_set_address(&h, FLASH).status, DFU_STATUS_OK);
    th_simple(&h, DFU_ABORT);
    uint8_t b[XFER];
    assert_int_equal(th_upload(&h, 2, b, XFER), DFU_ERR_STALL);
    expect_vendor(&h, th_getstatus(&h));
    expect_vendor(&h, th_erase(&h, FLASH));
    expect_vendor(&h, th_mass_erase(&h));
    memset(b, 0, sizeof(b));
    expect_vendor(&h, th_dfuse_write(&h, FLASH, b, 16, XFER));
    th_close(&h);
}

/* Read Unprotect erases everything, clears the protection, and resets: the device cannot
 * answer the GETSTATUS that follows and comes back with a new device number. */
static void test_read_unprotect(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405,rdp=1");
    uint8_t data[64], back[64];
    memset(data, 0x12, sizeof(data));
    dfu_sim_poke(h.sim, FLASH + 0x40000, data, sizeof(data));
    dfu_sim_poke(h.sim, 0x20000100, data, sizeof(data));
    dfu_sim_bus b;
    th_bus(&h, &b);
    uint32_t gen = b.generation;
    uint8_t cmd = DFUSE_CMD_READ_UNPROTECT;
    assert_int_equal(th_dnload(&h, 0, &cmd, 1), 1);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNBUSY);
    h.timeout_ms = 0;
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED);
    assert_true(th_wait_present(&h, 2000));
    th_bus(&h, &b);
    assert_int_equal(b.generation, gen + 1);
    th_peek(&h, FLASH + 0x40000, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0xFF));
    th_peek(&h, 0x20000100, back, sizeof(back));
    assert_true(th_all(back, sizeof(back), 0x00));
    th_clear(&h);
    uint8_t up[XFER];
    assert_int_equal(th_upload(&h, 2, up, XFER), XFER); /* readable again */
    th_close(&h);
}

/* Leave: zero-length DNLOAD, the GETSTATUS reports dfuMANIFEST, the device disconnects and
 * jumps to the address pointer. */
static void test_leave_runs_application(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t v[8];
    th_vectors(v, FLASH, 0x20020000);
    assert_int_equal(th_erase(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dfuse_write(&h, FLASH, v, 8, XFER).status, DFU_STATUS_OK);
    assert_int_equal(th_set_address(&h, FLASH).status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, NULL, 0), 0);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.state, DFU_STATE_MANIFEST);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED);
    assert_true(th_wait_present(&h, 2000));
    assert_false(dfu_sim_in_bootloader(h.sim));
    dfu_sim_bus b;
    th_bus(&h, &b);
    assert_false(b.dfu_capable); /* the application has no DFU interface */
    th_close(&h);
}

/* Leaving to code that does not run: the device resets and, BOOT0 high, is back in the ROM. */
static void test_leave_to_blank_flash_resets_into_rom(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint32_t gen = th_generation(&h);
    assert_int_equal(th_dnload(&h, 2, NULL, 0), 0);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_MANIFEST);
    assert_true(th_wait_new(&h, gen, 2000));
    assert_true(dfu_sim_in_bootloader(h.sim));
    assert_int_equal(th_getstatus(&h).status, DFU_STATUS_ERR_FIRMWARE); /* a fresh ROM */
    th_close(&h);
}

/* Option bytes on alternate setting 1: writing them resets the device. */
static void test_option_bytes_write_resets(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    assert_int_equal(dfu_sim_set_interface(h.sim, h.now, 0, 1), DFU_OK);
    uint8_t ob[16], back[16];
    th_peek(&h, 0x1FFFC000, ob, 16);
    assert_int_equal(ob[1], 0xAA);
    ob[0] = 0xE0; /* USER byte: another BOR level */
    dfu_sim_bus b;
    th_bus(&h, &b);
    uint32_t gen = b.generation;
    th_status st = th_set_address(&h, 0x1FFFC000);
    assert_int_equal(st.status, DFU_STATUS_OK);
    assert_int_equal(th_dnload(&h, 2, ob, 16), 16);
    assert_int_equal(th_getstatus(&h).state, DFU_STATE_DNBUSY);
    assert_int_equal(th_getstatus(&h).result, DFU_ERR_DISCONNECTED);
    assert_true(th_wait_present(&h, 2000));
    th_bus(&h, &b);
    assert_int_equal(b.generation, gen + 1);
    th_peek(&h, 0x1FFFC000, back, 16);
    assert_memory_equal(back, ob, 16);
    th_close(&h);
}

/* Raising read protection through the option bytes takes effect after the reset; lowering it
 * that way is refused (errVENDOR), only Read Unprotect does it. */
static void test_option_bytes_set_read_protection(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t ob[16], b[XFER];
    th_peek(&h, 0x1FFFC000, ob, 16);
    ob[1] = 0x55; /* RDP level 1 */
    assert_int_equal(dfu_sim_set_interface(h.sim, h.now, 0, 1), DFU_OK);
    th_status st = th_dfuse_write(&h, 0x1FFFC000, ob, 16, XFER);
    assert_int_equal(st.result, DFU_ERR_DISCONNECTED); /* reset while we polled */
    assert_true(th_wait_present(&h, 2000));
    th_clear(&h);
    assert_int_equal(th_set_address(&h, 0x08000000).status, DFU_STATUS_OK);
    th_simple(&h, DFU_ABORT);
    assert_int_equal(th_upload(&h, 2, b, XFER), DFU_ERR_STALL);
    expect_vendor(&h, th_getstatus(&h));
    ob[1] = 0xAA;
    assert_int_equal(dfu_sim_set_interface(h.sim, h.now, 0, 1), DFU_OK);
    expect_vendor(&h, th_dfuse_write(&h, 0x1FFFC000, ob, 16, XFER));
    th_close(&h);
}

static void test_unknown_command_stalls(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t cmd[2] = {0x55, 0x00};
    assert_int_equal(th_dnload(&h, 0, cmd, 2), DFU_ERR_STALL);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_ERR_STALLEDPKT);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_close(&h);
}

/* The ROM stalls a DNLOAD outside dfuIDLE/dfuDNLOAD-IDLE and keeps its state. */
static void test_dnload_in_upload_idle_stalls_and_keeps_state(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    uint8_t b[XFER];
    assert_int_equal(th_upload(&h, 2, b, XFER), XFER);
    assert_int_equal(th_getstate(&h), DFU_STATE_UPLOAD_IDLE);
    assert_int_equal(th_dnload(&h, 2, b, 16), DFU_ERR_STALL);
    assert_int_equal(th_getstate(&h), DFU_STATE_UPLOAD_IDLE);
    th_close(&h);
}

/* ST's class: CLRSTATUS outside dfuERROR is an error of its own (errUNKNOWN). */
static void test_clrstatus_outside_error(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    assert_int_equal(th_simple(&h, DFU_CLRSTATUS), 0);
    th_status st = th_getstatus(&h);
    assert_int_equal(st.status, DFU_STATUS_ERR_UNKNOWN);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_close(&h);
}

static void test_set_address_outside_memory(void **state)
{
    (void)state;
    th h;
    open_f405(&h, "stm32f405");
    th_status st = th_set_address(&h, 0x30000000);
    assert_int_equal(st.status, DFU_STATUS_ERR_TARGET);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_commands),
        cmocka_unit_test(test_address_arithmetic_and_short_last_block),
        cmocka_unit_test(test_block_offset_uses_transfer_size),
        cmocka_unit_test(test_default_pointer),
        cmocka_unit_test(test_erase_takes_one_sector),
        cmocka_unit_test(test_mass_erase_lies_and_holds),
        cmocka_unit_test(test_read_protection),
        cmocka_unit_test(test_read_unprotect),
        cmocka_unit_test(test_leave_runs_application),
        cmocka_unit_test(test_leave_to_blank_flash_resets_into_rom),
        cmocka_unit_test(test_option_bytes_write_resets),
        cmocka_unit_test(test_option_bytes_set_read_protection),
        cmocka_unit_test(test_unknown_command_stalls),
        cmocka_unit_test(test_dnload_in_upload_idle_stalls_and_keeps_state),
        cmocka_unit_test(test_clrstatus_outside_error),
        cmocka_unit_test(test_set_address_outside_memory),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
