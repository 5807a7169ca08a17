/* File-system questions the commands ask before touching a user's files. */
#ifndef DFUCTL_FILES_H
#define DFUCTL_FILES_H

#include <stdbool.h>

/* True when both paths name the same existing file (hard links and "./x" vs "x" included). */
bool cli_same_file(const char *a, const char *b);
/* True when path names an existing file (what "refuse to overwrite" checks first). */
bool cli_file_exists(const char *path);
/* Why a file could not be written at path, before any work is done for it: it is empty or "-"
 * (standard output, which dfuctl does not write), it exists and is not a regular file (a directory,
 * a device, a FIFO, or a symbolic link to one), or its directory is missing or not one. False (why
 * untouched) when nothing is known wrong; the write itself still reports what only it can
 * find. */
bool cli_cannot_write(const char *path, char *why, size_t cap);

#endif
