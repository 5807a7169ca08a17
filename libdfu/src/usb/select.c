/* Resolving a selector to exactly one device, and following a device by its port path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "select.h"

void dfu_device_describe(const dfu_device_info *info, char *buf, size_t cap)
{
    char serial[96] = "no serial", shown[80];
    if (info->serial)
        snprintf(serial, sizeof(serial), "serial=%s",
                 dfu_shown(info->serial, shown, sizeof(shown)));
    snprintf(buf, cap, "path=%s %04x:%04x %s (%s mode, device %u)", info->path ? info->path : "?",
             info->vid, info->pid, serial, info->mode == DFU_MODE_RUNTIME ? "run-time" : "DFU",
             info->address);
}

int dfu_select_matches(const dfu_device_info *list, size_t count, const dfu_selector *sel,
                       size_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    if (!count) return DFU_OK;
    *idx = malloc(count * sizeof(**idx));
    if (!*idx) return DFU_ERR_NOMEM;
    for (size_t i = 0; i < count; i++)
        if (dfu_selector_match(sel, &list[i])) (*idx)[(*n)++] = i;
    return DFU_OK;
}

/* Appends "\n  <description>" for each listed device while it fits. */
static void list_devices(char *msg, size_t cap, const dfu_device_info *list, const size_t *idx,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char line[256];
        size_t len = strlen(msg);
        dfu_device_describe(&list[idx ? idx[i] : i], line, sizeof(line));
        if (len + strlen(line) + 40 >= cap) {
            snprintf(msg + len, cap - len, "\n  ... and %zu more", n - i);
            return;
        }
        snprintf(msg + len, cap - len, "\n  %s", line);
    }
}

static int none_found(dfu_ctx *ctx, const dfu_selector *sel, const dfu_device_info *list,
                      size_t count)
{
    char msg[DFU_ERROR_MESSAGE_MAX];
    const char *text = dfu_selector_text(sel);
    if (!count)
        return dfu_err(ctx, DFU_ERR_NO_DEVICE,
                       "no DFU device found%s%s%s (is it plugged in, and in DFU or run-time mode?)",
                       *text ? " matching \"" : "", text, *text ? "\"" : "");
    snprintf(msg, sizeof(msg), "no DFU device matches \"%s\"; %zu DFU device%s seen:", text, count,
             count == 1 ? "" : "s");
    list_devices(msg, sizeof(msg), list, NULL, count);
    return dfu_err(ctx, DFU_ERR_NO_DEVICE, "%s", msg);
}

static int several_found(dfu_ctx *ctx, const dfu_selector *sel, const dfu_device_info *list,
                         const size_t *idx, size_t n)
{
    char msg[DFU_ERROR_MESSAGE_MAX];
    const char *text = dfu_selector_text(sel);
    snprintf(msg, sizeof(msg), "%zu DFU devices match \"%s\"; pick one, e.g. with path=:", n,
             *text ? text : "(any)");
    list_devices(msg, sizeof(msg), list, idx, n);
    return dfu_err(ctx, DFU_ERR_AMBIGUOUS, "%s", msg);
}

int dfu_select_one(dfu_backend *b, dfu_ctx *ctx, const dfu_selector *sel, dfu_device_info *out)
{
    dfu_device_info *list;
    size_t count, *idx, n;
    int rc = b->ops->enumerate(b, ctx, &list, &count);
    if (rc) return rc;
    rc = dfu_select_matches(list, count, sel, &idx, &n);
    if (rc)
        rc = dfu_err(ctx, rc, "out of memory selecting a device");
    else if (n == 0)
        rc = none_found(ctx, sel, list, count);
    else if (n > 1)
        rc = several_found(ctx, sel, list, idx, n);
    else
        rc = dfu_device_info_copy(out, &list[idx[0]]);
    free(idx);
    dfu_device_info_list_free(list, count);
    return rc;
}

bool dfu_match_path_dfu_mode(const dfu_device_info *info, void *arg)
{
    const char *path = arg;
    return info->mode == DFU_MODE_DFU && info->path && path && !strcmp(info->path, path);
}

bool dfu_match_selector(const dfu_device_info *info, void *arg)
{
    return dfu_selector_match(arg, info);
}
