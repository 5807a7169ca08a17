/* dfuctl info on DfuSe, DFU-suffixed and ELF files: the JSON a script relies on, a corrupted
 * file (described, flagged, exit 0), and malformed files (exit 3, the message says where). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dfusefile.h"
#include "testutil.h"

static uint8_t fw[2048];

static int setup(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 11);
    tu_rng_fill(&rng, fw, sizeof(fw));
    return 0;
}

/* Flash (alt 0, "Internal Flash", two elements) + option bytes (alt 1, unnamed). */
static void flash_and_option_bytes(tu_fb *f)
{
    tu_dfuse_prefix(f, 2);
    tu_dfuse_target(f, 0, 1, "Internal Flash", 8 + 1024 + 8 + 512, 2);
    tu_dfuse_element(f, 0x08000000, fw, 1024);
    tu_dfuse_element(f, 0x08008000, fw + 1024, 512);
    tu_dfuse_target(f, 1, 0, NULL, 8 + 16, 1);
    tu_dfuse_element(f, 0x1fffc000, fw + 1536, 16);
    tu_dfuse_finish(f, 0, 0x0483, 0xdf11, 0x2200);
}

static uint64_t num(const tu_json *v, const char *path)
{
    const tu_json *x = tu_json_path(v, path);
    if (!x || x->type != TU_JSON_NUMBER) fail_msg("no number at %s", path);
    return x->integer;
}

static bool is_null(const tu_json *v, const char *path)
{
    const tu_json *x = tu_json_path(v, path);
    return x && x->type == TU_JSON_NULL;
}

static tu_json *info_json(const char *path, tu_result *r)
{
    tu_dfuctl(r, "info", "--json", path, NULL);
    if (r->exit_code != 0) fail_msg("exit %d: %s", r->exit_code, r->err);
    assert_int_equal(tu_json_line_count(r->out), 1);
    tu_json *v = tu_json_parse_line(r->out, 0);
    assert_non_null(v);
    return v;
}

static void test_info_json_dfuse(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_dfuse");
    char *path = tu_path(dir, "fw.dfu");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    tu_write_file(path, f.p, f.len);
    tu_result r;
    tu_json *v = info_json(path, &r);
    assert_string_equal(tu_json_path(v, "format")->string, "dfuse");
    assert_int_equal(num(v, "identity.vid"), 0x0483);
    assert_int_equal(num(v, "identity.pid"), 0xdf11);
    assert_int_equal(num(v, "identity.bcd_device"), 0x2200);
    assert_int_equal(num(v, "identity.bcd_dfu"), 0x011a);
    assert_int_equal(num(v, "identity.crc"), tu_suffix_crc(f.p, f.len - 4));
    assert_true(tu_json_path(v, "identity.crc_valid")->boolean);
    assert_true(is_null(v, "start_address"));
    assert_int_equal(num(v, "total_size"), 1024 + 512 + 16);
    assert_int_equal(tu_json_path(v, "targets")->count, 2);
    assert_int_equal(num(v, "targets.0.alt"), 0);
    assert_string_equal(tu_json_path(v, "targets.0.name")->string, "Internal Flash");
    assert_int_equal(num(v, "targets.0.size"), 1536);
    assert_int_equal(num(v, "targets.0.segments.0.address"), 0x08000000);
    assert_int_equal(num(v, "targets.0.segments.0.size"), 1024);
    assert_int_equal(num(v, "targets.0.segments.0.crc32"), crc32(0, fw, 1024));
    assert_int_equal(num(v, "targets.0.segments.1.address"), 0x08008000);
    assert_int_equal(num(v, "targets.0.segments.1.crc32"), crc32(0, fw + 1024, 512));
    assert_int_equal(num(v, "targets.1.alt"), 1);
    assert_true(is_null(v, "targets.1.name"));
    assert_int_equal(num(v, "targets.1.segments.0.address"), 0x1fffc000);
    tu_json_free(v);
    tu_result_free(&r);
    free(f.p);
    free(path);
    free(dir);
}

/* A corrupted file is still described, flagged: exit 0 and crc_valid false (text: INVALID). */
static void test_info_corrupted_dfuse(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_corrupt");
    char *path = tu_path(dir, "fw.dfu");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    uint32_t stored = tu_suffix_crc(f.p, f.len - 4);
    f.p[400] ^= 0x01;
    tu_write_file(path, f.p, f.len);
    tu_result r;
    tu_json *v = info_json(path, &r);
    assert_false(tu_json_path(v, "identity.crc_valid")->boolean);
    assert_int_equal(num(v, "identity.crc"), stored);
    assert_int_equal(num(v, "targets.0.segments.0.crc32"), crc32(0, f.p + 293, 1024));
    tu_json_free(v);
    tu_result_free(&r);
    tu_dfuctl(&r, "info", path, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "INVALID"));
    tu_result_free(&r);
    /* Every other command refuses it. */
    char *out = tu_path(dir, "out.bin");
    tu_dfuctl(&r, "convert", path, "-o", out, "--alt", "0", NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "DFU suffix CRC mismatch"));
    tu_result_free(&r);
    free(out);
    free(f.p);
    free(path);
    free(dir);
}

