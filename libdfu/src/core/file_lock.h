/* A file one holder at a time may use: opened for update and locked exclusively. */
#ifndef DFU_CORE_FILE_LOCK_H
#define DFU_CORE_FILE_LOCK_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Opens path for reading and writing ("r+b") and takes an exclusive advisory lock on it, held
 * until dfu_file_close_locked(). NULL with errno set when the file cannot be opened or locked;
 * errno EAGAIN when another holder has the lock (this process's or another's: see file_lock.c).
 */
FILE *dfu_file_open_locked(const char *path);
/* Releases the lock and closes. NULL is fine. */
void dfu_file_close_locked(FILE *fp);

/*
 * A lock file: a file that is only ever locked, never written or renamed over (a lock on a file
 * that an atomic write replaces stays on the old inode and excludes nobody). Creates path when
 * it does not exist and locks it as dfu_file_open_locked does: NULL with errno EAGAIN when
 * another holder has it, another errno when it cannot be created or opened.
 * dfu_lock_file_release removes the file, race-free: on POSIX while still holding it (an
 * acquirer that locked the removed file sees that it no longer has the name and tries again),
 * on Windows after closing it (a file another handle has open is not removed).
 */
FILE *dfu_lock_file_acquire(const char *path);
/* Whether held (from dfu_lock_file_acquire) is the file at path now (another name for it). */
bool dfu_lock_file_is(FILE *held, const char *path);
/* Removes path and releases held, its lock. NULL is fine. */
void dfu_lock_file_release(FILE *held, const char *path);

#endif
