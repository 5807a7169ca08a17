/* Update plans from device descriptions: steps, order, refusals, estimates. No device needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "update/plan_internal.h"

#define F4_FLASH "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
#define F4_OB    "@Option Bytes  /0x1FFFC000/01*016 g"
#define MBOOT    "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"

typedef struct fixture {
    dfu_ctx *ctx;
    dfu_layout *layouts[2];
    dfu_plan_device dev;
} fixture;

static void setup_dev(fixture *f, const char *flash, const char *ob)
{
    memset(f, 0, sizeof(*f));
    dfu_ctx_new(&f->ctx);
    assert_int_equal(dfu_layout_parse(&f->layouts[0], f->ctx, flash), DFU_OK);
    if (ob) assert_int_equal(dfu_layout_parse(&f->layouts[1], f->ctx, ob), DFU_OK);
    f->dev.dfuse = true;
    f->dev.can_upload = true;
    f->dev.transfer_size = 2048;
    f->dev.alt_count = ob ? 2 : 1;
    f->dev.layouts = (const dfu_layout *const *)f->layouts;
}

static void teardown_dev(fixture *f)
{
    dfu_layout_free(f->layouts[0]);
    dfu_layout_free(f->layouts[1]);
    dfu_ctx_free(f->ctx);
}

/* An application image: vector table (SP 0x20020000, reset inside) then filler. */
static dfu_image *app_image(uint32_t base, uint32_t size, uint32_t linked_for)
{
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    uint8_t *data = malloc(size);
    for (uint32_t i = 0; i < size; i++) data[i] = (uint8_t)(i * 7);
    uint32_t words[2] = {0x20020000, linked_for + 0x189};
    memcpy(data, words, sizeof(words)); /* little-endian host assumed by the test */
    assert_int_equal(dfu_image_add_data(NULL, img, 0, base, data, size), DFU_OK);
    free(data);
    return img;
}

static void expect_step(const dfu_plan *p, size_t i, dfu_step_kind kind, uint32_t addr,
                        uint32_t size)
{
    const dfu_step *s = dfu_plan_step(p, i);
    assert_non_null(s);
    if (s->kind != kind || s->address != addr || s->size != size)
        fail_msg("step %zu: %s 0x%08x +%u, expected %s 0x%08x +%u", i, dfu_step_kind_name(s->kind),
                 s->address, s->size, dfu_step_kind_name(kind), addr, size);
}

