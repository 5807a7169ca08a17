/* Where dfuctl keeps recovery journals, and how to reach a journal's device again. */
#ifndef DFUCTL_JOURNAL_DIR_H
#define DFUCTL_JOURNAL_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* --journal-dir, else $DFU_JOURNAL_DIR, else the platform's state directory:
 * $XDG_STATE_HOME/libdfu or ~/.local/state/libdfu, ~/Library/Application Support/libdfu on
 * macOS, %LOCALAPPDATA%\libdfu on Windows. */
void cli_journal_dir(const char *option, char *buf, size_t cap);
/* The selector a later `dfuctl recover` should use: the one given, without the simulator's
 * fault and seed options (a recovery must not inject the fault again). */
void cli_recover_selector(const char *selector, char *buf, size_t cap);
/* The image's path as the journal records it: absolute, so that it still names the file from
 * another directory (path itself when that cannot be had). */
const char *cli_journal_image_path(const char *path, char *buf, size_t cap);

#endif
