/* Files: read a whole file, write one atomically, and the writers' sink. */
#define _XOPEN_SOURCE 700 /* realpath(): POSIX.1-2008, which glibc declares only for X/Open */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#ifdef _WIN32
#include <io.h>
#include <process.h>
#include <windows.h>
#include <direct.h>
#define getpid _getpid
#define close  _close
#define fdopen _fdopen
#else
#include <unistd.h>
#endif

#include "file.h"
#include "internal.h"
#include "stat.h"
#include "str.h"

#ifdef _WIN32
#define DFU_WINDOWS_PATHS true
#else
#define DFU_WINDOWS_PATHS false
#endif

bool dfu_path_is_sep(char c, bool windows)
{
    return c == '/' || (windows && c == '\\');
}

size_t dfu_path_root_len(const char *path, bool windows)
{
    if (!windows) return path[0] == '/' ? 1 : 0;
    size_t n = 0;
    if (dfu_path_is_sep(path[0], true) && dfu_path_is_sep(path[1], true)) {
        /* \\server\share\: the share is the root */
        n = 2;
        for (int part = 0; part < 2 && path[n]; part++) {
            while (dfu_path_is_sep(path[n], true)) n++; /* a doubled separator is one */
            while (path[n] && !dfu_path_is_sep(path[n], true)) n++;
            if (path[n]) n++;
        }
        return n;
    }
    if (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z') && path[1] == ':') n = 2;
    if (dfu_path_is_sep(path[n], true)) n++;
    return n;
}

static int make_dir(const char *path)
{
#ifdef _WIN32
    return _mkdir(path);
#else
    return mkdir(path, 0700);
#endif
}

int dfu_make_dirs(dfu_ctx *ctx, const char *dir, const char *what)
{
    size_t len = strlen(dir);
    if (!len) return dfu_err(ctx, DFU_ERR_ARG, "%s: the directory name is empty", what);
    char *p = dfu_strdup(dir);
    if (!p) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    size_t root = dfu_path_root_len(p, DFU_WINDOWS_PATHS);
    for (size_t i = root; i <= len; i++) {
        char c = p[i];
        if (c && !dfu_path_is_sep(c, DFU_WINDOWS_PATHS)) continue;
        if (i > root && !dfu_path_is_sep(p[i - 1], DFU_WINDOWS_PATHS)) {
            p[i] = '\0';
            if (make_dir(p) != 0 && errno != EEXIST) {
                int rc = dfu_err_errno(ctx, what, p);
                free(p);
                return rc;
            }
            p[i] = c;
        }
    }
    free(p);
    return DFU_OK;
}

int dfu_file_read_all(dfu_ctx *ctx, const char *path, uint8_t **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return dfu_err_errno(ctx, "cannot open", path);
    int rc = dfu_file_read_stream(ctx, fp, path, SIZE_MAX, out, len);
    fclose(fp);
    return rc;
}

int dfu_file_read_stream(dfu_ctx *ctx, FILE *fp, const char *path, size_t max, uint8_t **out,
                         size_t *len)
{
    dfu_buf b = DFU_BUF_INIT;
    int rc = DFU_OK;
    for (;;) {
        if (b.len > max) {
            rc = dfu_err(ctx, DFU_ERR_FORMAT,
                         "%s: more than %zu MiB from a pipe or device; no firmware image is that "
                         "large (save it to a file if it really is)",
                         path, max >> 20);
            break;
        }
        if (dfu_buf_reserve(&b, 1 << 16)) {
            rc = dfu_err(ctx, DFU_ERR_NOMEM, "%s: out of memory reading the file", path);
            break;
        }
        size_t n = fread(b.data + b.len, 1, b.cap - b.len - 1, fp);
        b.len += n;
        b.data[b.len] = '\0'; /* the promised terminator: fread does not write it */
        if (n == 0) {
            if (ferror(fp)) rc = dfu_err_errno(ctx, "read error", path);
            break;
        }
    }
    if (rc) {
        dfu_buf_free(&b);
        return rc;
    }
    *out = dfu_buf_detach(&b, len);
    return *out ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "%s: out of memory", path);
}

bool dfu_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#ifndef _WIN32
/* fsync() on macOS only reaches the drive's cache; F_FULLFSYNC reaches the medium, which is what
 * a journal that must survive a power cut needs. */
static int dfu_file_sync(int fd)
{
#ifdef F_FULLFSYNC
    if (fcntl(fd, F_FULLFSYNC) == 0) return 0;
#endif
    return fsync(fd);
}
#endif

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

static int not_regular(dfu_ctx *ctx, const char *path, bool link, unsigned mode)
{
    return dfu_err(ctx, DFU_ERR_ARG,
                   "%s is %s%s, not a regular file: refusing to write over it (only a regular "
                   "file is replaced)",
                   path, link ? "a symbolic link to " : "", file_kind(mode));
}

/*
 * The file an atomic write replaces, malloc'ed into *out: path itself, or what it links to.
 * Renaming a new file over a device node, a FIFO or a socket would put a regular file in its
 * place (run as root, over /dev/null), so an existing path must be a regular file. A symbolic
 * link is followed and the file it names is replaced, the link kept: renaming over the link
 * itself would replace /dev/stdout, a link into /proc, when the shell redirected it to a file.
 */
static int write_target(dfu_ctx *ctx, const char *path, char **out)
{
    struct stat st;
    *out = NULL;
#ifndef _WIN32
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0)
            return dfu_err(ctx, DFU_ERR_ARG,
                           "%s is a symbolic link to nothing (%s): refusing to write through it",
                           path, strerror(errno));
        if (!S_ISREG(st.st_mode)) return not_regular(ctx, path, true, (unsigned)st.st_mode);
        *out = realpath(path, NULL);
        return *out ? DFU_OK : dfu_err_errno(ctx, "cannot resolve the symbolic link", path);
    }
