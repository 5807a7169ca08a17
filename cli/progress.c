/* Progress reporting and the cancellation check. */
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#else
#include <unistd.h>
#endif

#include "progress.h"
#include "signals.h"

void cli_progress_init(cli_progress *p, const cli_out *out)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->tty = isatty(fileno(stderr)) != 0;
    p->last_phase = -1;
    p->last_percent = -1;
    p->completed_phase = -1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->bar_open) fputc('\n', stderr);
    p->bar_open = false;
}

static int percent(uint64_t done, uint64_t total)
{
    return total ? (int)(done * 100 / total) : 100;
}

static void json_event(const dfu_progress *ev)
{
    json_w w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_string(&w, "type", "progress");
    jw_string(&w, "phase", dfu_phase_name(ev->phase));
    jw_uint(&w, "done", ev->done);
    jw_uint(&w, "total", ev->total);
    jw_uint(&w, "overall_done", ev->overall_done);
    jw_uint(&w, "overall_total", ev->overall_total);
    jw_uint(&w, "step", ev->step);
    jw_uint(&w, "steps", ev->steps);
    jw_uint(&w, "address", ev->address);
    jw_string(&w, "device", ev->device);
    jw_end(&w);
    jw_finish(&w);
}

/* Of unknown size (total 0: a DFU 1.1 read), progress is the bytes so far: a mark each 64 KiB
 * stands in for the percent. */
#define UNKNOWN_STEP (64u * 1024u)

static int mark(const dfu_progress *ev)
{
    return ev->overall_total ? percent(ev->overall_done, ev->overall_total)
                             : -2 - (int)(ev->overall_done / UNKNOWN_STEP);
}

static void bar(cli_progress *p, const dfu_progress *ev)
{
    if (!ev->overall_total) {
        fprintf(stderr, "\r%-7s %llu bytes so far  0x%08x", dfu_phase_name(ev->phase),
                (unsigned long long)ev->overall_done, ev->address);
        fflush(stderr);
        p->bar_open = true;
        return;
    }
    int pct = percent(ev->overall_done, ev->overall_total);
    int width = 30, filled = pct * width / 100;
    char b[64];
    memset(b, '#', (size_t)filled);
    memset(b + filled, '.', (size_t)(width - filled));
    b[width] = '\0';
    fprintf(stderr, "\r%-7s [%s] %3d%%  %llu/%llu bytes  0x%08x", dfu_phase_name(ev->phase), b, pct,
            (unsigned long long)ev->overall_done, (unsigned long long)ev->overall_total,
            ev->address);
    fflush(stderr);
    p->bar_open = true;
}

int cli_progress_cb(const dfu_progress *event, void *payload)
{
    cli_progress *p = payload;
    /* A read before the plan's steps (a recover comparing what the board holds) moves its phase
     * only: shown by its own count, so it does not sit at 0% of the update. */
    dfu_progress shown = *event;
    if (event->phase == DFU_PHASE_READ) {
        shown.overall_done = event->done;
        shown.overall_total = event->total;
    }
    const dfu_progress *ev = &shown;
    if (p->out->common.json && p->out->common.quiet) {
        /* --json -q: the plan, result and error objects only. */
    } else if (p->out->common.json) {
        /* One line per phase change and per percent of the whole: enough for a UI, never a
         * flood. */
        int pct = mark(ev);
        /* A phase's completion is always shown, once, even within a percent of the whole. */
        bool completes =
            event->total && event->done == event->total && p->completed_phase != (int)event->phase;
        if ((int)ev->phase != p->last_phase || pct != p->last_percent || completes) {
            json_event(event);
            if (event->total && event->done == event->total) p->completed_phase = (int)event->phase;
        }
        p->last_percent = pct;
    } else if (!p->out->common.quiet) {
        if (p->tty) {
            bar(p, ev);
        } else {
            /* Plain lines for logs: each phase once, then every quarter of the whole update. */
            int quarter = ev->overall_total ? mark(ev) / 25 : mark(ev);
            bool new_phase = (int)ev->phase != p->last_phase;
            if ((new_phase || quarter != p->last_percent) && !ev->overall_total)
                fprintf(stderr, "%s: %llu bytes so far\n", dfu_phase_name(ev->phase),
                        (unsigned long long)ev->overall_done);
            else if (new_phase || quarter != p->last_percent)
                fprintf(stderr, "%s: %d%% done (%llu of %llu bytes)\n", dfu_phase_name(ev->phase),
                        percent(ev->overall_done, ev->overall_total),
                        (unsigned long long)ev->overall_done,
                        (unsigned long long)ev->overall_total);
            p->last_percent = quarter;
        }
    }
    p->last_phase = (int)ev->phase;
    return cli_interrupted() ? 1 : 0;
}
