/* The one command that finishes an interrupted update, as dfuctl prints it after a failure or a
 * second Ctrl-C. */
#ifndef DFUCTL_RECOVER_HINT_H
#define DFUCTL_RECOVER_HINT_H

#include <stdbool.h>
#include <stddef.h>

#include <libdfu/device.h>

#include "output.h"

/* Room for a quoted selector or path of up to 4096 bytes, each byte a quote at worst. */
#define CLI_QUOTED_MAX (4 * 4096 + 3)
/* Room for the recover command with two of them. */
#define CLI_RECOVER_COMMAND_MAX (2 * CLI_QUOTED_MAX + 64)

/* s as one POSIX shell word: in single quotes, each ' as '\'' (paths with spaces or quotes
 * stay copy-paste runnable). Returns buf, or NULL (buf empty) when the word does not fit cap:
 * cut short, it would name another file or device. */
const char *cli_shell_quote(char *buf, size_t cap, const char *s);
/* "dfuctl recover -d 'SELECTOR' [--journal-dir 'DIR'] [--json]". An empty selector names the
 * device by its port path. When it does not fit cap (a selector or directory too long to quote
 * in CLI_QUOTED_MAX), buf says in words to run recover with the same options, and the result is
 * false. */
bool cli_recover_command(char *buf, size_t cap, dfu_device *dev, const char *selector,
                         const char *jdir_option, bool json);
/* After a failure of `cmd`: if a journal was kept, say where the device is (asking it: the
 * error alone does not tell) and the command that finishes the update. */
void cli_hint_recover(const cli_out *out, const char *cmd, dfu_device *dev, const char *jdir,
                      const char *jdir_option, const char *selector, int err);
/* After errVENDOR from a DfuSe device while reading: the STM32 ROM's read protection, and the
 * command that removes it (selector as given, or none). */
void cli_hint_read_protected(const cli_out *out, const char *selector);
/* Arms the second Ctrl-C's message with that command. */
void cli_signals_install_recover(dfu_device *dev, const char *selector, const char *jdir_option,
                                 bool json);

#endif
