/* Text from a file (a DfuSe target name) shown on a terminal: control characters escaped, so that
 * a crafted name can neither break the output's lines nor send escape sequences. */
#ifndef DFUCTL_PRINTABLE_H
#define DFUCTL_PRINTABLE_H

#include <stddef.h>
#include <stdint.h>

/* Copies s into buf (cap bytes, always terminated, cut short if need be, never inside a UTF-8
 * sequence) with control characters, '"' and '\\' written as C escapes (\n, \x1b, \", \\).
 * Control characters are C0 (below 0x20), DEL and C1 (U+0080-U+009F): UTF-8-encoded, its two
 * bytes are escaped (\xc2\x9b), and so is a raw 0x80-0x9F byte outside UTF-8 (\x9b). Other bytes,
 * UTF-8 included, are kept. Returns buf. */
const char *cli_printable(const char *s, char *buf, size_t cap);

/* The same for a whole message that already quotes what it names (a library error or log line,
 * which may carry a device's strings or a file's target names): control characters escaped,
 * quotes and backslashes (Windows paths) kept, and so are the line breaks of the lists messages
 * hold ("\n  item"; the library escapes device strings it puts in them). */
const char *cli_printable_text(const char *s, char *buf, size_t cap);

/* The length of the valid UTF-8 sequence at s (a C string) with its code point in *cp; 0 when
 * the bytes there are not one (overlong forms, surrogates and values past U+10FFFF included). */
size_t cli_utf8_len(const char *s, uint32_t *cp);

#endif
