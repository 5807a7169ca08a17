/*
 * Exclusive locks on files kept open (see file_lock.h).
 *
 * POSIX: flock(), not fcntl(F_SETLK). A flock() lock belongs to the open file description, so
 * two opens in one process (two simulated boards on one state file) conflict as two processes
 * do, and closing some other descriptor of the same file does not drop it. fcntl() locks belong
 * to the process: a second open in the same process would get the lock again, and closing any
 * descriptor of the file (a failed second open, say) would release the first holder's lock; we
 * would need an in-process table of open files, keyed by device and inode, behind a mutex.
 * flock() is not in POSIX but Linux, the BSDs and macOS have it; OFD locks (F_OFD_SETLK) have
 * the same semantics but are Linux-only. The descriptor is close-on-exec: a program started by
 * this process must not inherit it, or the lock would outlive the board that holds it (a child
 * forked without exec shares it, and the lock, until it exits or execs). The kernel drops the
 * lock when the process dies, SIGKILL included. On NFS, Linux emulates flock() with fcntl()
 * locks: two instances in one process then both get the lock.
 *
 * Windows: LockFileEx on one byte far past any data. Windows locks are mandatory (a locked range
 * cannot be read or written through other handles), so the range is one the file never reaches.
 * They belong to the handle: a second open in the same process conflicts too.
 */
#define _DEFAULT_SOURCE  /* flock() beside _POSIX_C_SOURCE (glibc, musl) */
#define _DARWIN_C_SOURCE /* the same on macOS */
#include <errno.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

#include "file_lock.h"

#ifdef _WIN32
/* The locked byte: at 2^62, a size no state file comes near. */
static OVERLAPPED lock_range(void)
{
    OVERLAPPED ov = {0};
    ov.OffsetHigh = 0x40000000u;
    return ov;
}

FILE *dfu_file_open_locked(const char *path)
{
    FILE *fp = fopen(path, "r+b");
    if (!fp) return NULL;
    HANDLE h = (HANDLE)_get_osfhandle(_fileno(fp));
    OVERLAPPED ov = lock_range();
    if (h == INVALID_HANDLE_VALUE ||
        !LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
        DWORD e = h == INVALID_HANDLE_VALUE ? ERROR_INVALID_HANDLE : GetLastError();
        fclose(fp);
        errno = e == ERROR_LOCK_VIOLATION ? EAGAIN : EIO;
        return NULL;
    }
    return fp;
}

void dfu_file_close_locked(FILE *fp)
{
    if (!fp) return;
    /* Closing the handle releases the lock too, but Windows may take its time about it: a new
     * open right after could still find the file locked. */
    OVERLAPPED ov = lock_range();
    UnlockFileEx((HANDLE)_get_osfhandle(_fileno(fp)), 0, 1, 0, &ov);
    fclose(fp);
}
#else
FILE *dfu_file_open_locked(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return NULL;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno == EWOULDBLOCK ? EAGAIN : errno;
        close(fd);
        errno = e;
        return NULL;
    }
    FILE *fp = fdopen(fd, "r+b");
    if (!fp) {
        int e = errno;
        close(fd); /* and with it the lock */
        errno = e;
    }
    return fp;
}

void dfu_file_close_locked(FILE *fp)
{
    /* The lock goes with the descriptor. No LOCK_UN: a child forked without exec shares the
     * open file description, and unlocking it would unlock the child's copy as well. */
    if (fp) fclose(fp);
}
#endif
