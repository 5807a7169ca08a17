/*
 * Intel HEX parsing throughput and peak memory: libdfu (dfu_image_load) against objcopy and
 * srec_cat, on two generated files: 32 MiB of data in 16-byte records, and a sparse file that
 * spans 256 MiB with ~200 KiB of content (an nRF52-like application plus UICR words). Every
 * parser runs in a child process, so that its peak RSS (wait4's ru_maxrss) is its own.
 *
 *   bench_hex [DIR]      DIR (default: a new directory under /tmp) holds the generated files.
 */
#define _DEFAULT_SOURCE 1 /* wait4(), mkdtemp() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libdfu/libdfu.h>

#define RUNS 3

typedef struct measure {
    bool ok;
    double seconds; /* best of RUNS */
    long peak_kib;  /* largest of RUNS */
} measure;

/* ---- generating the inputs -------------------------------------------------------------- */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint8_t next_byte(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)rng_state;
}

static void put_record(FILE *fp, unsigned type, uint32_t offset, const uint8_t *d, unsigned n)
{
    static const char digits[] = "0123456789ABCDEF";
    char line[600], *p = line;
    uint8_t head[4] = {(uint8_t)n, (uint8_t)(offset >> 8), (uint8_t)offset, (uint8_t)type};
    unsigned sum = 0;
    *p++ = ':';
    for (unsigned i = 0; i < 4 + n; i++) {
        uint8_t b = i < 4 ? head[i] : d[i - 4];
        sum += b;
        *p++ = digits[b >> 4];
        *p++ = digits[b & 15];
    }
    uint8_t cs = (uint8_t)(0x100 - (sum & 0xFF));
    *p++ = digits[cs >> 4];
    *p++ = digits[cs & 15];
    *p++ = '\n';
    fwrite(line, 1, (size_t)(p - line), fp);
}

/* Writes len pseudo-random bytes at address as 16-byte records, with type 04 as needed. */
static void put_data(FILE *fp, uint32_t address, uint32_t len, uint32_t *upper)
{
    for (uint32_t done = 0; done < len; done += 16) {
        uint32_t a = address + done;
        if (a >> 16 != *upper) {
            *upper = a >> 16;
            uint8_t v[2] = {(uint8_t)(*upper >> 8), (uint8_t)*upper};
            put_record(fp, 4, 0, v, 2);
        }
        uint8_t d[16];
        unsigned n = len - done < 16 ? len - done : 16;
        for (unsigned i = 0; i < n; i++) d[i] = next_byte();
        put_record(fp, 0, a & 0xFFFF, d, n);
    }
}

static void generate(const char *path, bool sparse)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(2);
    }
    static char buf[1 << 20];
    setvbuf(fp, buf, _IOFBF, sizeof(buf));
    uint32_t upper = 0;
    if (sparse) {
        put_data(fp, 0x00026000, 200 * 1024, &upper);
        put_data(fp, 0x10001014, 8, &upper); /* UICR: 256 MiB above the application */
    } else {
        put_data(fp, 0x08000000, 32u << 20, &upper);
    }
    put_record(fp, 5, 0, (const uint8_t *)"\x08\x00\x01\x89", 4);
    put_record(fp, 1, 0, NULL, 0);
    if (fclose(fp) != 0) {
        perror(path);
        exit(2);
    }
}

/* ---- measuring ------------------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child: our parser, exiting 0 only when the file loaded. */
static int run_ours(const char *path)
{
    dfu_ctx *ctx;
    dfu_image *img;
    if (dfu_ctx_new(&ctx)) return 3;
    int rc = dfu_image_load(&img, ctx, path, NULL);
    if (rc) {
        fprintf(stderr, "libdfu: %s\n", dfu_ctx_error(ctx)->message);
        return 1;
    }
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    return 0;
}

/* One run: argv is a program to execute, or NULL for our parser on path. */
static bool run_once(const char *const *argv, const char *path, double *seconds, long *kib)
{
    fflush(NULL);
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        if (!argv) _exit(run_ours(path));
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);
        execvp(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) return false;
    *seconds = now() - t0;
    *kib = ru.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static measure run(const char *const *argv, const char *path)
{
    measure m = {true, 1e30, 0};
    for (int i = 0; i < RUNS && m.ok; i++) {
        double s = 1e30;
        long kib = 0;
        m.ok = run_once(argv, path, &s, &kib);
        if (s < m.seconds) m.seconds = s;
        if (kib > m.peak_kib) m.peak_kib = kib;
    }
    return m;
}

static bool have(const char *program)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", program);
    return system(cmd) == 0;
}

static void row(const char *tool, const measure *m, double mb, const measure *objcopy)
{
    if (!m->ok) {
        printf("  %-10s %10s\n", tool, "failed or not installed");
        return;
    }
    printf("  %-10s %9.3f s %9.1f MB/s", tool, m->seconds, mb / m->seconds);
    if (objcopy->ok)
        printf(" %8.2fx", objcopy->seconds / m->seconds);
    else
        printf(" %9s", "-");
    printf(" %9.1f MiB\n", (double)m->peak_kib / 1024);
}

static int bench_file(const char *dir, const char *name, bool sparse, const char *what)
{
    char in[4096], out[4096];
    snprintf(in, sizeof(in), "%s/%s", dir, name);
    snprintf(out, sizeof(out), "%s/%s.bin", dir, name);
    generate(in, sparse);
    struct stat st;
    stat(in, &st);
    double mb = (double)st.st_size / 1e6;
    printf("\n%s: %s, %.1f MB of text\n", name, what, mb);
    printf("  %-10s %11s %14s %9s %13s\n", "parser", "best of 3", "input rate", "vs objcopy",
           "peak RSS");
    const char *objcopy_argv[] = {"objcopy", "-I", "ihex", "-O", "binary", in, out, NULL};
    const char *srec_cat_argv[] = {"srec_cat", in, "-intel", "-o", out, "-binary", NULL};
    measure none = {false, 0, 0};
    measure ours = run(NULL, in);
    measure objcopy = have("objcopy") ? run(objcopy_argv, in) : none;
    remove(out);
    measure srec_cat = have("srec_cat") ? run(srec_cat_argv, in) : none;
    remove(out);
    row("libdfu", &ours, mb, &objcopy);
    row("objcopy", &objcopy, mb, &objcopy);
    row("srec_cat", &srec_cat, mb, &objcopy);
    remove(in);
    return ours.ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/dfu-bench.XXXXXX";
    const char *dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
    if (!dir) {
        perror("mkdtemp");
        return 2;
    }
    printf("Intel HEX parsing: libdfu (dfu_image_load) vs objcopy -I ihex -O binary vs srec_cat "
           "-intel -o X -binary\n(each in a child process; peak RSS from wait4; MB = 10^6 bytes "
           "of HEX text; ratio = objcopy time / time)\n");
    int rc = bench_file(dir, "dense-32MiB.hex", false, "32 MiB of data at 0x08000000");
    rc |= bench_file(dir, "sparse-256MiB.hex", true,
                     "200 KiB at 0x00026000 + 8 bytes at 0x10001014 (256 MiB span)");
    if (argc <= 1) rmdir(dir);
    return rc;
}
