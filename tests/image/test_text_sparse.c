/*
 * Sparse files: an Intel HEX (or S-record) whose data spans 256 MiB with ~200 KiB of content, as
 * real nRF52 files do (an application near 0 and UICR words at 0x10001000), must cost about its
 * content in memory, not its span. Loading runs in a child process whose peak RSS is measured,
 * and whose address space is capped below 256 MiB when no sanitizer needs the room.
 */
#define _DEFAULT_SOURCE 1 /* wait4(), for the child's own rusage */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define APP_ADDRESS  0x00026000u
#define APP_SIZE     (200u * 1024)
#define UICR_ADDRESS 0x10001014u /* 256 MiB away */

static char *tmp;

/* The file's content, written here line by line so that the library's writer is not involved. */
static void write_ihex_record(FILE *fp, unsigned type, unsigned offset, const uint8_t *d,
                              unsigned n)
{
    unsigned sum = n + (offset >> 8) + (offset & 0xFF) + type;
    fprintf(fp, ":%02X%04X%02X", n, offset, type);
    for (unsigned i = 0; i < n; i++) {
        fprintf(fp, "%02X", d[i]);
        sum += d[i];
    }
    fprintf(fp, "%02X\r\n", (0x100 - (sum & 0xFF)) & 0xFF);
}

static uint8_t app_byte(uint32_t i)
{
    return (uint8_t)(i * 31 + (i >> 9));
}

static char *make_sparse_hex(void)
{
    char *path = tu_path(tmp, "nrf52.hex");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint32_t upper = 0;
    for (uint32_t done = 0; done < APP_SIZE; done += 16) {
        uint32_t a = APP_ADDRESS + done;
        if (a >> 16 != upper) {
            upper = a >> 16;
            uint8_t v[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
            write_ihex_record(fp, 4, 0, v, 2);
        }
        uint8_t d[16];
        for (int k = 0; k < 16; k++) d[k] = app_byte(done + (uint32_t)k);
        write_ihex_record(fp, 0, a & 0xFFFF, d, 16);
    }
    write_ihex_record(fp, 4, 0, (const uint8_t *)"\x10\x00", 2);
    write_ihex_record(fp, 0, UICR_ADDRESS & 0xFFFF, (const uint8_t *)"\x00\x70\x02\x00", 4);
    write_ihex_record(fp, 1, 0, NULL, 0);
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* Caps the address space at what the process has now plus 128 MiB, so that an allocation of
 * the span (256 MiB) fails even if it would never be touched. */
static void cap_address_space(void)
{
#ifndef UNDER_ASAN
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!fp) return;
    if (fscanf(fp, "%lu", &pages) != 1) pages = 0;
    fclose(fp);
    if (!pages) return;
    rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (128u << 20);
    struct rlimit rl = {cap, cap};
    setrlimit(RLIMIT_AS, &rl);
#endif
}

/* The child's verdict: 0 when the image is right, otherwise a code saying what was wrong. */
static int load_and_check(const char *path, dfu_format f)
{
    cap_address_space();
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 10;
    dfu_image *img;
    if (dfu_image_load(&img, ctx, path, NULL)) {
        fprintf(stderr, "%s\n", dfu_ctx_error(ctx)->message);
        return 11;
    }
    dfu_segment app, uicr;
    if (dfu_image_format(img) != f || dfu_image_segment_count(img, 0) != 2) return 12;
    if (dfu_image_data_size(img, 0) != APP_SIZE + 4) return 13;
    dfu_image_segment(img, 0, 0, &app);
    dfu_image_segment(img, 0, 1, &uicr);
    if (app.address != APP_ADDRESS || uicr.address != UICR_ADDRESS) return 14;
    for (uint32_t i = 0; i < APP_SIZE; i++)
        if (app.data[i] != app_byte(i)) return 15;
    if (memcmp(uicr.data, "\x00\x70\x02\x00", 4) != 0) return 16;
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    return 0;
}

/* Runs load_and_check in a child; returns its peak RSS in KiB. */
static long child_peak_kib(const char *path, dfu_format f)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(load_and_check(path, f));
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) assert_int_equal(errno, EINTR);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("child failed its checks with code %d", WEXITSTATUS(status));
    return ru.ru_maxrss;
}

static void test_sparse_hex_costs_its_content_not_its_span(void **state)
{
    (void)state;
    char *path = make_sparse_hex();
    long kib = child_peak_kib(path, DFU_FORMAT_IHEX);
    printf("peak RSS loading a 256 MiB-span HEX with %u KiB of data: %ld KiB\n",
           APP_SIZE / 1024 + 1, kib);
    assert_true(kib < 64 * 1024); /* a quarter of the span, with room for sanitizers */
    free(path);
}

/* The same image converted to S-record by the library, then loaded the same way. */
static void test_sparse_srec_costs_its_content_not_its_span(void **state)
{
    (void)state;
    char *hex = make_sparse_hex();
    char *s37 = tu_path(tmp, "nrf52.s37");
    dfu_image *img;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_image_load(&img, ctx, hex, NULL), DFU_OK);
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.force = true;
    assert_int_equal(dfu_image_save(ctx, img, s37, &so), DFU_OK);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    long kib = child_peak_kib(s37, DFU_FORMAT_SREC);
    printf("peak RSS loading the same as S-records: %ld KiB\n", kib);
    assert_true(kib < 64 * 1024);
    free(hex);
    free(s37);
}

int main(void)
{
    tmp = tu_tmpdir("text_sparse");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparse_hex_costs_its_content_not_its_span),
        cmocka_unit_test(test_sparse_srec_costs_its_content_not_its_span),
    };
    int rc = tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
    free(tmp);
    return rc;
}
