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
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* Locks the open file fp; fp, or NULL (fp closed) with errno EAGAIN when held elsewhere. */
static FILE *lock_stream(FILE *fp)
{
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

FILE *dfu_file_open_locked(const char *path)
{
    return lock_stream(fopen(path, "r+b"));
}

FILE *dfu_lock_file_acquire(const char *path)
{
    int fd = _open(path, _O_RDWR | _O_CREAT | _O_BINARY, _S_IREAD | _S_IWRITE);
    if (fd < 0) return NULL;
    FILE *fp = _fdopen(fd, "r+b");
    if (!fp) _close(fd);
    return lock_stream(fp);
}

/* The file's identity: volume and file index (st_ino is always 0 on Windows). */
static bool file_id(HANDLE h, BY_HANDLE_FILE_INFORMATION *out)
{
    return h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, out);
}

bool dfu_lock_file_is(FILE *held, const char *path)
{
    if (!held) return false;
    HANDLE other = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    BY_HANDLE_FILE_INFORMATION a, b;
    bool same = file_id((HANDLE)_get_osfhandle(_fileno(held)), &a) && file_id(other, &b) &&
                a.dwVolumeSerialNumber == b.dwVolumeSerialNumber &&
                a.nFileIndexHigh == b.nFileIndexHigh && a.nFileIndexLow == b.nFileIndexLow;
    if (other != INVALID_HANDLE_VALUE) CloseHandle(other);
    return same;
}

void dfu_lock_file_release(FILE *fp, const char *path)
{
    if (!fp) return;
    dfu_file_close_locked(fp);
    /* Windows deletes no file that another handle has open (fopen shares no delete access): if
     * another process opened it to lock it meanwhile, this fails and the file stays for it. */
    remove(path);
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

FILE *dfu_lock_file_acquire(const char *path)
{
    /* Its last holder removes the file while still holding it: a file opened before that and
     * locked after has no name any more (or another file has the name), and locking it would
     * exclude nobody. Then the file at the name now is the lock. Each retry follows a release
     * by another holder, so they end; the bound is a guard. */
    for (int attempt = 0; attempt < 1000; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) return NULL;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno == EWOULDBLOCK ? EAGAIN : errno;
            close(fd);
            errno = e;
            return NULL;
        }
        struct stat held, named;
        if (fstat(fd, &held) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return NULL;
        }
        if (stat(path, &named) != 0 || held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
            close(fd);
            continue;
        }
        FILE *fp = fdopen(fd, "r+b");
        if (!fp) {
            int e = errno;
            close(fd);
            errno = e;
        }
        return fp;
    }
    errno = EAGAIN;
    return NULL;
}

bool dfu_lock_file_is(FILE *held, const char *path)
{
    struct stat a, b;
    return held && fstat(fileno(held), &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

void dfu_lock_file_release(FILE *fp, const char *path)
{
    if (!fp) return;
    /* Removed while held, so that nobody who locks it later takes it for the lock (see
     * dfu_lock_file_acquire). */
    unlink(path);
    dfu_file_close_locked(fp);
}

void dfu_file_close_locked(FILE *fp)
{
    /* The lock goes with the descriptor. No LOCK_UN: a child forked without exec shares the
     * open file description, and unlocking it would unlock the child's copy as well. */
    if (fp) fclose(fp);
}
#endif
