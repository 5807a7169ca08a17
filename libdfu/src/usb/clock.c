/* The wall clock and the virtual clock. */
#include <errno.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "transport.h"

static uint64_t wall_now(dfu_clock *c)
{
    (void)c;
#ifdef _WIN32
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (uint64_t)(now.QuadPart / freq.QuadPart * 1000000 +
                      now.QuadPart % freq.QuadPart * 1000000 / freq.QuadPart);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
#endif
}

static void wall_sleep(dfu_clock *c, uint64_t us)
{
    (void)c;
#ifdef _WIN32
    Sleep((DWORD)((us + 999) / 1000));
#else
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000};
    /* A signal cuts a sleep short: sleep the rest. Any other failure (EINVAL for a time the
     * system cannot represent) would fail the same way forever: give up, and let the caller's
     * deadline (every wait keeps one on this clock) decide. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
#endif
}

dfu_clock *dfu_clock_wall(void)
{
    static dfu_clock wall = {wall_now, wall_sleep};
    return &wall;
}

static uint64_t virtual_now(dfu_clock *c)
{
    return ((dfu_virtual_clock *)c)->now;
}

static void virtual_sleep(dfu_clock *c, uint64_t us)
{
    ((dfu_virtual_clock *)c)->now += us;
}

void dfu_virtual_clock_init(dfu_virtual_clock *c)
{
    c->base.now_us = virtual_now;
    c->base.sleep_us = virtual_sleep;
    c->now = 0;
}
