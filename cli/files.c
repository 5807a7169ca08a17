/* File-system questions the commands ask before touching a user's files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "files.h"

bool cli_file_exists(const char *path)
{
    struct stat st;
#ifndef _WIN32
    return lstat(path, &st) == 0; /* a dangling symbolic link is there too */
#else
    return stat(path, &st) == 0;
#endif
}

bool cli_cannot_write(const char *path, char *why, size_t cap)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "%s is a directory", path);
        return true;
    }
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
