/* The DFU functional descriptor and string descriptors as the libusb backend reads them from a
 * configuration: truncated 7-byte descriptors (no bcdDFUVersion), wTransferSize 0 and 0xffff
 * reported as sent, UTF-16 strings with surrogate pairs. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "usb/desc_tmp.h"

static void test_full_descriptor_after_interface(void **state)
{
    (void)state;
    /* An interface descriptor, then the 9-byte functional descriptor. */
    const uint8_t buf[] = {9, 4,    0,    0,    0,    0xfe, 1,    2,    4,
                           9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01};
    dfu_func_desc f;
    memset(&f, 0, sizeof(f));
    assert_true(dfu_tmp_find_func_desc(buf, sizeof(buf), &f));
    assert_true(f.present);
    assert_int_equal(f.length, 9);
    assert_int_equal(f.attributes, 0x0b);
    assert_int_equal(f.detach_timeout_ms, 255);
    assert_int_equal(f.transfer_size, 2048);
    assert_int_equal(f.dfu_version, 0x011a);
}

static void test_truncated_and_odd_transfer_sizes(void **state)
{
    (void)state;
    const uint8_t seven[] = {7, 0x21, 0x03, 0xe8, 0x03, 0xff, 0xff};
    dfu_func_desc f;
    memset(&f, 0, sizeof(f));
    assert_true(dfu_tmp_find_func_desc(seven, sizeof(seven), &f));
    assert_int_equal(f.length, 7);
    assert_int_equal(f.detach_timeout_ms, 1000);
    assert_int_equal(f.transfer_size, 0xffff); /* as sent */
    assert_int_equal(f.dfu_version, 0);
    const uint8_t zero[] = {9, 0x21, 0x01, 0, 0, 0, 0, 0x10, 0x01};
    assert_true(dfu_tmp_find_func_desc(zero, sizeof(zero), &f));
    assert_int_equal(f.transfer_size, 0);
    /* Too short, absent, or a bLength of 0 (which would loop) find nothing. */
    const uint8_t shorty[] = {5, 0x21, 0, 0, 0}, loop[] = {0, 0x21, 0, 0};
    assert_false(dfu_tmp_find_func_desc(shorty, sizeof(shorty), &f));
    assert_false(dfu_tmp_find_func_desc(loop, sizeof(loop), &f));
    assert_false(dfu_tmp_find_func_desc(NULL, 0, &f));
}

static void test_string_descriptors(void **state)
{
    (void)state;
    const uint8_t st[] = {18, 3,   'S', 0,    'T', 0,    'M',  0,    '3',
                          0,  '2', 0,   0xe9, 0,   0x3d, 0xd8, 0x00, 0xde};
    char *s = dfu_tmp_string_desc_utf8(st, sizeof(st));
    assert_string_equal(s, "STM32\xc3\xa9\xf0\x9f\x98\x80"); /* e-acute, U+1F600 */
    free(s);
    const uint8_t lone[] = {4, 3, 0x00, 0xd8};
    s = dfu_tmp_string_desc_utf8(lone, sizeof(lone));
    assert_string_equal(s, "\xef\xbf\xbd"); /* U+FFFD */
    free(s);
    const uint8_t notstr[] = {4, 2, 'a', 0};
    assert_null(dfu_tmp_string_desc_utf8(notstr, sizeof(notstr)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_descriptor_after_interface),
        cmocka_unit_test(test_truncated_and_odd_transfer_sizes),
        cmocka_unit_test(test_string_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
