/*
 * An abandoned control transfer (libusb_control.c) against a scripted libusb: when libusb
 * refuses to cancel it (anything but LIBUSB_ERROR_NOT_FOUND), it runs on to its timeout, and
 * the caller, who asked to stop, hears DFU_ERR_CANCELLED, not DFU_ERR_TIMEOUT; the cancel is
 * asked for again meanwhile.
 */
#include <libusb.h>
#include <string.h>

#include "testutil.h"

typedef struct fake_usb {
    struct libusb_transfer *x;
    unsigned refusals;   /* cancels refused before one is taken */
    unsigned cancels;    /* asked for */
    bool cancelling;     /* one was taken: the next event ends the transfer */
    unsigned events;     /* handled since the first cancel was asked for */
    unsigned timeout_at; /* ...when the transfer times out */
    unsigned questions;  /* the caller was asked whether to go on */
} fake_usb;

static fake_usb fk;

static int fake_submit(struct libusb_transfer *x)
{
    fk.x = x;
    return 0;
}

static int fake_cancel(struct libusb_transfer *x)
{
    (void)x;
    if (++fk.cancels <= fk.refusals) return LIBUSB_ERROR_OTHER;
    fk.cancelling = true;
    return 0;
}

static void finish(enum libusb_transfer_status status)
{
    fk.x->status = status;
    fk.x->actual_length = 0;
    fk.x->callback(fk.x);
}

static int fake_events(libusb_context *usb, struct timeval *tv, int *completed)
{
    (void)usb, (void)tv, (void)completed;
    if (fk.cancelling)
        finish(LIBUSB_TRANSFER_CANCELLED);
    else if (fk.cancels && ++fk.events >= fk.timeout_at)
        finish(LIBUSB_TRANSFER_TIMED_OUT);
    return 0;
}

#define libusb_submit_transfer                 fake_submit
#define libusb_cancel_transfer                 fake_cancel
#define libusb_handle_events_timeout_completed fake_events
#include "usb/libusb_control.c"

static int stop(void *arg)
{
    (void)arg;
    fk.questions++;
    return 1;
}

static int getstatus(void)
{
    dfu_usb_setup s = {0xA1, 3, 0, 0, 6};
    uint8_t st[6];
    return dfu_libusb_control(NULL, NULL, &s, st, 40000, stop, NULL);
}

static void test_a_refused_cancel_still_ends_cancelled(void **state)
{
    (void)state;
    /* Never taken: the transfer runs to its timeout, 5 events after the first cancel. */
    fk = (fake_usb){NULL, 1000, 0, false, 0, 5, 0};
    assert_int_equal(getstatus(), DFU_ERR_CANCELLED);
    assert_int_equal(fk.questions, 1);
    assert_int_equal(fk.cancels, 5); /* asked for again at every step */
}

static void test_a_cancel_taken_at_the_second_request(void **state)
{
    (void)state;
    /* Refused once, then taken; without the second request it would run to its timeout. */
    fk = (fake_usb){NULL, 1, 0, false, 0, 1000, 0};
    assert_int_equal(getstatus(), DFU_ERR_CANCELLED);
    assert_int_equal(fk.cancels, 2);
    assert_true(fk.events < 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_refused_cancel_still_ends_cancelled),
        cmocka_unit_test(test_a_cancel_taken_at_the_second_request),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
