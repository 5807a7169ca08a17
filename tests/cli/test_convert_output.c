/* dfuctl convert -o OUT (and read -o FILE) where OUT cannot be a file: a directory, a path under
 * a directory that does not exist, a device node, a FIFO, a symbolic link to one of those, or
 * "-". Refused up front as a bad command line (exit 2) that says why, before the input is read,
 * with or without --force, and never "exists: use --force" for something --force must not
 * replace (writing is a rename over OUT: run as root, it would put a file in place of
 * /dev/null). */
#define _XOPEN_SOURCE 700 /* mknod(), S_IFMT */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void expect_refused(tu_result *r, const char *why)
{
    if (r->exit_code != 2) fail_msg("exit %d, expected 2: %s", r->exit_code, r->err);
    if (!strstr(r->err, why)) fail_msg("'%s' not in: %s", why, r->err);
    assert_null(strstr(r->err, "--force option overwrites"));
    assert_null(strstr(r->err, ".tmp"));
}

static void test_output_is_a_directory(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_dir");
    char *in = tu_path(dir, "fw.bin"), *sub = tu_path(dir, "out.hex");
    tu_write_file(in, "\x01\x02\x03\x04", 4);
    char *cmd[] = {"mkdir", sub, NULL};
    tu_result r;
    tu_run(&r, false, (const char *const *)cmd);
    assert_int_equal(r.exit_code, 0);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", sub, "--address", "0x08000000", NULL);
    expect_refused(&r, "is a directory");
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", sub, "--address", "0x08000000", "--force", NULL);
    expect_refused(&r, "is a directory");
    tu_result_free(&r);
    free(in);
    free(sub);
    free(dir);
}

static void test_output_directory_missing(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_missing");
    char *in = tu_path(dir, "fw.hex"), *out = tu_path(dir, "no/such/fw.bin");
    tu_write_file(in, ":0400000001020304F2\n:00000001FF\n", 32);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, NULL);
    expect_refused(&r, "No such file or directory");
    tu_result_free(&r);
    /* Checked before the input is read: a bad input is not what the user hears about first. */
    tu_write_file(in, "not a hex file", 14);
    tu_dfuctl(&r, "convert", in, "-o", out, "--from", "hex", NULL);
    expect_refused(&r, "No such file or directory");
    tu_result_free(&r);
    free(in);
    free(out);
    free(dir);
}

/* -o "" (an unset shell variable) names no file: not a failed rename after the work. */
static void test_output_empty(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_empty");
    char *in = tu_path(dir, "fw.hex");
    tu_write_file(in, ":0400000001020304F2\n:00000001FF\n", 32);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", "", "--to", "bin", NULL);
    expect_refused(&r, "-o '': the output file name is empty");
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", "", NULL);
    expect_refused(&r, "-o '': the output file name is empty");
    tu_result_free(&r);
    free(in);
    free(dir);
}

static char *hex_input(const char *dir)
{
    char *in = tu_path(dir, "fw.hex");
    tu_write_file(in, ":0400000001020304F2\n:00000001FF\n", 32);
    return in;
}

/* Refused with and without --force, by convert and read, and out is still what it was. */
static mode_t kind_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) fail_msg("%s is gone", path);
    return st.st_mode & S_IFMT;
}

static void expect_never_written(const char *in, const char *out, const char *why)
{
    mode_t before = kind_of(out);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", out, "--to", "bin", NULL);
    expect_refused(&r, why);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", out, "--to", "bin", "--force", NULL);
    expect_refused(&r, why);
    tu_result_free(&r);
    /* Before the device is opened: this one does not exist. */
    tu_dfuctl(&r, "read", "-d", "sim:nosuchprofile", "-o", out, "--to", "bin", "--force", NULL);
    expect_refused(&r, why);
    tu_result_free(&r);
    assert_int_equal(kind_of(out), before);
}

