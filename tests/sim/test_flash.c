/* Flash physics: erase granularity, bits that only clear, write units, unerased and read-only
 * memory with each part's status code, and bootloader sectors nothing can touch. */
#include "sim_test.h"

static void open_dfuse(th *h, const char *spec)
{
    th_open(h, spec);
    th_clear(h);
}

/* Writes len bytes at addr (DfuSe) and returns the final status. */
static th_status put(th *h, uint32_t addr, const uint8_t *data, size_t len)
{
    th_status st = th_dfuse_write(h, addr, data, len, 1024);
    if (st.state == DFU_STATE_ERROR) th_simple(h, DFU_CLRSTATUS);
    return st;
}

/* L4: pages of 2 KiB; erasing one leaves its neighbours alone. */
static void test_l4_page_erase_granularity(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32l476");
    uint8_t zero[6144], back[6144];
    memset(zero, 0, sizeof(zero));
    dfu_sim_poke(h.sim, 0x08010000, zero, sizeof(zero));
    assert_int_equal(th_erase(&h, 0x08010800 + 17).status, DFU_STATUS_OK);
    th_peek(&h, 0x08010000, back, sizeof(back));
    assert_true(th_all(back, 2048, 0x00));
    assert_true(th_all(back + 2048, 2048, 0xFF));
    assert_true(th_all(back + 4096, 2048, 0x00));
    th_close(&h);
}

/* F4 (no ECC): programming clears bits; over old data the ROM's read-back fails with
 * errVERIFY and the cells hold old AND new. */
static void test_f4_bits_only_clear(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32f405");
    uint8_t a[4] = {0xF0, 0xF0, 0xFF, 0x0F}, b[4] = {0x0F, 0xF0, 0x0F, 0xFF}, back[4];
    assert_int_equal(th_erase(&h, 0x08000000).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08000000, a, 4).status, DFU_STATUS_OK);
    th_status st = put(&h, 0x08000000, b, 4);
    assert_int_equal(st.status, DFU_STATUS_ERR_VERIFY);
    th_peek(&h, 0x08000000, back, 4);
    assert_memory_equal(back, "\x00\xF0\x0F\x0F", 4);
    /* Clearing more bits of what is there passes the read-back. */
    uint8_t c[4] = {0x00, 0x00, 0x0F, 0x0F};
    assert_int_equal(put(&h, 0x08000000, c, 4).status, DFU_STATUS_OK);
    th_close(&h);
}

/* L4: 64-bit double words with ECC, programmed once between erases (errPROG, unchanged);
 * writing all zeros over one is the documented exception. */
static void test_l4_double_word_once(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32l476");
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, z[8] = {0}, back[8];
    assert_int_equal(th_erase(&h, 0x08000000).status, DFU_STATUS_OK);
    /* Four bytes program a whole double word: the other four are written as 0xFF. */
    assert_int_equal(put(&h, 0x08000000, a, 4).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08000004, b, 4).status, DFU_STATUS_ERR_PROG);
    th_peek(&h, 0x08000000, back, 8);
    assert_memory_equal(back, "\x01\x02\x03\x04\xFF\xFF\xFF\xFF", 8);
    assert_int_equal(put(&h, 0x08000000, z, 8).status, DFU_STATUS_OK);
    th_peek(&h, 0x08000000, back, 8);
    assert_true(th_all(back, 8, 0));
    /* The next double word was never touched: fine. */
    assert_int_equal(put(&h, 0x08000008, b, 4).status, DFU_STATUS_OK);
    th_close(&h);
}

/* H7: 32-byte flash words with ECC. */
static void test_h7_flash_word_once(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32h743,rev=Y");
    uint8_t a[16], b[16], back[32];
    memset(a, 0x11, 16);
    memset(b, 0x22, 16);
    assert_int_equal(th_erase(&h, 0x08020000).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08020000, a, 16).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08020010, b, 16).status, DFU_STATUS_ERR_PROG);
    th_peek(&h, 0x08020000, back, 32);
    assert_true(th_all(back, 16, 0x11) && th_all(back + 16, 16, 0xFF));
    assert_int_equal(put(&h, 0x08020020, b, 16).status, DFU_STATUS_OK);
    th_close(&h);
}

/* GD32VF103: a write over data that is not erased "reports success but read-out not
 * matching" (riscv-mcu/gd32-dfu-utils#5). */
static void test_gd32_silent_failed_write(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "gd32vf103");
    uint8_t a[8], b[8], back[8];
    memset(a, 0x33, 8);
    memset(b, 0x44, 8);
    assert_int_equal(th_erase(&h, 0x08000400).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08000400, a, 8).status, DFU_STATUS_OK);
    assert_int_equal(put(&h, 0x08000400, b, 8).status, DFU_STATUS_OK);
    th_peek(&h, 0x08000400, back, 8);
    assert_true(th_all(back, 8, 0x33));
    th_close(&h);
}

