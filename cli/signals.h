/* Ctrl-C and SIGTERM during an update: the first asks the library to stop at the next block
 * boundary (the device is left in dfuIDLE, the journal kept), or within 100 ms while the device
 * keeps it waiting (an erase, which the device finishes by itself); a second one exits at once. */
#ifndef DFUCTL_SIGNALS_H
#define DFUCTL_SIGNALS_H

#include <stdbool.h>

/* recover_command: what a second interrupt tells the user to run (NULL: nothing to finish). */
void cli_signals_install(const char *recover_command);
/* With --json: a second interrupt also ends stdout with the error object of README's "JSON
 * lines" table for command cmd (call before cli_signals_install). */
void cli_signals_json(const char *cmd);
/* While a device is opened (found, waited for, detached): the first interrupt ends the wait
 * (the library asks cli_interrupted through dfu_ctx_set_cancel). */
void cli_signals_install_waiting(void);
bool cli_interrupted(void);

#endif
