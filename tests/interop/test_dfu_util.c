/*
 * DFU suffix and DfuSe files against dfu-util's tools (Debian package dfu-util), used as
 * oracles: dfu-suffix checks every .dfu we write and must report the identity and CRC we wrote;
 * we read what dfu-suffix -a adds; we read dfuse-pack's files (DFUImageSize = whole file) into
 * the bytes it was given, and dfuse-pack parses what we write. A missing tool is a printed SKIP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "imagegen.h"
#include "testutil.h"

static void need(const char *tool)
{
    if (!tu_have_program(tool)) TU_SKIP("%s not installed (Debian package dfu-util)", tool);
}

static void run_ok(tu_result *r, const char *const *argv)
{
    tu_run(r, false, argv);
    if (r->exit_code != 0) fail_msg("%s exited %d: %s%s", argv[0], r->exit_code, r->out, r->err);
}

/* The number after "label" in dfu-suffix's report ("Vendor ID:\t0x0483"). */
static unsigned long field(const char *report, const char *label)
{
    const char *p = strstr(report, label);
    if (!p) fail_msg("no \"%s\" in:\n%s", label, report);
    return strtoul(p + strlen(label), NULL, 0);
}

static dfu_image *load(dfu_ctx *ctx, const char *path, dfu_format format, uint32_t base)
{
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = format;
    o.base_address = base;
    dfu_image *img;
    if (dfu_image_load(&img, ctx, path, &o)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    return img;
}

static void save(const dfu_image *img, const char *path, dfu_format format)
{
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_save_options o = DFU_SAVE_OPTIONS_INIT;
    o.format = format;
    o.force = true;
    if (dfu_image_save(ctx, img, path, &o)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    dfu_ctx_free(ctx);
}

/* dfu-suffix -c on a file we wrote: accepted, and it sees our identity and our CRC. */
static void check_with_dfu_suffix(const char *path, const dfu_identity *want)
{
    tu_result r;
    run_ok(&r, (const char *const[]){"dfu-suffix", "-c", path, NULL});
    if (strstr(r.out, "CRC") == NULL || strstr(r.err, "does not match"))
        fail_msg("dfu-suffix -c %s: %s%s", path, r.out, r.err);
    assert_int_equal(field(r.out, "Vendor ID:"), want->vid);
    assert_int_equal(field(r.out, "Product ID:"), want->pid);
    assert_int_equal(field(r.out, "BCD device:"), want->bcd_device);
    assert_int_equal(field(r.out, "BCD DFU:"), want->bcd_dfu);
    assert_int_equal(field(r.out, "Length:"), 16);
    assert_int_equal(field(r.out, "CRC:"), want->crc);
    tu_result_free(&r);
}

static void test_dfu_suffix_accepts_what_we_write(void **state)
{
    (void)state;
    need("dfu-suffix");
    char *dir = tu_tmpdir("interop_dfu_suffix_check");
    char *path = tu_path(dir, "ours.dfu");
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    for (uint64_t seed = 1; seed <= 24; seed++) {
        tu_rng rng;
        tu_rng_seed(&rng, seed);
        bool dfuse = seed % 2 == 0;
        tu_imagegen g = {dfuse ? 1 + tu_rng_below(&rng, 3) : 1,
                         4,
                         5000,
                         dfuse ? 100000 : 50,
                         0x08000000,
                         0x08100000,
                         dfuse};
        dfu_image *img = tu_random_image(&rng, &g);
        dfu_identity id = {(uint16_t)tu_rng_next(&rng),
                           (uint16_t)tu_rng_next(&rng),
                           (uint16_t)tu_rng_next(&rng),
                           0,
                           true,
                           0};
        if (seed % 3 == 0) id.vid = id.pid = id.bcd_device = DFU_IDENTITY_WILDCARD;
        dfu_image_set_identity(img, &id);
        save(img, path, dfuse ? DFU_FORMAT_DFUSE : DFU_FORMAT_DFU);
        /* What we wrote, as we read it back (the CRC is only known after writing). */
        dfu_image *back = load(ctx, path, DFU_FORMAT_AUTO, 0);
        dfu_identity wrote;
        assert_true(dfu_image_identity(back, &wrote));
        assert_true(wrote.crc_valid);
        assert_int_equal(wrote.bcd_dfu, dfuse ? 0x011a : 0x0100);
        assert_int_equal(wrote.vid, id.vid);
        check_with_dfu_suffix(path, &wrote);
        dfu_image_free(back);
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
    free(path);
    free(dir);
}

static void test_we_read_what_dfu_suffix_adds(void **state)
{
    (void)state;
    need("dfu-suffix");
    char *dir = tu_tmpdir("interop_dfu_suffix_add");
    char *path = tu_path(dir, "fw.bin");
    tu_rng rng;
    tu_rng_seed(&rng, 99);
    uint8_t data[3001];
    tu_rng_fill(&rng, data, sizeof(data));
    tu_write_file(path, data, sizeof(data));
    tu_result r;
    run_ok(&r, (const char *const[]){"dfu-suffix", "-v", "0x0483", "-p", "0xdf11", "-d", "0x2200",
                                     "-a", path, NULL});
    tu_result_free(&r);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    /* Content first: the .bin name does not stop the suffix from being seen. */
    dfu_image *img = load(ctx, path, DFU_FORMAT_AUTO, 0x08000000);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_DFU);
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_int_equal(id.vid, 0x0483);
    assert_int_equal(id.pid, 0xdf11);
    assert_int_equal(id.bcd_device, 0x2200);
    assert_int_equal(id.bcd_dfu, 0x0100);
    assert_true(id.crc_valid);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.address, 0x08000000);
    assert_int_equal(s.size, sizeof(data));
    assert_memory_equal(s.data, data, sizeof(data));
    dfu_image_free(img);
    /* And what dfu-suffix -D leaves is the original raw binary again. */
    run_ok(&r, (const char *const[]){"dfu-suffix", "-D", path, NULL});
    tu_result_free(&r);
    img = load(ctx, path, DFU_FORMAT_AUTO, 0);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_BIN);
    assert_int_equal(dfu_image_data_size(img, 0), sizeof(data));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    free(path);
    free(dir);
}

