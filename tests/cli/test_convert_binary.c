/* dfuctl convert between bin, elf, dfu and dfuse: identity and target options, target choice,
 * and the promises about files (existing output only with --force, input never overwritten). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfusefile.h"
#include "testutil.h"

static uint8_t fw[2048];

static int setup(void **state)
{
    (void)state;
    tu_rng rng;
    tu_rng_seed(&rng, 12);
    tu_rng_fill(&rng, fw, sizeof(fw));
    return 0;
}

static void flash_and_option_bytes(tu_fb *f)
{
    tu_dfuse_prefix(f, 2);
    tu_dfuse_target(f, 0, 1, "Internal Flash", 8 + 1024, 1);
    tu_dfuse_element(f, 0x08000000, fw, 1024);
    tu_dfuse_target(f, 1, 0, NULL, 8 + 16, 1);
    tu_dfuse_element(f, 0x1fffc000, fw + 1024, 16);
    tu_dfuse_finish(f, 0, 0x0483, 0xdf11, 0x2200);
}

static void expect_file(const char *path, const void *data, size_t len)
{
    size_t got;
    uint8_t *p = tu_read_file(path, &got);
    if (!p) fail_msg("%s was not written", path);
    assert_int_equal(got, len);
    assert_memory_equal(p, data, len);
    free(p);
}

static void convert_ok(const char *const *args)
{
    tu_result r;
    tu_dfuctl_argv(&r, args);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_result_free(&r);
}

/* bin -> dfuse with every identity and target option: exactly the file UM0391 describes. */
static void test_bin_to_dfuse_with_options(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_bin_dfuse");
    char *in = tu_path(dir, "fw.bin"), *out = tu_path(dir, "fw.dfu");
    tu_write_file(in, fw, 1000);
    convert_ok((const char *const[]){"convert", in, "-o", out, "--address", "0x08004000", "--vid",
                                     "0x1209", "--pid", "0x0001", "--bcd", "0x0102", "--alt", "2",
                                     "--name", "Flash", NULL});
    tu_fb want = {0};
    tu_dfuse_prefix(&want, 1);
    tu_dfuse_target(&want, 2, 1, "Flash", 8 + 1000, 1);
    tu_dfuse_element(&want, 0x08004000, fw, 1000);
    tu_dfuse_finish(&want, 0, 0x1209, 0x0001, 0x0102);
    expect_file(out, want.p, want.len);
    /* Without options: alt 0, unnamed, wildcards. */
    convert_ok((const char *const[]){"convert", in, "-o", out, "--address", "0x08004000", "--force",
                                     NULL});
    free(want.p);
    want = (tu_fb){0};
    tu_dfuse_prefix(&want, 1);
    tu_dfuse_target(&want, 0, 0, NULL, 8 + 1000, 1);
    tu_dfuse_element(&want, 0x08004000, fw, 1000);
    tu_dfuse_finish(&want, 0, 0xffff, 0xffff, 0xffff);
    expect_file(out, want.p, want.len);
    free(want.p);
    free(in);
    free(out);
    free(dir);
}

/* bin -> dfu: the bytes, then a DFU 1.x suffix with the identity given. */
static void test_bin_to_dfu_with_identity(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_bin_dfu");
    char *in = tu_path(dir, "fw.bin"), *out = tu_path(dir, "fw.dfu");
    tu_write_file(in, fw, 777);
    convert_ok((const char *const[]){"convert", in, "-o", out, "--to", "dfu", "--vid", "0x0483",
                                     "--pid", "0xdf11", "--bcd", "0x2200", NULL});
    tu_fb want = {0};
    tu_fb_put(&want, fw, 777);
    tu_fb_put(&want, "\x00\x22\x11\xdf\x83\x04\x00\x01UFD\x10", 12);
    tu_fb_u32(&want, tu_suffix_crc(want.p, want.len));
    expect_file(out, want.p, want.len);
    free(want.p);
    free(in);
    free(out);
    free(dir);
}

