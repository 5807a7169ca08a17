/*
 * The wall clock's sleep against a nanosleep that fails: an interruption (EINTR) sleeps what is
 * left, any other failure gives up instead of retrying the same failing call forever. This
 * program's nanosleep stands in for the C library's: libdfu is linked statically into it.
 */
#include <errno.h>
#include <time.h>

#include "testutil.h"
#include "usb/transport.h"

#ifndef _WIN32
static int fail_with; /* errno of the first call; 0: succeed */
static unsigned calls;
static struct timespec asked[2];

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (calls < 2) asked[calls] = *req;
    /* Only the first call fails: a sleep that retried a hard failure forever ends at the
     * second here, and the count tells. */
    if (++calls > 1 || !fail_with) return 0;
    if (rem) *rem = (struct timespec){0, 250000000}; /* a quarter of a second left */
    errno = fail_with;
    return -1;
}

static void sleep_with(int first_errno)
{
    calls = 0;
    fail_with = first_errno;
    dfu_clock *c = dfu_clock_wall();
    dfu_clock_sleep(c, 1500000); /* 1.5 s */
}

static void test_an_interrupted_sleep_sleeps_the_rest(void **state)
{
    (void)state;
    sleep_with(EINTR);
    assert_int_equal(calls, 2);
    assert_int_equal(asked[0].tv_sec, 1);
    assert_int_equal(asked[0].tv_nsec, 500000000);
    assert_int_equal(asked[1].tv_sec, 0);
    assert_int_equal(asked[1].tv_nsec, 250000000);
}

static void test_a_failing_sleep_is_not_retried_forever(void **state)
{
    (void)state;
    sleep_with(EINVAL);
    assert_int_equal(calls, 1);
}
#endif

int main(void)
{
#ifdef _WIN32
    tu_note_skip(
        "the sleep tested is nanosleep(), replaced here; Windows builds sleep with Sleep()");
    return tu_exit_status(0);
#else
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_interrupted_sleep_sleeps_the_rest),
        cmocka_unit_test(test_a_failing_sleep_is_not_retried_forever),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
#endif
}
