/*
 * Quirk tables are text a user passes (--quirks FILE, dfu_open_options.quirks). Applied for a
 * few devices, a table must give every device the same verdict (keys of lines for other devices
 * are checked too, so a typo never hides), an error must name source:line with a line the text
 * has, and what is applied must be within the ranges the keys allow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "proto/quirks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint16_t vid, pid, bcd;
} devices[] = {
    {0x0483, 0xdf11, 0x2200}, /* ST system bootloader */
    {0x28e9, 0x0189, 0x0100}, /* GD32VF103 */
    {0x1209, 0xdb42, 0x0000}, /* dapboot */
    {0xcafe, 0x4000, 0xffff}, /* TinyUSB */
};

#define SOURCE "fuzz.quirks"

static unsigned line_count(const char *text)
{
    unsigned n = 1;
    for (const char *p = text; *p; p++)
        if (*p == '\n') n++;
    return n;
}

static void check_applied(const dfu_quirks *q)
{
    if (memchr(q->names, '\0', sizeof(q->names)) == NULL) abort();
    if (q->ram_end || q->ram_start)
        if (q->ram_end <= q->ram_start) abort();
    if (!q->has_app_base && q->app_base) abort();
    /* The names record what was applied: nothing applied, nothing named. */
    dfu_quirks none;
    memset(&none, 0, sizeof(none));
    if (!q->names[0] && memcmp(q, &none, sizeof(none)) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) {
        free(text);
        return 0;
    }
    int first_rc = 0;
    char first_message[DFU_ERROR_MESSAGE_MAX] = "";
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        dfu_quirks q;
        memset(&q, 0, sizeof(q));
        dfu_ctx_clear_error(ctx);
        int rc =
            dfu_quirks_apply(ctx, text, SOURCE, devices[i].vid, devices[i].pid, devices[i].bcd, &q);
        const dfu_error_info *e = dfu_ctx_error(ctx);
        if (i == 0) {
            first_rc = rc;
            snprintf(first_message, sizeof(first_message), "%s", e->message);
        } else if (rc != first_rc || strcmp(first_message, e->message) != 0) {
            fprintf(stderr, "device %zu: %d \"%s\"; device 0: %d \"%s\"\n", i, rc, e->message,
                    first_rc, first_message);
            abort();
        }
        if (rc == DFU_OK) {
            check_applied(&q);
            continue;
        }
        unsigned line = 0;
        if (rc != DFU_ERR_ARG || e->code != rc || sscanf(e->message, SOURCE ":%u: ", &line) != 1 ||
            line < 1 || line > line_count(text)) {
            fprintf(stderr, "error %d without source:line: %s\n", rc, e->message);
            abort();
        }
    }
    dfu_ctx_free(ctx);
    free(text);
    return 0;
}