/* The ELF of test_info_binary.c: .text + .data's load image at 0x08000000..0x0800013f. */
static void write_elf(const char *path)
{
    uint8_t f[0x240] = {0};
    memcpy(f,
           "\x7f"
           "ELF\x01\x01\x01",
           7);
    f[16] = 2;
    f[20] = 1;
    tu_fb hdr = {f, 0};
    tu_fb_set32(&hdr, 24, 0x08000041);
    tu_fb_set32(&hdr, 28, 52);
    f[42] = 32;
    f[44] = 3;
    static const uint32_t ph[3][6] = {
        {1, 0x100, 0x08000000, 0x08000000, 0x100, 0x100},
        {1, 0x200, 0x20000000, 0x08000100, 0x40, 0x40},
        {1, 0x240, 0x20000040, 0x20000040, 0, 0x200},
    };
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 6; k++)
            tu_fb_set32(&hdr, 52 + 32 * (size_t)i + 4 * (size_t)k, ph[i][k]);
    memcpy(f + 0x100, fw, 0x140);
    tu_write_file(path, f, sizeof(f));
}

static void test_elf_to_dfuse_and_bin(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_elf");
    char *in = tu_path(dir, "fw.elf"), *dfu = tu_path(dir, "fw.dfu"), *bin = tu_path(dir, "fw.bin");
    write_elf(in);
    convert_ok((const char *const[]){"convert", in, "-o", dfu, "--name", "Internal Flash", NULL});
    tu_fb want = {0};
    tu_dfuse_prefix(&want, 1);
    tu_dfuse_target(&want, 0, 1, "Internal Flash", 8 + 0x140, 1);
    tu_dfuse_element(&want, 0x08000000, fw, 0x140);
    tu_dfuse_finish(&want, 0, 0xffff, 0xffff, 0xffff);
    expect_file(dfu, want.p, want.len);
    convert_ok((const char *const[]){"convert", in, "-o", bin, NULL});
    expect_file(bin, fw, 0x140);
    free(want.p);
    free(in);
    free(dfu);
    free(bin);
    free(dir);
}

/* DfuSe with two targets -> bin: exit 2 listing the targets; --alt picks one. */
static void test_dfuse_to_bin_needs_alt(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_pick");
    char *in = tu_path(dir, "fw.dfu"), *out = tu_path(dir, "ob.bin");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    tu_write_file(in, f.p, f.len);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--alt 0  Internal Flash"));
    assert_non_null(strstr(r.err, "--alt 1"));
    assert_int_equal(access(out, F_OK), -1);
    tu_result_free(&r);
    convert_ok((const char *const[]){"convert", in, "-o", out, "--alt", "1", NULL});
    expect_file(out, fw + 1024, 16);
    tu_dfuctl(&r, "convert", in, "-o", out, "--alt", "5", "--force", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no target with alternate setting 5"));
    tu_result_free(&r);
    free(f.p);
    free(in);
    free(out);
    free(dir);
}

/* DfuSe -> DfuSe keeps every target: the same bytes come out (the input uses ST's
 * conventions, which are also ours); --vid changes only the suffix. */
static void test_dfuse_to_dfuse_keeps_every_target(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_dfuse_dfuse");
    char *in = tu_path(dir, "fw.dfu"), *out = tu_path(dir, "copy.dfu");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    tu_write_file(in, f.p, f.len);
    convert_ok((const char *const[]){"convert", in, "-o", out, NULL});
    expect_file(out, f.p, f.len);
    convert_ok((const char *const[]){"convert", in, "-o", out, "--vid", "0x1209", "--force", NULL});
    f.p[f.len - 12] = 0x09;
    f.p[f.len - 11] = 0x12;
    tu_fb_recrc(&f);
    expect_file(out, f.p, f.len);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, "--name", "x", "--force", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "give --alt"));
    tu_result_free(&r);
    free(f.p);
    free(in);
    free(out);
    free(dir);
}

