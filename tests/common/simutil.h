/* Helpers for tests that drive simulated boards: application images and looking inside a
 * board's state file. */
#ifndef DFU_TEST_SIMUTIL_H
#define DFU_TEST_SIMUTIL_H

#include <libdfu/libdfu.h>
#include "testutil.h"

/* A Cortex-M application: vector table (initial SP sp, reset handler inside the image), then
 * deterministic bytes from seed. malloc'ed. */
uint8_t *tu_app_bytes(uint32_t base, uint32_t size, uint32_t sp, uint64_t seed);
/* The same written to path as a raw binary. */
void tu_write_app(const char *path, uint32_t base, uint32_t size, uint32_t sp, uint64_t seed);
/*
 * The tu_sim_* functions that take a spec open the board from its state file, as a process
 * plugging it in would: a full instance, which holds the file's lock (DFU_ERR_BUSY, and the
 * test fails, while anything else has the board open, in this process or another), lets time
 * run on to finish what was pending, and writes the file back. They are for a board nobody
 * holds: after the process that used it ended, or after dfu_device_close(). A test that holds
 * the board itself looks at it through its own instance (dfu_device_sim(), dfu_sim_peek(),
 * tu_sim_memory()): that instance is the board, and a second one reading the file behind its
 * back is what the lock is there to prevent.
 */

/* Reads len bytes at address from the board whose spec (with state=) is given. */
void tu_sim_peek(const char *spec, uint32_t address, uint8_t *buf, size_t len);
/* Writes bytes straight into the board's memory (a factory-programmed board). */
void tu_sim_poke(const char *spec, uint32_t address, const uint8_t *buf, size_t len);
/* The user holds the bootloader button and power-cycles the board: it comes up in DFU mode. */
void tu_sim_enter_bootloader(const char *spec);
/* A board that has been used: random bytes from seed all over the region that holds address,
 * past the bootloader it may hold, as old firmware and data leave them (not erased). */
void tu_sim_fill_used(const char *spec, uint32_t address, uint64_t seed);
/* Copies of every region of the board's memory, concatenated, and their total size. */
uint8_t *tu_sim_snapshot(const char *spec, size_t *len);
/* The same from an instance the test holds. */
uint8_t *tu_sim_memory(const dfu_sim *sim, size_t *len);
/* Fails unless every byte of the board outside [lo, hi), rounded out to erase units of unit
 * bytes, is as in before (a tu_sim_snapshot() of len bytes). */
void tu_sim_expect_untouched_outside(const char *spec, const uint8_t *before, size_t len,
                                     uint32_t lo, uint32_t hi, uint32_t unit);
/* Fails unless every byte of the board is as in before: a command refused, or that changes
 * nothing, left it alone (tu_sim_expect_untouched_outside() with nothing touched). */
void tu_sim_expect_unchanged(const char *spec, const uint8_t *before, size_t len);
/* "sim:PROFILE,state=DIR/board.img[,extra]" into buf. */
void tu_sim_spec(char *buf, size_t cap, const char *profile, const char *dir, const char *extra);

#endif
