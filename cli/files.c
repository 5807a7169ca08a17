/* File-system questions the commands ask before touching a user's files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "files.h"

/* MSVC has the type bits but no S_IS* tests (as libdfu/src/core/stat.h provides them there). */
#if !defined(S_IFMT) && defined(_S_IFMT)
#define S_IFMT  _S_IFMT
#define S_IFREG _S_IFREG
#define S_IFDIR _S_IFDIR
#define S_IFCHR _S_IFCHR
#endif
#ifndef S_ISREG
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#endif
#ifndef S_ISDIR
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#endif
#ifndef S_ISCHR
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#endif

bool cli_file_exists(const char *path)
{
    struct stat st;
#ifndef _WIN32
    return lstat(path, &st) == 0; /* a dangling symbolic link is there too */
#else
    return stat(path, &st) == 0;
#endif
}

/* What a file that is not a regular one is, for messages. */
static const char *file_kind(unsigned mode)
{
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
#ifdef S_ISBLK
    if (S_ISBLK(mode)) return "a block device";
#endif
#ifdef S_ISFIFO
    if (S_ISFIFO(mode)) return "a FIFO";
#endif
#ifdef S_ISSOCK
    if (S_ISSOCK(mode)) return "a socket";
#endif
    return "a special file";
}

/* The library refuses these too (it writes through a temporary file renamed over the old one,
 * which would put a regular file in place of /dev/null); said here before any work is done, and
 * without "exists: use --force", which would point at the harmful command. */
static bool not_a_file(const char *path, char *why, size_t cap)
{
    struct stat st;
    bool link = false;
#ifndef _WIN32
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        link = true;
        if (stat(path, &st) != 0) {
            snprintf(why, cap, "%s is a symbolic link to nothing (%s)", path, strerror(errno));
            return true;
        }
    }
#endif
    if (!link && stat(path, &st) != 0) return false;
    if (S_ISREG(st.st_mode)) return false;
    if (S_ISDIR(st.st_mode) && !link) {
        snprintf(why, cap, "%s is a directory", path);
        return true;
    }
    snprintf(why, cap, "%s is %s%s, not a regular file: refusing to write over it", path,
             link ? "a symbolic link to " : "", file_kind((unsigned)st.st_mode));
    return true;
}

bool cli_cannot_write(const char *path, char *why, size_t cap)
{
    if (!path[0]) {
        snprintf(why, cap, "-o '': the output file name is empty");
        return true;
    }
    if (strcmp(path, "-") == 0) {
        snprintf(why, cap,
                 "-o -: dfuctl does not write to standard output; give a file name (./- for a "
                 "file called \"-\")");
        return true;
    }
    if (not_a_file(path, why, cap)) return true;
    struct stat st;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
#ifdef _WIN32
    char *back = strrchr(dir, '\\');
    if (!slash || (back && back > slash)) slash = back;
#endif
    if (!slash) return false; /* the current directory */
    if (slash == dir)
        slash[1] = '\0'; /* "/x": the root */
    else
        *slash = '\0';
    if (stat(dir, &st) != 0) {
        snprintf(why, cap, "%s: the directory %s: %s", path, dir, strerror(errno));
        return true;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "%s: %s is not a directory", path, dir);
        return true;
    }
    return false;
}

#ifdef _WIN32
/* st_ino is always 0 on Windows: compare the volume serial number and the file index. */
static bool identity(const char *path, BY_HANDLE_FILE_INFORMATION *out)
{
    HANDLE h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE) return false;
    BOOL ok = GetFileInformationByHandle(h, out);
    CloseHandle(h);
    return ok != 0;
}

bool cli_same_file(const char *a, const char *b)
{
    BY_HANDLE_FILE_INFORMATION x, y;
    return identity(a, &x) && identity(b, &y) && x.dwVolumeSerialNumber == y.dwVolumeSerialNumber &&
           x.nFileIndexHigh == y.nFileIndexHigh && x.nFileIndexLow == y.nFileIndexLow;
}
#else
bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
#endif
