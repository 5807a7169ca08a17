/*
 * Shared by the usb tests: running under umockdev's preload, and skipping (with a printed
 * reason, never silently) where the bridge cannot run: no umockdev in this build, or a sanitizer
 * runtime that refuses a preloaded library.
 */
#ifndef DFU_TEST_USBTEST_H
#define DFU_TEST_USBTEST_H

#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"
#ifdef DFU_HAVE_UMOCKDEV
#include "bridge.h"
#else
/* Never run: every test skips first (usbtest_init says why). */
#define DFU_SIM_USB_PATH "dfu-sim-usb"
#endif

/* First thing in main(): re-executes the test under the preload when it can. Returns NULL when
 * the bridge is usable, else why not. */
const char *usbtest_init(char **argv);
/* The reason given by usbtest_init(), NULL when usable. */
const char *usbtest_skip_reason(void);

/* Skips the current test when the bridge is unusable, or when program is not installed. */
#define USBTEST_REQUIRE(program)                                                                   \
    do {                                                                                           \
        if (usbtest_skip_reason()) TU_SKIP("%s", usbtest_skip_reason());                           \
        if ((program) && !tu_have_program(program))                                                \
            TU_SKIP("%s is not installed (Debian: apt-get install %s)", (const char *)(program),   \
                    (const char *)(program));                                                      \
    } while (0)

#endif