/* Random binaries, packed by dfuse-pack at addresses and alts given as address@alt:file. Alts
 * 0, 1, 0 make three targets, two of them with alt 0, which we merge. */
static void test_dfuse_pack_output_reads_identically(void **state)
{
    (void)state;
    need("dfuse-pack");
    char *dir = tu_tmpdir("interop_dfuse_pack");
    static const struct {
        uint32_t address;
        int alt;
        size_t size;
    } parts[] = {
        {0x08000000, 0, 16384},
        {0x08020000, 0, 777},
        {0x1fffc000, 1, 16},
        {0x08040000, 0, 5},
    };
    const char *argv[32];
    char specs[4][600];
    size_t n = 0;
    argv[n++] = "dfuse-pack";
    argv[n++] = "-D";
    argv[n++] = "0x0483:0xdf11";
    dfu_image *want;
    dfu_image_new(&want);
    dfu_image_add_target(want, 0, "ST...", NULL);
    dfu_image_add_target(want, 1, "ST...", NULL);
    tu_rng rng;
    tu_rng_seed(&rng, 2026);
    for (size_t i = 0; i < 4; i++) {
        uint8_t *data = malloc(parts[i].size);
        tu_rng_fill(&rng, data, parts[i].size);
        char name[32];
        snprintf(name, sizeof(name), "part%zu.bin", i);
        char *bin = tu_path(dir, name);
        tu_write_file(bin, data, parts[i].size);
        snprintf(specs[i], sizeof(specs[i]), "0x%08x@%d:%s", parts[i].address, parts[i].alt, bin);
        argv[n++] = "-b";
        argv[n++] = specs[i];
        dfu_image_add_data(NULL, want, (size_t)parts[i].alt, parts[i].address, data, parts[i].size);
        free(bin);
        free(data);
    }
    char *out = tu_path(dir, "packed.dfu");
    argv[n++] = out;
    argv[n] = NULL;
    tu_result r;
    run_ok(&r, argv);
    tu_result_free(&r);

    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = load(ctx, out, DFU_FORMAT_AUTO, 0);
    assert_int_equal(dfu_image_format(img), DFU_FORMAT_DFUSE);
    assert_true(dfu_image_equal(img, want));
    dfu_identity id;
    assert_true(dfu_image_identity(img, &id));
    assert_int_equal(id.vid, 0x0483);
    assert_int_equal(id.pid, 0xdf11);
    assert_true(id.crc_valid);
    /* dfuse-pack writes DFUImageSize = whole file: that is the convention we just accepted. */
    size_t len;
    uint8_t *raw = tu_read_file(out, &len);
    assert_int_equal(raw[6] | raw[7] << 8 | raw[8] << 16 | (uint32_t)raw[9] << 24, len);
    free(raw);
    dfu_image_free(img);
    dfu_image_free(want);
    dfu_ctx_free(ctx);
    free(out);
    free(dir);
}