static void test_output_is_a_fifo(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_fifo");
    char *in = hex_input(dir), *fifo = tu_path(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_never_written(in, fifo, "is a FIFO, not a regular file");
    assert_true(S_ISFIFO(kind_of(fifo)));
    free(fifo);
    free(in);
    free(dir);
}

/* A character device of our own (the same as /dev/null) when we may make one; otherwise
 * /dev/null itself, which a user who may not make device nodes cannot replace either. */
static void test_output_is_a_device(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_device");
    char *in = hex_input(dir), *node = tu_path(dir, "null");
    const char *dev = "/dev/null";
    struct stat null;
    assert_int_equal(stat(dev, &null), 0);
    if (geteuid() == 0) {
        if (mknod(node, S_IFCHR | 0666, null.st_rdev) != 0)
            TU_SKIP("root, but mknod fails (no CAP_MKNOD?): not risking /dev/null");
        dev = node;
    }
    expect_never_written(in, dev, "is a character device, not a regular file");
    assert_true(S_ISCHR(kind_of(dev)));
    free(node);
    free(in);
    free(dir);
}

/* A symbolic link is followed: to a FIFO it is refused, to nothing too, and to a regular file it
 * is written through (the file it names is replaced, the link stays a link). */
static void test_output_symbolic_links(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_links");
    char *in = hex_input(dir), *fifo = tu_path(dir, "fifo"), *link = tu_path(dir, "link");
    char *file = tu_path(dir, "real.bin"), *dangling = tu_path(dir, "dangling");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(symlink("fifo", link), 0);
    expect_never_written(in, link, "is a symbolic link to a FIFO, not a regular file");
    assert_int_equal(symlink("nowhere", dangling), 0);
    tu_result r;
    tu_dfuctl(&r, "convert", in, "-o", dangling, "--to", "bin", "--force", NULL);
    expect_refused(&r, "is a symbolic link to nothing");
    tu_result_free(&r);

    tu_write_file(file, "old", 3);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("real.bin", link), 0);
    tu_dfuctl(&r, "convert", in, "-o", link, "--to", "bin", NULL);
    if (r.exit_code != 2 || !strstr(r.err, "file exists")) fail_msg("%d: %s", r.exit_code, r.err);
    tu_result_free(&r);
    tu_dfuctl(&r, "convert", in, "-o", link, "--to", "bin", "--force", NULL);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    tu_result_free(&r);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    size_t len;
    uint8_t *data = tu_read_file(file, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "\x01\x02\x03\x04", 4);
    free(data);
    free(dangling);
    free(file);
    free(link);
    free(fifo);
    free(in);
    free(dir);
}

/* "-" is not standard output (a text format could go there, but not atomically): refused
 * rather than written to a file called "-" in the current directory (dfuctl runs in the test's
 * own directory, to see that). */
static void test_output_dash(void **state)
{
    (void)state;
    char *dir = tu_tmpdir("cli_convert_output_dash");
    char *in = hex_input(dir), *dash = tu_path(dir, "-");
    tu_result r;
    tu_dfuctl_in(&r, dir, "convert", in, "-o", "-", "--to", "hex", NULL);
    expect_refused(&r, "does not write to standard output");
    assert_string_equal(r.out, "");
    tu_result_free(&r);
    assert_int_not_equal(access(dash, F_OK), 0);
    tu_dfuctl_in(&r, dir, "read", "-d", "sim:nosuchprofile", "-o", "-", NULL);
    expect_refused(&r, "does not write to standard output");
    tu_result_free(&r);
    assert_int_not_equal(access(dash, F_OK), 0);
    free(dash);
    free(in);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_a_directory),
        cmocka_unit_test(test_output_directory_missing),
        cmocka_unit_test(test_output_empty),
        cmocka_unit_test(test_output_is_a_fifo),
        cmocka_unit_test(test_output_is_a_device),
        cmocka_unit_test(test_output_symbolic_links),
        cmocka_unit_test(test_output_dash),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
