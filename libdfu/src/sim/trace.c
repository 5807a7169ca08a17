/* One line per event, prefixed with the device time, for tests and debugging. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "sim_internal.h"

bool dfu_simi_tracing(const dfu_sim *s)
{
    return s->trace_cb != NULL;
}

void dfu_simi_trace(dfu_sim *s, const char *fmt, ...)
{
    if (!s->trace_cb) return;
    char line[512];
    /* Caller's time scale, so a trace lines up with the host's own clock. */
    uint64_t t = s->ps.t_now - s->t_offset;
    int n = snprintf(line, sizeof(line), "%6" PRIu64 ".%06" PRIu64 " ", t / 1000000, t % 1000000);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    s->trace_cb(line, s->trace_payload);
}

void dfu_sim_set_trace(dfu_sim *sim, dfu_sim_trace_cb cb, void *payload)
{
    if (!sim) return;
    sim->trace_cb = cb;
    sim->trace_payload = payload;
}
