/* The image model: merging, overlaps, conflicts, sparseness, and the readers' builder. */
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"
#include "testutil.h"

static void add_ok(dfu_image *img, uint32_t addr, const char *bytes)
{
    assert_int_equal(dfu_image_add_data(NULL, img, 0, addr, (const uint8_t *)bytes, strlen(bytes)),
                     DFU_OK);
}

static dfu_image *new_image(void)
{
    dfu_image *img;
    assert_int_equal(dfu_image_new(&img), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, -1, NULL, NULL), DFU_OK);
    return img;
}

static void test_adjacent_and_overlapping_data_merge(void **state)
{
    (void)state;
    dfu_image *img = new_image();
    add_ok(img, 0x100, "abcd");
    add_ok(img, 0x104, "efgh"); /* adjacent after */
    add_ok(img, 0x0FC, "WXYZ"); /* adjacent before */
    add_ok(img, 0x102, "cdef"); /* overlap that agrees */
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    assert_int_equal(dfu_image_segment(img, 0, 0, &s), DFU_OK);
    assert_int_equal(s.address, 0x0FC);
    assert_int_equal(s.size, 12);
    assert_memory_equal(s.data, "WXYZabcdefgh", 12);
    dfu_image_free(img);
}

static void test_conflict_names_address_and_leaves_image_unchanged(void **state)
{
    (void)state;
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *img = new_image();
    add_ok(img, 0x1000, "abcd");
    dfu_image *before;
    assert_int_equal(dfu_image_clone(&before, img), DFU_OK);
    assert_int_equal(dfu_image_add_data(ctx, img, 0, 0x0FFE, (const uint8_t *)"xxaX", 4),
                     DFU_ERR_FORMAT);
    assert_non_null(strstr(dfu_ctx_error(ctx)->message, "0x00001001"));
    assert_true(dfu_image_equal(img, before));
    dfu_image_free(before);
    dfu_image_free(img);
    dfu_ctx_free(ctx);
}

static void test_sparse_image_stores_only_data(void **state)
{
    (void)state;
    dfu_image *img = new_image();
    add_ok(img, 0x00000000, "start");
    add_ok(img, 0x0FFFFFF0, "end");
    assert_int_equal(dfu_image_segment_count(img, 0), 2);
    assert_int_equal(dfu_image_data_size(img, 0), 8);
    uint8_t buf[8];
    dfu_image_read(img, 0, 0x0FFFFFEE, buf, sizeof(buf), 0xFF);
    assert_memory_equal(buf,
                        "\xff\xff"
                        "end\xff\xff\xff",
                        8);
    dfu_image_free(img);
}

static void test_data_past_4gib_is_refused(void **state)
{
    (void)state;
    dfu_image *img = new_image();
    assert_int_equal(dfu_image_add_data(NULL, img, 0, 0xFFFFFFFE, (const uint8_t *)"abc", 3),
                     DFU_ERR_FORMAT);
    assert_int_equal(dfu_image_add_data(NULL, img, 0, 0xFFFFFFFD, (const uint8_t *)"abc", 3),
                     DFU_OK);
    dfu_image_free(img);
}

/* Records in reverse order must still merge, in O(n log n) (a fuzzer would time out otherwise). */
static void test_builder_merges_any_order(void **state)
{
    (void)state;
    dfu_image *img = new_image();
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    enum { N = 200000 };
    for (uint32_t i = N; i-- > 0;) {
        uint8_t rec[16];
        for (int k = 0; k < 16; k++) rec[k] = (uint8_t)(i * 16 + k);
        assert_int_equal(dfu_builder_add(&b, 0x08000000 + i * 16, rec, 16), DFU_OK);
    }
    uint32_t conflict;
    assert_int_equal(dfu_builder_commit(&b, img, 0, &conflict), DFU_OK);
    dfu_builder_free(&b);
    assert_int_equal(dfu_image_segment_count(img, 0), 1);
    dfu_segment s;
    dfu_image_segment(img, 0, 0, &s);
    assert_int_equal(s.size, N * 16);
    for (uint32_t i = 0; i < N * 16; i++) assert_int_equal(s.data[i], (uint8_t)i);
    dfu_image_free(img);
}