static void test_existing_output_needs_force(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_force");
    char *in = tu_path(dir, "fw.bin"), *out = tu_path(dir, "fw.dfu");
    tu_write_file(in, fw, 100);
    tu_write_file(out, "keep me", 7);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, "--address", "0x08000000", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "exists (the --force option overwrites it)"));
    tu_result_free(&r);
    expect_file(out, "keep me", 7);
    convert_ok((const char *const[]){"convert", in, "-o", out, "--address", "0x08000000", "--force",
                                     NULL});
    size_t len;
    uint8_t *p = tu_read_file(out, &len);
    assert_int_equal(len, 11 + 274 + 8 + 100 + 16);
    free(p);
    free(in);
    free(out);
    free(dir);
}

/* The input is never the output, however it is spelled, even with --force. */
static void test_input_never_overwritten(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_input");
    char *in = tu_path(dir, "fw.dfu");
    tu_fb f = {0};
    flash_and_option_bytes(&f);
    tu_write_file(in, f.p, f.len);
    char *dotted = tu_path(dir, "./fw.dfu"), *sym = tu_path(dir, "sym.dfu");
    char *hard = tu_path(dir, "hard.dfu");
    assert_int_equal(symlink(in, sym), 0);
    assert_int_equal(link(in, hard), 0);
    const char *outs[] = {in, dotted, sym, hard};
    for (size_t i = 0; i < 4; i++) {
        tu_result r;
        tu_dfuctl(&r, "convert", in, "-o", outs[i], "--force", "--vid", "0x1234", NULL);
        assert_int_equal(r.exit_code, 2);
        assert_non_null(strstr(r.err, "refusing to overwrite the input"));
        tu_result_free(&r);
        expect_file(in, f.p, f.len);
    }
    free(f.p);
    free(in);
    free(dotted);
    free(sym);
    free(hard);
    free(dir);
}

static void test_raw_bin_needs_address(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_address");
    char *in = tu_path(dir, "fw.bin"), *out = tu_path(dir, "fw.dfu");
    tu_write_file(in, fw, 64);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--address"));
    assert_int_equal(access(out, F_OK), -1);
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

/* Intel HEX input. */
static void test_hex_to_dfuse_and_dfu(void **state)
{
    (void)state;
    char *hex = tu_data_path("sample.hex");
    char *dir = tu_tmpdir("cli_convert_hex");
    char *dfuse = tu_path(dir, "fw.dfu"), *dfu = tu_path(dir, "fw.bin.dfu");
    char *bin = tu_path(dir, "fw.bin"), *back = tu_path(dir, "back.bin");
    convert_ok((const char *const[]){"convert", hex, "-o", dfuse, "--vid", "0x0483", "--pid",
                                     "0xdf11", NULL});
    convert_ok((const char *const[]){"convert", hex, "-o", dfu, "--to", "dfu", NULL});
    convert_ok((const char *const[]){"convert", hex, "-o", bin, NULL});
    convert_ok((const char *const[]){"convert", dfuse, "-o", back, NULL});
    size_t a_len, b_len;
    uint8_t *a = tu_read_file(bin, &a_len), *b = tu_read_file(back, &b_len);
    assert_int_equal(a_len, 12588);
    assert_int_equal(b_len, a_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
    size_t d_len;
    uint8_t *d = tu_read_file(dfu, &d_len);
    a = tu_read_file(bin, &a_len);
    assert_int_equal(d_len, a_len + 16);
    assert_memory_equal(d, a, a_len);
    free(a);
    free(d);
    free(hex);
    free(dfuse);
    free(dfu);
    free(bin);
    free(back);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_to_dfuse_with_options),
        cmocka_unit_test(test_bin_to_dfu_with_identity),
        cmocka_unit_test(test_elf_to_dfuse_and_bin),
        cmocka_unit_test(test_dfuse_to_bin_needs_alt),
        cmocka_unit_test(test_dfuse_to_dfuse_keeps_every_target),
        cmocka_unit_test(test_existing_output_needs_force),
        cmocka_unit_test(test_input_never_overwritten),
        cmocka_unit_test(test_raw_bin_needs_address),
        cmocka_unit_test(test_hex_to_dfuse_and_dfu),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, setup, NULL));
}
