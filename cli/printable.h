/* Text from a file (a DfuSe target name) shown on a terminal: control characters escaped, so that
 * a crafted name can neither break the output's lines nor send escape sequences. */
#ifndef DFUCTL_PRINTABLE_H
#define DFUCTL_PRINTABLE_H

#include <stddef.h>

/* Copies s into buf (cap bytes, always terminated, cut short if need be) with bytes below 0x20,
 * 0x7f, '"' and '\\' written as C escapes (\n, \x1b, \", \\). Other bytes, UTF-8 included, are
 * kept. Returns buf. */
const char *cli_printable(const char *s, char *buf, size_t cap);

/* The same for a whole message that already quotes what it names (a library error or log line,
 * which may carry a device's strings or a file's target names): control characters escaped,
 * quotes and backslashes (Windows paths) kept, and so are the line breaks of the lists messages
 * hold ("\n  item"; the library escapes device strings it puts in them). */
const char *cli_printable_text(const char *s, char *buf, size_t cap);

#endif