#endif
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return not_regular(ctx, path, false, (unsigned)st.st_mode);
    *out = dfu_strdup(path);
    return *out ? DFU_OK : dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
}

int dfu_atomic_open(dfu_atomic_file *af, dfu_ctx *ctx, const char *path, bool force)
{
    memset(af, 0, sizeof(*af));
    af->force = force;
    int rc = write_target(ctx, path, &af->path);
    if (rc) return rc;
    if (!force && dfu_file_exists(af->path)) {
        dfu_atomic_abort(af);
        return dfu_err(ctx, DFU_ERR_EXISTS, "%s: file exists (the `force` option overwrites it)",
                       path);
    }
    size_t n = strlen(af->path);
    af->tmp_path = malloc(n + 32);
    if (!af->tmp_path) {
        dfu_atomic_abort(af);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    /* A new name beside the target, created exclusively with mode 0666 so that the umask
     * applies as for any new file (mkstemp's 0600 would need umask(), a process-wide race). */
    for (unsigned attempt = 0; attempt < 100 && !af->fp; attempt++) {
        snprintf(af->tmp_path, n + 32, "%s.%lu-%u.tmp", af->path, (unsigned long)getpid(), attempt);
#ifdef _WIN32
        int fd = _open(af->tmp_path, _O_CREAT | _O_EXCL | _O_WRONLY | _O_BINARY, 0666);
#else
        int fd = open(af->tmp_path, O_CREAT | O_EXCL | O_WRONLY, 0666);
#endif
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) break;
        af->fp = fdopen(fd, "wb");
        if (!af->fp) close(fd);
    }
    if (!af->fp) {
        /* Named after the file the user asked for; the temporary one beside it is detail. */
        rc = dfu_err_errno(ctx, "cannot create", af->path);
        free(af->tmp_path); /* nothing was created: nothing to unlink */
        af->tmp_path = NULL;
        dfu_atomic_abort(af);
        return rc;
    }
    return DFU_OK;
}

int dfu_atomic_commit(dfu_atomic_file *af, dfu_ctx *ctx)
{
    int rc = DFU_OK;
    if (fflush(af->fp) != 0) rc = dfu_err_errno(ctx, "write error", af->tmp_path);
#ifdef _WIN32
    if (!rc && _commit(_fileno(af->fp)) != 0) rc = dfu_err_errno(ctx, "sync failed", af->tmp_path);
#else
    if (!rc && dfu_file_sync(fileno(af->fp)) != 0)
        rc = dfu_err_errno(ctx, "sync failed", af->tmp_path);
#endif
    if (fclose(af->fp) != 0 && !rc) rc = dfu_err_errno(ctx, "write error", af->tmp_path);
    af->fp = NULL;
    if (rc) return rc;
#ifdef _WIN32
    DWORD flags = af->force ? MOVEFILE_REPLACE_EXISTING : 0;
    if (!MoveFileExA(af->tmp_path, af->path, flags | MOVEFILE_WRITE_THROUGH)) {
        errno = GetLastError() == ERROR_ALREADY_EXISTS ? EEXIST : EIO;
        return dfu_err_errno(ctx, "cannot rename into place", af->path);
    }
#else
    struct stat st;
    if (af->force) {
        /* Checked again: what stood there when the write began may have been swapped since. */
        if (lstat(af->path, &st) == 0 && !S_ISREG(st.st_mode))
            return not_regular(ctx, af->path, S_ISLNK(st.st_mode), (unsigned)st.st_mode);
        if (rename(af->tmp_path, af->path) != 0)
            return dfu_err_errno(ctx, "cannot rename into place", af->path);
    } else if (link(af->tmp_path, af->path) == 0) {
        /* link() fails when the target exists: no window in which another file is replaced. */
        unlink(af->tmp_path);
    } else if (errno == EEXIST) {
        return dfu_err(ctx, DFU_ERR_EXISTS, "%s: file exists (the `force` option overwrites it)",
                       af->path);
    } else if (dfu_file_exists(af->path)) {
        return dfu_err(ctx, DFU_ERR_EXISTS, "%s: file exists (the `force` option overwrites it)",
                       af->path);
    } else if (rename(af->tmp_path, af->path) != 0) {
        /* File systems without hard links (FAT): plain rename after the check above. */
        return dfu_err_errno(ctx, "cannot rename into place", af->path);
    }
    /* Make the rename itself durable. */
    char *slash = strrchr(af->path, '/');
    int dfd = -1;
    if (slash) {
        *slash = '\0';
        dfd = open(slash == af->path ? "/" : af->path, O_RDONLY);
        *slash = '/';
    } else {
        dfd = open(".", O_RDONLY);
    }
    if (dfd >= 0) {
        dfu_file_sync(dfd);
        close(dfd);
    }
#endif
    free(af->tmp_path);
    af->tmp_path = NULL;
    dfu_atomic_abort(af);
    return DFU_OK;
}

void dfu_atomic_abort(dfu_atomic_file *af)
{
    if (af->fp) fclose(af->fp);
    if (af->tmp_path) remove(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof(*af));
}

void dfu_sink_write(dfu_sink *s, const void *data, size_t len)
{
    if (s->err || len == 0) return;
    if (s->fp) {
        if (fwrite(data, 1, len, s->fp) != len) s->err = DFU_ERR_IO;
    } else if (dfu_buf_append(&s->buf, data, len)) {
        s->err = DFU_ERR_NOMEM;
    }
}
