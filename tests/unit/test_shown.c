/* dfu_shown: a device's or a file's string inside a library message, control characters
 * escaped so that it can break no line and send no escape sequence to a terminal. */
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

static void expect_shown(const char *in, const char *want)
{
    char buf[128];
    assert_string_equal(dfu_shown(in, buf, sizeof(buf)), want);
}

static void test_c0_and_del(void **state)
{
    (void)state;
    expect_shown("a\nb\tc\x1b[2J\x7f", "a\\nb\\tc\\x1b[2J\\x7f");
    expect_shown("plain \"quoted\" C:\\path", "plain \"quoted\" C:\\path");
}

/* C1 controls (U+0080-U+009F) are ESC sequences to many terminals (0x9B is CSI): escaped when
 * UTF-8-encoded and as a raw byte outside UTF-8; a 0x9B inside a longer UTF-8 sequence (U+201B)
 * is text. */
static void test_c1_controls(void **state)
{
    (void)state;
    expect_shown("A\xc2\x9b"
                 "31m",
                 "A\\xc2\\x9b31m");
    expect_shown("A\x9b"
                 "31m\x85",
                 "A\\x9b31m\\x85");
    expect_shown("\xe2\x80\x9b \xc3\xa9 \xc2\xa0 \xf0\x9f\x98\x80",
                 "\xe2\x80\x9b \xc3\xa9 \xc2\xa0 \xf0\x9f\x98\x80");
    /* Not UTF-8 (a lone lead byte, an overlong C1): bytes from 0xA0 are kept as they were. */
    expect_shown("\xc2x \xe0\x82\x9b", "\xc2x \xe0\\x82\\x9b");
}

/* Cut short to fit, never inside an escape or a UTF-8 sequence. */
static void test_cut_short(void **state)
{
    (void)state;
    char buf[6];
    assert_string_equal(dfu_shown("ab\x1b", buf, sizeof(buf)), "ab");
    assert_string_equal(dfu_shown("abcd\xc3\xa9", buf, sizeof(buf)), "abcd");
    assert_string_equal(dfu_shown(NULL, buf, sizeof(buf)), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c0_and_del),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_cut_short),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
