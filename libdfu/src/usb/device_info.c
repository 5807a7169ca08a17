/* Copying and freeing device descriptions. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "transport.h"

void dfu_device_info_clear(dfu_device_info *info)
{
    if (!info) return;
    free(info->backend);
    free(info->manufacturer);
    free(info->product);
    free(info->serial);
    free(info->path);
    for (size_t i = 0; i < info->alt_count; i++) free(info->alts[i].name);
    free(info->alts);
    memset(info, 0, sizeof(*info));
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (!src) return DFU_OK;
    *dst = dfu_strdup(src);
    return *dst ? DFU_OK : DFU_ERR_NOMEM;
}

int dfu_device_info_copy(dfu_device_info *dst, const dfu_device_info *src)
{
    *dst = *src;
    dst->backend = dst->manufacturer = dst->product = dst->serial = dst->path = NULL;
    dst->alts = NULL;
    dst->alt_count = 0;
    int rc = dup_str(&dst->backend, src->backend);
    if (!rc) rc = dup_str(&dst->manufacturer, src->manufacturer);
    if (!rc) rc = dup_str(&dst->product, src->product);
    if (!rc) rc = dup_str(&dst->serial, src->serial);
    if (!rc) rc = dup_str(&dst->path, src->path);
    if (!rc && src->alt_count) {
        dst->alts = calloc(src->alt_count, sizeof(*dst->alts));
        if (!dst->alts) rc = DFU_ERR_NOMEM;
        for (size_t i = 0; !rc && i < src->alt_count; i++) {
            dst->alts[i] = src->alts[i];
            rc = dup_str(&dst->alts[i].name, src->alts[i].name);
            dst->alt_count = i + 1;
        }
    }
    if (rc) dfu_device_info_clear(dst);
    return rc;
}

void dfu_device_info_list_free(dfu_device_info *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++) dfu_device_info_clear(&list[i]);
    free(list);
}
