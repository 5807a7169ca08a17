/* libusb failures become libdfu errors whose messages name the device and say what to do. */
#include <string.h>

#include "testutil.h"
#include "usb/libusb_internal.h"

static dfu_device_info info(void)
{
    dfu_device_info d;
    memset(&d, 0, sizeof(d));
    d.vid = 0x0483;
    d.pid = 0xdf11;
    d.path = (char *)"1-1.4";
    d.bus = 1;
    d.address = 9;
    return d;
}

static void expect(int libusb_err, int code, const char *needle)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_device_info d = info();
    assert_int_equal(dfu_libusb_err(ctx, libusb_err, &d, "open"), code);
    const char *msg = dfu_ctx_error(ctx)->message;
    if (!strstr(msg, "open 0483:df11 at 1-1.4 (bus 1, device 9)") || !strstr(msg, needle))
        fail_msg("message \"%s\" lacks the device or \"%s\"", msg, needle);
    dfu_ctx_free(ctx);
}

static void test_codes(void **state)
{
    (void)state;
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_PIPE), DFU_ERR_STALL);
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_TIMEOUT), DFU_ERR_TIMEOUT);
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_NO_DEVICE), DFU_ERR_DISCONNECTED);
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_IO), DFU_ERR_USB);
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_ACCESS), DFU_ERR_ACCESS);
    assert_int_equal(dfu_libusb_code(LIBUSB_ERROR_BUSY), DFU_ERR_BUSY);
}

/* On Linux the fix for "permission denied" is the udev rule: the message names it. */
static void test_permission_names_udev_rule(void **state)
{
    (void)state;
#ifdef __linux__
    expect(LIBUSB_ERROR_ACCESS, DFU_ERR_ACCESS, "70-libdfu.rules");
    expect(LIBUSB_ERROR_ACCESS, DFU_ERR_ACCESS, "udevadm control --reload");
#else
    expect(LIBUSB_ERROR_ACCESS, DFU_ERR_ACCESS, "LIBUSB_ERROR_ACCESS");
#endif
}

static void test_busy_disconnected_timeout_stall(void **state)
{
    (void)state;
    expect(LIBUSB_ERROR_BUSY, DFU_ERR_BUSY, "held by another driver or program");
    expect(LIBUSB_ERROR_NO_DEVICE, DFU_ERR_DISCONNECTED, "disappeared");
    expect(LIBUSB_ERROR_TIMEOUT, DFU_ERR_TIMEOUT, "did not answer in time");
    expect(LIBUSB_ERROR_PIPE, DFU_ERR_STALL, "stalled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_permission_names_udev_rule),
        cmocka_unit_test(test_busy_disconnected_timeout_stall),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
