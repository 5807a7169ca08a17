/* File-system questions the commands ask before touching a user's files. */
#include <sys/stat.h>

#include "files.h"

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return false;
#ifdef _WIN32
    return false; /* st_ino is 0 on Windows; the caller also compares the strings */
#else
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
#endif
}
