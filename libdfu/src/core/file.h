/* Files: read a whole file, write one atomically, and a sink that writers stream into. */
#ifndef DFU_CORE_FILE_H
#define DFU_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "buf.h"
#include "libdfu/context.h"

/* Reads all of path into a malloc'ed buffer (NUL-terminated, not counted in *len). */
int dfu_file_read_all(dfu_ctx *ctx, const char *path, uint8_t **out, size_t *len);
/* The same from an open stream, from where it stands to its end (a pipe works); path names it in
 * errors. More than max bytes is DFU_ERR_FORMAT (a stream may never end: /dev/zero). Does not
 * close fp. */
int dfu_file_read_stream(dfu_ctx *ctx, FILE *fp, const char *path, size_t max, uint8_t **out,
                         size_t *len);

/*
 * Atomic replacement: data goes to a temporary file in the same directory, which is flushed,
 * fsync'ed and renamed over path on commit. Without force, an existing path is never replaced
 * (DFU_ERR_EXISTS), checked again at the moment of the rename.
 */
typedef struct dfu_atomic_file {
    FILE *fp;
    char *path;
    char *tmp_path;
    bool force;
} dfu_atomic_file;

int dfu_atomic_open(dfu_atomic_file *af, dfu_ctx *ctx, const char *path, bool force);
int dfu_atomic_commit(dfu_atomic_file *af, dfu_ctx *ctx);
/* Removes the temporary file; safe after a failed commit and on a zeroed struct. */
void dfu_atomic_abort(dfu_atomic_file *af);

bool dfu_file_exists(const char *path);

/* mkdir -p, private to the user (0700); what names the directory's purpose in errors. */
int dfu_make_dirs(dfu_ctx *ctx, const char *dir, const char *what);
/* The length of path's root, which is never created: "/" on POSIX; on Windows also a drive
 * ("C:", "C:\\") or a share ("\\\\server\\share\\"). Separators: '/', and on Windows '\\'. */
size_t dfu_path_root_len(const char *path, bool windows);
bool dfu_path_is_sep(char c, bool windows);

/* Where serialisers write: a FILE or a memory buffer. The first failure sticks in err. */
typedef struct dfu_sink {
    FILE *fp;    /* when non-NULL, data goes here */
    dfu_buf buf; /* otherwise here */
    int err;     /* first error (DFU_ERR_IO or DFU_ERR_NOMEM), 0 while fine */
} dfu_sink;

void dfu_sink_write(dfu_sink *s, const void *data, size_t len);

#endif
