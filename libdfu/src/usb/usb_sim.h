/*
 * The "sim" backend: the transport contract of transport.h over in-process simulated devices.
 * Enumeration reads each device's descriptors and strings the way a host does and parses them
 * with the host-side parser (proto/descriptor.c), so a descriptor bug shows up here as it would
 * on a real board. Time is a virtual clock (a sleep or a busy device advances it, no real
 * waiting) unless a spec says "realtime", in which case the wall clock is used and waits are real.
 */
#ifndef DFU_USB_SIM_H
#define DFU_USB_SIM_H

#include <stddef.h>
#include "libdfu/sim.h"
#include "transport.h"

/* One device per spec string (see sim.h). */
int dfu_backend_sim_new(dfu_backend **out, dfu_ctx *ctx, const char *const *specs, size_t count);
/* The device behind spec number index, for tests to inspect; NULL when out of range. */
dfu_sim *dfu_backend_sim_device(dfu_backend *b, size_t index);

#endif
