/* A file one holder at a time may use: opened for update and locked exclusively. */
#ifndef DFU_CORE_FILE_LOCK_H
#define DFU_CORE_FILE_LOCK_H

#include <stdio.h>

/*
 * Opens path for reading and writing ("r+b") and takes an exclusive advisory lock on it, held
 * until dfu_file_close_locked(). NULL with errno set when the file cannot be opened or locked;
 * errno EAGAIN when another holder has the lock (this process's or another's: see file_lock.c).
 */
FILE *dfu_file_open_locked(const char *path);
/* Releases the lock and closes. NULL is fine. */
void dfu_file_close_locked(FILE *fp);

#endif
