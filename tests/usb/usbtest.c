/* Running the usb tests under umockdev's preload, or saying why they are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbtest.h"

#if defined(__SANITIZE_ADDRESS__)
#define USBTEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USBTEST_ASAN 1
#endif
#endif

static const char *reason;

const char *usbtest_skip_reason(void)
{
    return reason;
}

const char *usbtest_init(char **argv)
{
#ifndef DFU_HAVE_UMOCKDEV
    (void)argv;
    reason = "built without umockdev (libumockdev-dev): the USB bridge is not available";
#else
#ifdef USBTEST_ASAN
    /* The ASan runtime insists on coming first in the library list, ahead of a preload. */
    const char *opts = getenv("ASAN_OPTIONS");
    if (!opts || !strstr(opts, "verify_asan_link_order=0")) {
        char *v = malloc((opts ? strlen(opts) : 0) + 40);
        sprintf(v, "%s%sverify_asan_link_order=0", opts ? opts : "", opts && *opts ? ":" : "");
        setenv("ASAN_OPTIONS", v, 1);
        free(v);
    }
#endif
    static char err[512];
    if (!sim_usb_reexec_under_preload(argv, err, sizeof(err))) reason = err;
#endif
    return reason;
}