/* dfuse-pack parses what we write: same targets and elements, no CRC or parse error, and the
 * element bytes it dumps are ours. */
static void test_dfuse_pack_parses_what_we_write(void **state)
{
    (void)state;
    need("dfuse-pack");
    char *dir = tu_tmpdir("interop_dfuse_pack_parse");
    char *path = tu_path(dir, "ours.dfu");
    tu_rng rng;
    tu_rng_seed(&rng, 5);
    tu_imagegen g = {3, 3, 4000, 100000, 0x08000000, 0x08100000, true};
    dfu_image *img = tu_random_image(&rng, &g);
    dfu_identity id = {0x0483, 0xdf11, 0x2200, 0x011a, true, 0};
    dfu_image_set_identity(img, &id);
    save(img, path, DFU_FORMAT_DFUSE);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd '%s' && exec dfuse-pack -d ours.dfu", dir);
    tu_result r;
    run_ok(&r, (const char *const[]){"sh", "-c", cmd, NULL});
    if (strstr(r.out, "ERROR")) fail_msg("dfuse-pack: %s", r.out);
    assert_non_null(strstr(r.out, "targets: 3"));
    assert_non_null(strstr(r.out, "usb: 0483:df11, device: 0x2200, dfu: 0x011a"));
    for (size_t t = 0; t < 3; t++) {
        char line[128];
        const char *name = dfu_image_target_name(img, t);
        /* dfuse-pack prints a name as a Python bytes literal, and "" for an unnamed target. */
        if (name)
            snprintf(line, sizeof(line), "alt setting: %zu, name: \"b'%s'\"", t, name);
        else
            snprintf(line, sizeof(line), "alt setting: %zu, name: \"\"", t);
        if (!strstr(r.out, line)) fail_msg("no '%s' in:\n%s", line, r.out);
        for (size_t i = 0; i < dfu_image_segment_count(img, t); i++) {
            dfu_segment s;
            dfu_image_segment(img, t, i, &s);
            snprintf(line, sizeof(line), "ours.dfu.target%zu.image%zu.bin", t, i);
            char *dumped = tu_path(dir, line);
            size_t len;
            uint8_t *bytes = tu_read_file(dumped, &len);
            assert_non_null(bytes);
            assert_int_equal(len, s.size);
            assert_memory_equal(bytes, s.data, len);
            snprintf(line, sizeof(line), "%zu, address: 0x%08x, size: %u", i, s.address, s.size);
            if (!strstr(r.out, line)) fail_msg("no '%s' in:\n%s", line, r.out);
            free(bytes);
            free(dumped);
        }
    }
    tu_result_free(&r);
    dfu_image_free(img);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dfu_suffix_accepts_what_we_write),
        cmocka_unit_test(test_we_read_what_dfu_suffix_adds),
        cmocka_unit_test(test_dfuse_pack_output_reads_identically),
        cmocka_unit_test(test_dfuse_pack_parses_what_we_write),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