static void test_builder_reports_first_conflicting_address(void **state)
{
    (void)state;
    dfu_image *img = new_image();
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    assert_int_equal(dfu_builder_add(&b, 0x10, (const uint8_t *)"0123456789", 10), DFU_OK);
    assert_int_equal(dfu_builder_add(&b, 0x40, (const uint8_t *)"zz", 2), DFU_OK);
    assert_int_equal(dfu_builder_add(&b, 0x14, (const uint8_t *)"45X7", 4), DFU_OK);
    uint32_t conflict = 0;
    assert_int_equal(dfu_builder_commit(&b, img, 0, &conflict), DFU_ERR_FORMAT);
    assert_int_equal(conflict, 0x16);
    dfu_builder_free(&b);
    dfu_image_free(img);
}

static void test_clone_equal_and_targets(void **state)
{
    (void)state;
    dfu_image *img;
    dfu_image_new(&img);
    size_t t;
    assert_int_equal(dfu_image_add_target(img, 0, "Internal Flash", &t), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, 1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_add_data(NULL, img, 1, 0x1FFFC000, (const uint8_t *)"ob", 2), 0);
    assert_int_equal(dfu_image_add_data(NULL, img, t, 0x08000000, (const uint8_t *)"fw", 2), 0);
    dfu_image *copy;
    assert_int_equal(dfu_image_clone(&copy, img), DFU_OK);
    assert_true(dfu_image_equal(img, copy));
    assert_string_equal(dfu_image_target_name(copy, 0), "Internal Flash");
    assert_null(dfu_image_target_name(copy, 1));
    assert_int_equal(dfu_image_target_alt(copy, 1), 1);
    assert_int_equal(dfu_image_set_target(copy, 1, 1, "Option Bytes"), DFU_OK);
    assert_false(dfu_image_equal(img, copy));
    dfu_image_free(copy);
    dfu_image_free(img);
}

/* Two targets for one alternate setting are refused when the second is added, not later by
 * planning ("the image has two targets for alternate setting 0"), and the image is unchanged. */
static void test_two_targets_for_one_alternate_setting_are_refused(void **state)
{
    (void)state;
    dfu_image *img;
    dfu_image_new(&img);
    assert_int_equal(dfu_image_add_target(img, 0, "Internal Flash", NULL), DFU_OK);
    size_t t = 99;
    assert_int_equal(dfu_image_add_target(img, 0, "Again", &t), DFU_ERR_ARG);
    assert_int_equal(t, 99);
    assert_int_equal(dfu_image_target_count(img), 1);
    /* "The device's setting" (-1) is one setting too, and may sit beside a numbered one. */
    assert_int_equal(dfu_image_add_target(img, -1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_add_target(img, -5, NULL, NULL), DFU_ERR_ARG);
    assert_int_equal(dfu_image_add_target(img, 1, NULL, NULL), DFU_OK);
    assert_int_equal(dfu_image_target_count(img), 3);
    /* Renaming keeps a target's own setting; taking another's is refused. */
    assert_int_equal(dfu_image_set_target(img, 2, 1, "Option Bytes"), DFU_OK);
    assert_int_equal(dfu_image_set_target(img, 2, 0, NULL), DFU_ERR_ARG);
    assert_int_equal(dfu_image_target_alt(img, 2), 1);
    assert_string_equal(dfu_image_target_name(img, 2), "Option Bytes");
    /* A clone copies them all. */
    dfu_image *copy;
    assert_int_equal(dfu_image_clone(&copy, img), DFU_OK);
    assert_true(dfu_image_equal(img, copy));
    dfu_image_free(copy);
    dfu_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adjacent_and_overlapping_data_merge),
        cmocka_unit_test(test_conflict_names_address_and_leaves_image_unchanged),
        cmocka_unit_test(test_sparse_image_stores_only_data),
        cmocka_unit_test(test_data_past_4gib_is_refused),
        cmocka_unit_test(test_builder_merges_any_order),
        cmocka_unit_test(test_builder_reports_first_conflicting_address),
        cmocka_unit_test(test_clone_equal_and_targets),
        cmocka_unit_test(test_two_targets_for_one_alternate_setting_are_refused),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
