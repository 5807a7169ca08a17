/* Ctrl-C and SIGTERM during an update: the first asks the library to stop at the next block
 * boundary (the device is left in dfuIDLE, the journal kept); a second one exits at once. */
#ifndef DFUCTL_SIGNALS_H
#define DFUCTL_SIGNALS_H

#include <stdbool.h>

/* recover_command: what a second interrupt tells the user to run (NULL: nothing to finish). */
void cli_signals_install(const char *recover_command);
bool cli_interrupted(void);

#endif