static void test_safe_order_erases_vector_sector_first_and_writes_its_table_last(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img = app_image(0x08000000, 40 * 1024, 0x08000000);
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    assert_int_equal(dfu_plan_step_count(p), 11);
    expect_step(p, 0, DFU_STEP_ERASE, 0x08000000, 16384);
    expect_step(p, 1, DFU_STEP_ERASE, 0x08004000, 16384);
    expect_step(p, 2, DFU_STEP_ERASE, 0x08008000, 16384);
    expect_step(p, 3, DFU_STEP_WRITE, 0x08004000, 16384);
    expect_step(p, 4, DFU_STEP_WRITE, 0x08008000, 8192);
    expect_step(p, 5, DFU_STEP_WRITE, 0x08000020, 16352);
    expect_step(p, 6, DFU_STEP_WRITE, 0x08000000, 32); /* the vector table's head: last of all */
    expect_step(p, 7, DFU_STEP_VERIFY, 0x08000000, 16384);
    expect_step(p, 8, DFU_STEP_VERIFY, 0x08004000, 16384);
    expect_step(p, 9, DFU_STEP_VERIFY, 0x08008000, 8192);
    expect_step(p, 10, DFU_STEP_LEAVE, 0x08000000, 0);
    assert_true(dfu_plan_estimate_us(p) > 20 * 109000u); /* 20 blocks of 2 KiB at least */
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_linear_order_is_plain_address_order(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img = app_image(0x08000000, 40 * 1024, 0x08000000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.order = DFU_ORDER_LINEAR;
    o.no_verify = true;
    o.no_leave = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    assert_int_equal(dfu_plan_step_count(p), 6);
    expect_step(p, 3, DFU_STEP_WRITE, 0x08000000, 16384);
    expect_step(p, 4, DFU_STEP_WRITE, 0x08004000, 16384);
    expect_step(p, 5, DFU_STEP_WRITE, 0x08008000, 8192);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_erases_exactly_the_sectors_touched(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, 0, NULL, NULL);
    uint8_t blob[4] = {1, 2, 3, 4}; /* data, not an application: no vector table check */
    dfu_image_add_data(NULL, img, 0, 0x0801FFFE, blob, 4); /* straddles 64K and first 128K */
    dfu_image_add_data(NULL, img, 0, 0x080C0000, blob, 4);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_leave = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    size_t erases = 0;
    for (size_t i = 0; i < dfu_plan_step_count(p); i++)
        if (dfu_plan_step(p, i)->kind == DFU_STEP_ERASE) erases++;
    assert_int_equal(erases, 3);
    expect_step(p, 0, DFU_STEP_ERASE, 0x08010000, 65536);
    expect_step(p, 1, DFU_STEP_ERASE, 0x08020000, 131072);
    expect_step(p, 2, DFU_STEP_ERASE, 0x080C0000, 131072);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void expect_refusal(fixture *f, dfu_image *img, const dfu_update_options *o,
                           const char *needle)
{
    dfu_plan *p = NULL;
    assert_int_equal(dfu_plan_build(&p, f->ctx, &f->dev, img, o), DFU_ERR_REFUSED);
    assert_null(p);
    const char *msg = dfu_ctx_error(f->ctx)->message;
    if (!strstr(msg, needle)) fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

static void test_refuses_data_outside_every_region(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img = app_image(0x080FF000, 8192, 0x080FF000);
    expect_refusal(
        &f, img, NULL,
        "data at 0x08100000-0x08100fff, outside every memory region of alt 0 \"Internal Flash\"");
    dfu_image_free(img);
    teardown_dev(&f);
}

/* The region's name is the device's: quoted in a refusal, it cannot start lines of its own (a
 * terminal shows a library message's "\n  " as the start of a listed item). */
static void test_refusal_escapes_the_devices_region_name(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, "@Flash\n  fake\x1b[2J  /0x08000000/04*016Kg", NULL);
    dfu_image *img = app_image(0x0800F000, 8192, 0x0800F000);
    expect_refusal(&f, img, NULL, "alt 0 \"Flash\\n  fake\\x1b[2J\"");
    assert_null(strchr(dfu_ctx_error(f.ctx)->message, '\n'));
    assert_null(strchr(dfu_ctx_error(f.ctx)->message, '\x1b'));
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_refuses_to_write_a_protected_bootloader(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, MBOOT, NULL);
    dfu_image *img = app_image(0x08000000, 40 * 1024, 0x08000000);
    expect_refusal(&f, img, NULL,
                   "0x08000000-0x08003fff, in the sector 0x08000000-0x08003fff "
                   "that the device marks read-only");
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.force = true; /* --force is about vector tables; it never unlocks a bootloader */
    expect_refusal(&f, img, &o, "read-only");
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_refuses_image_linked_for_another_address(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, MBOOT, NULL);
    /* The classic mistake: built for 0x08000000, written behind the bootloader. */
    dfu_image *img = app_image(0x08008000, 16 * 1024, 0x08000000);
    expect_refusal(&f, img, NULL,
                   "reset handler 0x08000188 lies outside the image "
                   "(0x08008000-0x0800bfff)");
    /* Its code is in the bootloader's read-only sector: giving the address it was built for
     * cannot work, only linking it for the application start. */
    expect_refusal(&f, img, NULL,
                   "built to run without the bootloader (its code is in the sector "
                   "0x08000000-0x08003fff that the device marks read-only): rebuild it (link it) "
                   "for the application start, 0x08008000.");
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.force = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    dfu_plan_free(p);
    dfu_image_free(img);
    /* Built for the application start, written further on: the message has the real
     * addresses. */
    img = app_image(0x08020000, 16 * 1024, 0x08008000);
    expect_refusal(&f, img, NULL,
                   "Rebuild it for 0x08020000, where it is written, or write it at the address it "
                   "was built for (its reset handler is at 0x08008188).");
    /* Written anyway, its table is not started (its reset handler is not in it): the device
     * starts the application start, as a reset would. */
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    const dfu_step *last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->kind, DFU_STEP_LEAVE);
    assert_int_equal(last->address, 0x08008000);
    dfu_plan_free(p);
    dfu_image_free(img);
    /* Built for the right address: accepted. */
    img = app_image(0x08008000, 16 * 1024, 0x08008000);
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_refuses_application_at_an_address_vtor_cannot_hold(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, MBOOT, NULL);
    /* Reset handler inside the image, but the table is 2 bytes off a 128-byte boundary. */
    dfu_image *img = app_image(0x08008002, 4096, 0x08008002);
    expect_refusal(&f, img, NULL, "aligned to 128 bytes or more, and 0x08008002 is not");
    /* --force writes it, but the device is not told to start a table it cannot use. */
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.force = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    const dfu_step *last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->kind, DFU_STEP_LEAVE);
    assert_int_equal(last->address, 0x08008000); /* the application start, after the bootloader */
    dfu_plan_free(p);
    dfu_image_free(img);
    /* 128-byte aligned, though not at a sector start: an application VTOR can hold. */
    img = app_image(0x08008080, 4096, 0x08008080);
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->address, 0x08008080);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_refuses_application_start_without_vector_table(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    uint8_t text[64];
    memset(text, 'A', sizeof(text)); /* 0x41414141 is no stack pointer */
    dfu_image_add_data(NULL, img, 0, 0x08000000, text, sizeof(text));
    expect_refusal(&f, img, NULL, "initial stack pointer, is 0x41414141, which is not in RAM");
    dfu_image_free(img);
    teardown_dev(&f);
}

/* A RISC-V part (GD32VF103) starts with an instruction, not a vector table: with the
 * not-cortex-m quirk its image is not checked, and a note says so. */
static void test_not_cortex_m_is_not_checked_for_a_vector_table(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    uint8_t code[4096];
    memset(code, 0x13, sizeof(code));    /* RISC-V nops */
    memcpy(code, "\x6f\x00\xc0\x08", 4); /* j 0x8c */
    dfu_image_add_data(NULL, img, 0, 0x08000000, code, sizeof(code));
    expect_refusal(&f, img, NULL, "initial stack pointer, is 0x08c0006f, which is not in RAM");
    f.dev.not_cortex_m = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    if (!strstr(dfu_plan_notes(p), "not a Cortex-M")) fail_msg("%s", dfu_plan_notes(p));
    const dfu_step *last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->kind, DFU_STEP_LEAVE);
    assert_int_equal(last->address, 0x08000000);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_mass_erase_replaces_sector_erases(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img = app_image(0x08000000, 40 * 1024, 0x08000000);
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.mass_erase = true;
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    /* It names what it blanks: the whole flash (4 x 16 K, 64 K, 7 x 128 K). */
    expect_step(p, 0, DFU_STEP_MASS_ERASE, 0x08000000, 1024 * 1024);
    for (size_t i = 1; i < dfu_plan_step_count(p); i++)
        assert_int_not_equal(dfu_plan_step(p, i)->kind, DFU_STEP_ERASE);
    /* The mass erase blanked the vector table too: safe order still writes its sector last and
     * the head of the table last of all. */
    expect_step(p, 1, DFU_STEP_WRITE, 0x08004000, 16384);
    expect_step(p, 2, DFU_STEP_WRITE, 0x08008000, 8192);
    expect_step(p, 3, DFU_STEP_WRITE, 0x08000020, 16384 - 32);
    expect_step(p, 4, DFU_STEP_WRITE, 0x08000000, 32);
    dfu_plan_free(p);
    /* --order linear: address order. */
    o.order = DFU_ORDER_LINEAR;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    expect_step(p, 1, DFU_STEP_WRITE, 0x08000000, 16384);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
    /* mboot keeps its bootloader: what it blanks is the rest. */
    setup_dev(&f, MBOOT, NULL);
    img = app_image(0x08008000, 4096, 0x08008000);
    o.order = DFU_ORDER_SAFE;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    expect_step(p, 0, DFU_STEP_MASS_ERASE, 0x08008000, 1024 * 1024 - 32 * 1024);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
    /* A DFU 1.1 device has none: refused, not silently ignored. */
    setup_dev(&f, F4_FLASH, NULL);
    f.dev.dfuse = false;
    f.dev.layouts = NULL;
    f.dev.alt_count = 1;
    img = app_image(0x08000000, 4096, 0x08000000);
    expect_refusal(&f, img, &o, "a DFU 1.1 device has no mass erase");
    dfu_image_free(img);
    teardown_dev(&f);
}

/* Writing option bytes resets the device: they go last, with no leave after them; reading them
 * back follows (possible when the device comes back in DFU mode), unless verification is off. */
static void test_option_bytes_go_last_and_skip_leave(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, F4_OB);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, 1, "Option Bytes", NULL);
    dfu_image_add_target(img, 0, "Internal Flash", NULL);
    uint8_t ob[16];
    memset(ob, 0xAA, sizeof(ob));
    dfu_image_add_data(NULL, img, 0, 0x1FFFC000, ob, sizeof(ob));
    uint32_t app[128] = {0x20020000, 0x08000189};
    dfu_image_add_data(NULL, img, 1, 0x08000000, (const uint8_t *)app, sizeof(app));
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    size_t n = dfu_plan_step_count(p);
    expect_step(p, n - 2, DFU_STEP_WRITE, 0x1FFFC000, 16);
    expect_step(p, n - 1, DFU_STEP_VERIFY, 0x1FFFC000, 16);
    assert_int_equal(dfu_plan_step(p, n - 1)->alt, 1);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(dfu_plan_step(p, i)->kind, DFU_STEP_LEAVE);
        if (dfu_plan_step(p, i)->alt == 1) assert_true(i >= n - 3); /* erase, write, verify */
    }
    assert_non_null(strstr(dfu_plan_notes(p), "option bytes"));
    assert_non_null(strstr(dfu_plan_notes(p), "read back if it comes back in DFU mode"));
    dfu_plan_free(p);

    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.no_verify = true;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    n = dfu_plan_step_count(p);
    expect_step(p, n - 1, DFU_STEP_WRITE, 0x1FFFC000, 16);
    assert_int_equal(dfu_plan_step(p, n - 1)->alt, 1);
    assert_null(strstr(dfu_plan_notes(p), "read back"));
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void test_cannot_upload_means_no_verify_and_a_note(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    f.dev.can_upload = false;
    dfu_image *img = app_image(0x08000000, 4096, 0x08000000);
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    for (size_t i = 0; i < dfu_plan_step_count(p); i++)
        assert_int_not_equal(dfu_plan_step(p, i)->kind, DFU_STEP_VERIFY);
    assert_non_null(strstr(dfu_plan_notes(p), "verification is not possible"));
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

static void dfu11_dev(fixture *f)
{
    memset(f, 0, sizeof(*f));
    dfu_ctx_new(&f->ctx);
    f->dev.transfer_size = 1024;
    f->dev.alt_count = 1;
    f->dev.has_app_base = true;
    f->dev.app_base = 0x08002000;
    f->dev.ram_start = 0x20000000;
    f->dev.ram_end = 0x20005000;
}

static void test_dfu11_application_base_and_manifest(void **state)
{
    (void)state;
    fixture f;
    dfu11_dev(&f);
    dfu_image *wrong = app_image(0x08000000, 6000, 0x08000000);
    expect_refusal(&f, wrong, NULL,
                   "writes its application at 0x08002000, but the image starts "
                   "at 0x08000000");
    dfu_image_free(wrong);
    dfu_image *img = app_image(0x08002000, 6000, 0x08002000);
    dfu_plan *p;
    /* SP 0x20020000 is outside this device's 20 KiB of RAM. */
    expect_refusal(&f, img, NULL, "not in RAM");
    f.dev.ram_end = 0x20020000;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    assert_int_equal(dfu_plan_step_count(p), 2);
    expect_step(p, 0, DFU_STEP_WRITE, 0x08002000, 6000);
    expect_step(p, 1, DFU_STEP_MANIFEST, 0x08002000, 0);
    assert_non_null(strstr(dfu_plan_notes(p), "verification is not possible"));
    dfu_plan_free(p);
    /* A manifestation-tolerant device that can upload: manifest, verify, then reset. */
    f.dev.can_upload = true;
    f.dev.manifestation_tolerant = true;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    assert_int_equal(dfu_plan_step_count(p), 4);
    expect_step(p, 1, DFU_STEP_MANIFEST, 0x08002000, 0);
    expect_step(p, 2, DFU_STEP_VERIFY, 0x08002000, 6000);
    expect_step(p, 3, DFU_STEP_LEAVE, 0x08002000, 0);
    dfu_plan_free(p);
    dfu_image_free(img);
    dfu_ctx_free(f.ctx);
}

static void test_leave_names_an_address_only_for_an_application(void **state)
{
    (void)state;
    fixture f;
    setup_dev(&f, F4_FLASH, NULL);
    dfu_image *img;
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    uint8_t data[4096];
    memset(data, 'D', sizeof(data)); /* a data block: its first word is no stack pointer */
    dfu_image_add_data(NULL, img, 0, 0x08020000, data, sizeof(data));
    dfu_plan *p;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    const dfu_step *last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->kind, DFU_STEP_LEAVE);
    /* The ROM must not jump into data: it starts the application at the start of flash. */
    assert_int_equal(last->address, 0x08000000);
    dfu_plan_free(p);
    /* A first word that could be a stack pointer is not enough: the reset vector is no Thumb
     * address, so the block, written with --force, is no vector table to start either. */
    const uint32_t words[2] = {0x20001000, 0x08000100};
    memcpy(data, words, sizeof(words));
    dfu_image_free(img);
    dfu_image_new(&img);
    dfu_image_add_target(img, -1, NULL, NULL);
    dfu_image_add_data(NULL, img, 0, 0x08020000, data, sizeof(data));
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    o.force = true;
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, &o), DFU_OK);
    last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->address, 0x08000000);
    dfu_plan_free(p);
    dfu_image_free(img);
    img = app_image(0x08000000, 4096, 0x08000000);
    assert_int_equal(dfu_plan_build(&p, f.ctx, &f.dev, img, NULL), DFU_OK);
    last = dfu_plan_step(p, dfu_plan_step_count(p) - 1);
    assert_int_equal(last->address, 0x08000000);
    dfu_plan_free(p);
    dfu_image_free(img);
    teardown_dev(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_order_erases_vector_sector_first_and_writes_its_table_last),
        cmocka_unit_test(test_linear_order_is_plain_address_order),
        cmocka_unit_test(test_erases_exactly_the_sectors_touched),
        cmocka_unit_test(test_refuses_data_outside_every_region),
        cmocka_unit_test(test_refusal_escapes_the_devices_region_name),
        cmocka_unit_test(test_refuses_to_write_a_protected_bootloader),
        cmocka_unit_test(test_refuses_image_linked_for_another_address),
        cmocka_unit_test(test_refuses_application_at_an_address_vtor_cannot_hold),
        cmocka_unit_test(test_refuses_application_start_without_vector_table),
        cmocka_unit_test(test_not_cortex_m_is_not_checked_for_a_vector_table),
        cmocka_unit_test(test_mass_erase_replaces_sector_erases),
        cmocka_unit_test(test_option_bytes_go_last_and_skip_leave),
        cmocka_unit_test(test_cannot_upload_means_no_verify_and_a_note),
        cmocka_unit_test(test_dfu11_application_base_and_manifest),
        cmocka_unit_test(test_leave_names_an_address_only_for_an_application),
    };
    return tu_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
