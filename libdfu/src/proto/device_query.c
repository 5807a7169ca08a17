/* What an open device is and can do, and the small requests on it. */
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"
#include "../usb/usb_sim.h"
#include "libdfu/sim.h"
#include "proto.h"

const dfu_device_info *dfu_device_get_info(const dfu_device *dev)
{
    return &dev->info;
}

int dfu_device_alt(const dfu_device *dev)
{
    return dev->alt;
}

bool dfu_device_is_dfuse(const dfu_device *dev)
{
    return dev->dfuse;
}

bool dfu_device_can_upload(const dfu_device *dev)
{
    return dev->can_upload;
}

unsigned dfu_device_transfer_size(const dfu_device *dev)
{
    return dev->transfer_size;
}

bool dfu_device_detached(const dfu_device *dev, uint16_t *runtime_vid, uint16_t *runtime_pid)
{
    if (dev->detached && runtime_vid) *runtime_vid = dev->runtime_vid;
    if (dev->detached && runtime_pid) *runtime_pid = dev->runtime_pid;
    return dev->detached;
}

const char *dfu_device_quirks(const dfu_device *dev)
{
    return dev->quirks.names;
}

bool dfu_device_app_base(const dfu_device *dev, uint32_t *out)
{
    if (dev->quirks.has_app_base && out) *out = dev->quirks.app_base;
    return dev->quirks.has_app_base;
}

bool dfu_device_gone(const dfu_device *dev)
{
    return dev->gone;
}

const dfu_layout *dfu_device_layout(const dfu_device *dev, int alt)
{
    for (size_t i = 0; i < dev->info.alt_count; i++)
        if (dev->info.alts[i].alt == alt) return dev->layouts[i];
    return NULL;
}

const char *dfu_alt_list(const dfu_device *d, char *buf, size_t cap)
{
    char name[128];
    buf[0] = '\0';
    for (size_t i = 0; i < d->info.alt_count; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%u \"%s\"", i ? ", " : "", d->info.alts[i].alt,
                 dfu_shown(d->layouts[i] ? d->layouts[i]->name : d->info.alts[i].name, name,
                           sizeof(name)));
    }
    return buf;
}

int dfu_err_no_alt(dfu_device *d, int alt)
{
    char have[512];
    return dfu_err(d->ctx, DFU_ERR_ARG, "%s has no alternate setting %d (it has: %s)", d->info.path,
                   alt, dfu_alt_list(d, have, sizeof(have)));
}

int dfu_device_set_alt(dfu_device *dev, int alt)
{
    for (size_t i = 0; i < dev->info.alt_count; i++) {
        const dfu_alt_info *a = &dev->info.alts[i];
        if (a->alt != alt) continue;
        if (a->alt == dev->alt && a->iface == dev->iface) return DFU_OK;
        int rc = dfu_req_ready(dev); /* not a class request, but a request all the same */
        if (rc) return rc;
        rc = dev->t->ops->set_alt(dev->t, a->iface, a->alt);
        if (rc)
            return dfu_err(dev->ctx, rc, "%s: selecting alternate setting %d failed (%s)",
                           dev->info.path, alt, dfu_error_name(rc));
        dev->iface = a->iface;
        dev->alt = a->alt;
        return DFU_OK;
    }
    return dfu_err_no_alt(dev, alt);
}

dfu_sim *dfu_device_sim(dfu_device *dev)
{
    if (!dev->backend || strcmp(dev->backend->ops->name, "sim") != 0) return NULL;
    return dfu_backend_sim_device(dev->backend, 0);
}

int dfu_device_get_status(dfu_device *dev, int *state, int *status)
{
    dfu_status_reply st;
    int rc = dfu_req_getstatus(dev, &st, DFU_CONTROL_TIMEOUT_MS);
    if (rc) return rc;
    if (state) *state = st.state;
    if (status) *status = st.status;
    return DFU_OK;
}

int dfu_device_reset(dfu_device *dev)
{
    int rc = dev->t->ops->reset(dev->t);
    dev->gone = true;
    if (rc && rc != DFU_ERR_DISCONNECTED)
        return dfu_err(dev->ctx, rc, "%s: USB reset failed (%s)", dev->info.path,
                       dfu_error_name(rc));
    return DFU_OK;
}

void dfu_device_get_stats(const dfu_device *dev, dfu_device_stats *out)
{
    out->control = dev->stats.control;
    out->dnload = dev->stats.dnload;
    out->upload = dev->stats.upload;
    out->getstatus = dev->stats.getstatus;
    out->set_address = dev->stats.set_address;
    out->erase = dev->stats.erase;
    out->slept_us = dev->stats.slept_us;
}
