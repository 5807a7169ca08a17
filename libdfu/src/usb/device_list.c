/* dfu_device_list(): every DFU device a selector matches, through the backend it implies. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "select.h"
#ifdef DFU_HAVE_LIBUSB
#include "usb_libusb.h"
#endif
#include "usb_sim.h"

int dfu_backend_for_selector(dfu_backend **out, dfu_ctx *ctx, const dfu_selector *sel)
{
    const char *spec = dfu_selector_sim_spec(sel);
    if (spec) return dfu_backend_sim_new(out, ctx, &spec, 1);
#ifdef DFU_HAVE_LIBUSB
    return dfu_backend_libusb_new(out, ctx);
#else
    (void)out;
    return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                   "this libdfu was built without libusb: only simulated devices (sim:) work");
#endif
}

static int filter(dfu_device_info *list, size_t *count, const dfu_selector *sel)
{
    size_t *idx, n;
    int rc = dfu_select_matches(list, *count, sel, &idx, &n);
    if (rc) return rc;
    size_t keep = 0;
    for (size_t i = 0, j = 0; i < *count; i++) {
        if (j < n && idx[j] == i) {
            list[keep++] = list[i];
            j++;
        } else {
            dfu_device_info_clear(&list[i]);
        }
    }
    *count = keep;
    free(idx);
    return DFU_OK;
}

/* Port paths in natural order ("1-2" before "1-10"), so listings are stable. */
static int path_cmp(const void *a, const void *b)
{
    const char *p = ((const dfu_device_info *)a)->path, *q = ((const dfu_device_info *)b)->path;
    if (!p || !q) return (p != NULL) - (q != NULL);
    while (*p && *q) {
        if (isdigit((unsigned char)*p) && isdigit((unsigned char)*q)) {
            unsigned long x = 0, y = 0;
            for (; isdigit((unsigned char)*p); p++) x = x * 10 + (unsigned long)(*p - '0');
            for (; isdigit((unsigned char)*q); q++) y = y * 10 + (unsigned long)(*q - '0');
            if (x != y) return x < y ? -1 : 1;
        } else if (*p != *q) {
            return (unsigned char)*p - (unsigned char)*q;
        } else {
            p++, q++;
        }
    }
    return (unsigned char)*p - (unsigned char)*q;
}

int dfu_device_list(dfu_device_info **out, size_t *count, dfu_ctx *ctx, const char *selector)
{
    if (!out || !count) return dfu_err(ctx, DFU_ERR_ARG, "dfu_device_list: NULL output");
    *out = NULL;
    *count = 0;
    dfu_selector *sel;
    dfu_backend *b;
    int rc = dfu_selector_parse(&sel, ctx, selector);
    if (rc) return rc;
    rc = dfu_backend_for_selector(&b, ctx, sel);
    if (!rc) {
        rc = b->ops->enumerate(b, ctx, out, count);
        b->ops->free(b);
    }
    if (!rc && (rc = filter(*out, count, sel))) rc = dfu_err(ctx, rc, "out of memory");
    if (!rc && *count > 1) qsort(*out, *count, sizeof(**out), path_cmp);
    if (rc) {
        dfu_device_info_list_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    dfu_selector_free(sel);
    return rc;
}

void dfu_device_list_free(dfu_device_info *list, size_t count)
{
    dfu_device_info_list_free(list, count);
}