/* mboot does not read back: bits written over old data just clear, status OK. */
static void test_mboot_does_not_verify(void **state)
{
    (void)state;
    th h;
    th_open(&h, "mboot-f4");
    uint8_t a[4] = {0xF0, 0xF0, 0xF0, 0xF0}, b[4] = {0x3C, 0x3C, 0x3C, 0x3C}, back[4];
    assert_int_equal(th_erase(&h, 0x08008000).status, DFU_STATUS_OK);
    assert_int_equal(th_dfuse_write(&h, 0x08008000, a, 4, 2048).status, DFU_STATUS_OK);
    assert_int_equal(th_dfuse_write(&h, 0x08008000, b, 4, 2048).status, DFU_STATUS_OK);
    th_peek(&h, 0x08008000, back, 4);
    assert_true(th_all(back, 4, 0x30));
    th_close(&h);
}

/* mboot's own sectors are announced read-only and refused with errADDRESS; they never change,
 * not even with a mass erase. */
static void test_mboot_bootloader_untouched(void **state)
{
    (void)state;
    th h;
    th_open(&h, "mboot-f4");
    uint8_t before[0x8000], after[0x8000], data[16] = {0};
    th_peek(&h, 0x08000000, before, sizeof(before));
    th_status st = th_erase(&h, 0x08004000);
    assert_int_equal(st.status, DFU_STATUS_ERR_ADDRESS);
    assert_int_equal(st.state, DFU_STATE_ERROR);
    th_simple(&h, DFU_CLRSTATUS);
    st = th_dfuse_write(&h, 0x08007FF8, data, 16, 2048); /* straddles into the app sector */
    assert_int_equal(st.status, DFU_STATUS_ERR_ADDRESS);
    th_simple(&h, DFU_CLRSTATUS);
    assert_int_equal(th_mass_erase(&h).status, DFU_STATUS_OK);
    th_peek(&h, 0x08000000, after, sizeof(after));
    assert_memory_equal(before, after, sizeof(before));
    uint8_t app[16];
    th_peek(&h, 0x08008000, app, 16);
    assert_true(th_all(app, 16, 0xFF));
    th_close(&h);
}

/* Memory that is not writable: the ST ROM says errTARGET and nothing changes. */
static void test_st_non_writable(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32f405");
    uint8_t data[16] = {0}, before[16], after[16];
    th_peek(&h, 0x1FFF0000, before, 16);
    th_status st = put(&h, 0x1FFF0000, data, 16); /* system memory */
    assert_int_equal(st.status, DFU_STATUS_ERR_TARGET);
    th_peek(&h, 0x1FFF0000, after, 16);
    assert_memory_equal(before, after, 16);
    /* Option bytes of the L4 are announced 'e' (not erasable): erasing them is refused. */
    th_close(&h);
    open_dfuse(&h, "stm32l476");
    st = th_erase(&h, 0x1FFF7800);
    assert_int_equal(st.status, DFU_STATUS_ERR_TARGET);
    th_close(&h);
}

/* dapboot's first 8 KiB hold the bootloader: a download never reaches them. */
static void test_dapboot_bootloader_untouched(void **state)
{
    (void)state;
    th h;
    th_open(&h, "dapboot-f103");
    static uint8_t before[0x2000], after[0x2000], img[4096];
    memset(img, 0x00, sizeof(img));
    th_peek(&h, 0x08000000, before, sizeof(before));
    for (uint16_t b = 0; b < 4; b++) {
        assert_int_equal(th_dnload(&h, b, img + b * 1024, 1024), 1024);
        assert_int_equal(th_poll(&h).state, DFU_STATE_DNLOAD_IDLE);
    }
    th_peek(&h, 0x08000000, after, sizeof(after));
    assert_memory_equal(before, after, sizeof(before));
    th_peek(&h, 0x08002000, after, 4096);
    assert_true(th_all(after, 4096, 0x00));
    th_close(&h);
}

/* The time an operation takes is the datasheet's: an L4 page erase of 22 ms, an F4 128 KiB
 * sector at x8 of 2 s (4 s with timing=max). */
static void test_erase_times(void **state)
{
    (void)state;
    th h;
    open_dfuse(&h, "stm32f405");
    uint64_t t0 = h.now;
    assert_int_equal(th_erase(&h, 0x08020000).status, DFU_STATUS_OK);
    uint64_t took = h.now - t0;
    assert_true(took >= 2000000 && took < 2300000);
    th_close(&h);
    open_dfuse(&h, "stm32f405,timing=max");
    t0 = h.now;
    assert_int_equal(th_erase(&h, 0x08020000).status, DFU_STATUS_OK);
    took = h.now - t0;
    assert_true(took >= 4000000 && took < 4300000);
    th_close(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l4_page_erase_granularity),
        cmocka_unit_test(test_f4_bits_only_clear),
        cmocka_unit_test(test_l4_double_word_once),
        cmocka_unit_test(test_h7_flash_word_once),
        cmocka_unit_test(test_gd32_silent_failed_write),
        cmocka_unit_test(test_mboot_does_not_verify),
        cmocka_unit_test(test_mboot_bootloader_untouched),
        cmocka_unit_test(test_st_non_writable),
        cmocka_unit_test(test_dapboot_bootloader_untouched),
        cmocka_unit_test(test_erase_times),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
