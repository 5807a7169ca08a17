/* Ctrl-C and SIGTERM during an update: the first asks the library to stop at the next block
 * boundary (the device is left in dfuIDLE, the journal kept); a second one exits at once. */
#ifndef DFUCTL_SIGNALS_H
#define DFUCTL_SIGNALS_H

#include <stdbool.h>

void cli_signals_install(void);
bool cli_interrupted(void);

#endif
