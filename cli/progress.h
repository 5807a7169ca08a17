/* Progress for people and scripts: a bar on a terminal, plain lines otherwise, JSON lines with
 * --json, nothing with --quiet. Also where Ctrl-C turns into a cancellation. */
#ifndef DFUCTL_PROGRESS_H
#define DFUCTL_PROGRESS_H

#include "output.h"

typedef struct cli_progress {
    const cli_out *out;
    bool tty;
    int last_phase;
    int last_percent;
    int completed_phase; /* the last phase whose completion (done == total) was printed */
    bool bar_open;
} cli_progress;

void cli_progress_init(cli_progress *p, const cli_out *out);
/* dfu_progress_cb: returns non-zero after Ctrl-C or SIGTERM (see signals.h). */
int cli_progress_cb(const dfu_progress *ev, void *payload);
/* Ends an open progress bar line. */
void cli_progress_end(cli_progress *p);

#endif
