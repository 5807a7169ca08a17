/* DfuSe memory-layout strings as real devices send them (notes/dfu-protocol.md 3.5 and 4). */
#include <stdio.h>
#include <string.h>

#include <libdfu/layout.h>
#include "testutil.h"

static dfu_layout *parse_ok(const char *text)
{
    dfu_layout *l = NULL;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    int rc = dfu_layout_parse(&l, ctx, text);
    if (rc) fail_msg("%s: %s", text, dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
    return l;
}

static void check_group(const dfu_layout *l, size_t i, uint32_t addr, uint32_t count, uint32_t size,
                        uint8_t access)
{
    assert_true(i < l->group_count);
    assert_int_equal(l->groups[i].address, addr);
    assert_int_equal(l->groups[i].count, count);
    assert_int_equal(l->groups[i].size, size);
    assert_int_equal(l->groups[i].access, access);
}

static void test_stm32f4_internal_flash(void **state)
{
    (void)state;
    dfu_layout *l = parse_ok("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg");
    assert_string_equal(l->name, "Internal Flash");
    assert_int_equal(l->group_count, 3);
    check_group(l, 0, 0x08000000, 4, 16384, 7);
    check_group(l, 1, 0x08010000, 1, 65536, 7);
    check_group(l, 2, 0x08020000, 7, 131072, 7);
    assert_int_equal(dfu_layout_size(l), 1024 * 1024);
    dfu_sector s;
    assert_true(dfu_layout_find(l, 0x0800C123, &s));
    assert_int_equal(s.address, 0x0800C000);
    assert_int_equal(s.size, 16384);
    assert_true(dfu_layout_find(l, 0x080FFFFF, &s));
    assert_int_equal(s.address, 0x080E0000);
    assert_false(dfu_layout_find(l, 0x08100000, &s));
    assert_false(dfu_layout_find(l, 0x07FFFFFF, &s));
    dfu_layout_free(l);
}

static void test_space_multiplier_and_long_numbers(void **state)
{
    (void)state;
    dfu_layout *l = parse_ok("@Option Bytes  /0x1FFFC000/01*016 g");
    check_group(l, 0, 0x1FFFC000, 1, 16, 7);
    dfu_layout_free(l);
    l = parse_ok("@Internal Flash   /0x08000000/08*04Ka,1000*04Kg"); /* AT32F437 */
    check_group(l, 0, 0x08000000, 8, 4096, 1);
    check_group(l, 1, 0x08008000, 1000, 4096, 7);
    dfu_layout_free(l);
    l = parse_ok("@Internal Flash  /0x08000000/0128*0002Kg"); /* STM32L4 */
    check_group(l, 0, 0x08000000, 128, 2048, 7);
    dfu_layout_free(l);
    l = parse_ok("@OTP Memory   /0x08FFF000/01*1024 e"); /* H7A3 */
    check_group(l, 0, 0x08FFF000, 1, 1024, 5);
    dfu_layout_free(l);
}

static void test_several_zones(void **state)
{
    (void)state;
    dfu_layout *l = parse_ok("@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e");
    assert_int_equal(l->group_count, 2);
    check_group(l, 0, 0x1FFF7800, 1, 48, 5);
    check_group(l, 1, 0x1FFFF800, 1, 48, 5);
    dfu_layout_free(l);
}

static void test_access_letters(void **state)
{
    (void)state;
    const char letters[] = "abcdefg";
    for (int i = 0; i < 7; i++) {
        char text[64];
        snprintf(text, sizeof(text), "@X/0x0/01*1K%c", letters[i]);
        dfu_layout *l = parse_ok(text);
        assert_int_equal(l->groups[0].access, i + 1);
        dfu_layout_free(l);
    }
    dfu_layout *l = parse_ok("@X/0x0/01*1Ka");
    assert_int_equal(l->groups[0].access, DFU_MEM_READABLE);
    dfu_layout_free(l);
}

static void expect_error(const char *text, const char *column)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_layout *l = NULL;
    assert_int_equal(dfu_layout_parse(&l, ctx, text), DFU_ERR_FORMAT);
    assert_null(l);
    if (!strstr(dfu_ctx_error(ctx)->message, column))
        fail_msg("%s: message \"%s\" lacks \"%s\"", text, dfu_ctx_error(ctx)->message, column);
    dfu_ctx_free(ctx);
}

static void test_malformed_strings_name_the_column(void **state)
{
    (void)state;
    expect_error("Internal Flash/0x08000000/04*016Kg", "column 1:");
    expect_error("@Internal Flash", "column 16:");
    expect_error("@Flash/08000000/04*016Kg", "column 8:");
    expect_error("@Flash/0x08000000/04x016Kg", "column 21:");
    expect_error("@Flash/0x08000000/04*016Kz", "column 26:");
    expect_error("@Flash/0x08000000/04*016Kg;", "column 27:");
    expect_error("@Flash/0xFFFF0000/02*064Kg", "4 GiB");
    expect_error("@Flash/0x08000000/00*016Kg", "zero");
    expect_error("@Flash/0x08000000/99999999999*1Kg", "too large");
}

/* Found by fuzz_layout: a count times a size that wraps 64 bits (65536 x 2^48 = 2^64) was taken
 * for an empty group, and the size truncated to 32 bits (0): a group of 65536 zero-byte
 * sectors. Sizes of 4 GiB or more cannot be sectors at all. */
static void test_huge_sectors_are_refused_not_wrapped(void **state)
{
    (void)state;
    expect_error("@Flash/0x0/65536*268435456Mg", "column 18: sector size");
    expect_error("@Flash/0x0/1*4096Mg", "column 14: sector size");
    expect_error("@Flash/0x0/4294967295*4294967295Mg", "4 GiB");
}

/* Found by fuzz_layout: the message quoted the whole string before the column, so a long
 * string (the text is the device's, any length through the public API) pushed the column out
 * of the message. */
static void test_long_strings_still_name_the_column(void **state)
{
    (void)state;
    char text[3000] = "@Flash/0x08000000/", column[32];
    while (strlen(text) < 2900) strcat(text, "1*1Kg,");
    strcat(text, "1*1Kz"); /* the last character is wrong */
    snprintf(column, sizeof(column), "column %zu:", strlen(text));
    expect_error(text, column);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stm32f4_internal_flash),
        cmocka_unit_test(test_space_multiplier_and_long_numbers),
        cmocka_unit_test(test_several_zones),
        cmocka_unit_test(test_access_letters),
        cmocka_unit_test(test_malformed_strings_name_the_column),
        cmocka_unit_test(test_huge_sectors_are_refused_not_wrapped),
        cmocka_unit_test(test_long_strings_still_name_the_column),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
