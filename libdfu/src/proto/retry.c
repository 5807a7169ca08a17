/* One retry policy for updates and single operations. */
#include <stdio.h>

#include "../core/internal.h"
#include "retry.h"

bool dfu_transient(const dfu_device *d, int rc)
{
    if (d->gone) return false;
    if (rc == DFU_ERR_TIMEOUT || rc == DFU_ERR_STALL || rc == DFU_ERR_USB || rc == DFU_ERR_PROTOCOL)
        return true;
    if (rc != DFU_ERR_DEVICE) return false;
    int status = dfu_ctx_error(d->ctx)->dfu_status;
    return status != DFU_STATUS_ERR_VENDOR && status != DFU_STATUS_ERR_TARGET &&
           status != DFU_STATUS_ERR_ADDRESS;
}

int dfu_retry_idle(dfu_device *d, dfu_retry *r)
{
    char failed[DFU_ERROR_MESSAGE_MAX / 2];
    snprintf(failed, sizeof(failed), "%s", dfu_ctx_error(d->ctx)->message);
    int rc = dfu_make_idle(d);
    if (!rc) return DFU_OK;
    r->idle_failed = true;
    return dfu_err_prefix(d->ctx, rc, "%s; then, bringing the device back to dfuIDLE", failed);
}

void dfu_settle(dfu_device *d, const dfu_retry *r)
{
    if (d->gone || r->idle_failed) return;
    dfu_err_saved failure;
    dfu_err_save(d->ctx, &failure);
    if (dfu_make_idle(d))
        dfu_warn(d->ctx, "the device could not be brought back to dfuIDLE: %s",
                 dfu_ctx_error(d->ctx)->message);
    dfu_err_restore(d->ctx, &failure);
}

bool dfu_retry_again(dfu_device *d, dfu_retry *r, int *rc, unsigned attempt, const char *what)
{
    if (!*rc || attempt > r->limit || !dfu_transient(d, *rc)) return false;
    r->used++;
    dfu_warn(d->ctx, "%s failed: %s; retrying (%u of %u)", what, dfu_ctx_error(d->ctx)->message,
             attempt, r->limit);
    *rc = dfu_retry_idle(d, r);
    return *rc == DFU_OK;
}

int dfu_dfuse_erase_retrying(dfu_device *d, dfu_retry *r, uint32_t address, uint32_t size)
{
    char what[48];
    snprintf(what, sizeof(what), "erasing 0x%08x", address);
    int rc;
    for (unsigned attempt = 1;; attempt++) {
        rc = dfu_dfuse_erase_page(d, address, size);
        if (!dfu_retry_again(d, r, &rc, attempt, what)) return rc;
    }
}

int dfu_dfuse_mass_erase_retrying(dfu_device *d, dfu_retry *r)
{
    int rc;
    for (unsigned attempt = 1;; attempt++) {
        rc = dfu_dfuse_mass_erase(d);
        if (!dfu_retry_again(d, r, &rc, attempt, "mass erase")) return rc;
    }
}

int dfu_dfuse_read_retrying(dfu_device *d, dfu_retry *r, uint32_t address, uint8_t *buf, size_t len)
{
    char what[48];
    snprintf(what, sizeof(what), "reading 0x%08x", address);
    int rc;
    for (unsigned attempt = 1;; attempt++) {
        rc = dfu_dfuse_read(d, address, buf, len);
        if (!dfu_retry_again(d, r, &rc, attempt, what)) return rc;
    }
}