/* A 32-bit little-endian ELF: .text at 0x08000000, .data run at 0x20000000 but loaded at
 * 0x08000100, .bss (no file bytes), entry 0x08000041. */
static void write_elf(const char *path)
{
    uint8_t f[0x300] = {0};
    memcpy(f,
           "\x7f"
           "ELF\x01\x01\x01",
           7);
    f[16] = 2;  /* ET_EXEC */
    f[18] = 40; /* EM_ARM */
    f[20] = 1;
    tu_fb hdr = {f, 0};
    tu_fb_set32(&hdr, 24, 0x08000041); /* e_entry */
    tu_fb_set32(&hdr, 28, 52);         /* e_phoff */
    f[40] = 52;                        /* e_ehsize */
    f[42] = 32;                        /* e_phentsize */
    f[44] = 3;                         /* e_phnum */
    static const uint32_t ph[3][6] = {
        {1, 0x100, 0x08000000, 0x08000000, 0x100, 0x100},
        {1, 0x200, 0x20000000, 0x08000100, 0x40, 0x40},
        {1, 0x240, 0x20000040, 0x20000040, 0, 0x200},
    };
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 6; k++)
            tu_fb_set32(&hdr, 52 + 32 * (size_t)i + 4 * (size_t)k, ph[i][k]);
    memcpy(f + 0x100, fw, 0x140);
    tu_write_file(path, f, 0x240);
}

static void test_info_json_elf(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_elf");
    char *path = tu_path(dir, "fw.elf");
    write_elf(path);
    tu_result r;
    tu_json *v = info_json(path, &r);
    assert_string_equal(tu_json_path(v, "format")->string, "elf");
    assert_true(is_null(v, "identity"));
    assert_int_equal(num(v, "start_address"), 0x08000041);
    assert_true(is_null(v, "targets.0.alt"));
    assert_true(is_null(v, "targets.0.name"));
    assert_int_equal(tu_json_path(v, "targets.0.segments")->count, 1);
    assert_int_equal(num(v, "targets.0.segments.0.address"), 0x08000000);
    assert_int_equal(num(v, "targets.0.segments.0.size"), 0x140);
    assert_int_equal(num(v, "targets.0.segments.0.crc32"), crc32(0, fw, 0x140));
    tu_json_free(v);
    tu_result_free(&r);
    free(path);
    free(dir);
}

/* Malformed: exit 3; the message names the offset, target and element, also in --json. */
static void test_info_malformed_dfuse(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_malformed");
    char *path = tu_path(dir, "bad.dfu");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    tu_fb_set32(&f, 285 + 4, 0xfffffff0u); /* element 0's size: 4 GiB in a 2 KiB file */
    tu_fb_recrc(&f);
    tu_write_file(path, f.p, f.len);
    tu_result r;
    tu_dfuctl(&r, "info", path, NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "offset 289: target 0 (alt 0), element 0: dwElementSize"));
    tu_result_free(&r);
    tu_dfuctl(&r, "info", "--json", path, NULL);
    assert_int_equal(r.exit_code, 3);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_non_null(v);
    assert_string_equal(tu_json_path(v, "type")->string, "error");
    assert_string_equal(tu_json_path(v, "error")->string, "format");
    assert_int_equal(num(v, "exit_code"), 3);
    assert_non_null(strstr(tu_json_path(v, "message")->string, "offset 289"));
    tu_json_free(v);
    tu_result_free(&r);
    free(f.p);
    free(path);
    free(dir);
}

/* A raw binary + DFU suffix: format dfu, identity shown. */
static void test_info_json_dfu_suffix(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_info_dfu");
    char *path = tu_path(dir, "fw.dfu");
    tu_fb f = {0};
    tu_fb_put(&f, fw, 300);
    tu_fb_put(&f, "\x01\x00\xff\xff\x09\x12\x00\x01UFD\x10", 12);
    tu_fb_u32(&f, tu_suffix_crc(f.p, f.len));
    tu_write_file(path, f.p, f.len);
    tu_result r;
    tu_dfuctl(&r, "info", "--json", "--address", "0x08004000", path, NULL);
    assert_int_equal(r.exit_code, 0);
    tu_json *v = tu_json_parse_line(r.out, 0);
    assert_string_equal(tu_json_path(v, "format")->string, "dfu");
    assert_int_equal(num(v, "identity.vid"), 0x1209);
    assert_int_equal(num(v, "identity.pid"), 0xffff);
    assert_int_equal(num(v, "identity.bcd_device"), 1);
    assert_int_equal(num(v, "identity.bcd_dfu"), 0x0100);
    assert_true(tu_json_path(v, "identity.crc_valid")->boolean);
    assert_int_equal(num(v, "targets.0.segments.0.address"), 0x08004000);
    assert_int_equal(num(v, "targets.0.segments.0.size"), 300);
    tu_json_free(v);
    tu_result_free(&r);
    free(f.p);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_json_dfuse),      cmocka_unit_test(test_info_corrupted_dfuse),
        cmocka_unit_test(test_info_json_elf),        cmocka_unit_test(test_info_malformed_dfuse),
        cmocka_unit_test(test_info_json_dfu_suffix),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, NULL));
}
