/* Helpers for tests that drive simulated boards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

uint8_t *tu_app_bytes(uint32_t base, uint32_t size, uint32_t sp, uint64_t seed)
{
    assert_true(size >= 8);
    uint8_t *d = malloc(size);
    tu_rng rng;
    tu_rng_seed(&rng, seed);
    tu_rng_fill(&rng, d, size);
    uint32_t reset = base + 0x189;
    if (reset >= base + size) reset = base + 9;
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(sp >> (8 * i));
        d[4 + i] = (uint8_t)(reset >> (8 * i));
    }
    return d;
}

void tu_write_app(const char *path, uint32_t base, uint32_t size, uint32_t sp, uint64_t seed)
{
    uint8_t *d = tu_app_bytes(base, size, sp, seed);
    tu_write_file(path, d, size);
    free(d);
}

static dfu_sim *open_board(const char *spec, dfu_ctx **ctx)
{
    dfu_sim *sim;
    dfu_ctx_new(ctx);
    if (dfu_sim_new(&sim, *ctx, spec) != DFU_OK)
        fail_msg("opening %s: %s", spec, dfu_ctx_error(*ctx)->message);
    return sim;
}

void tu_sim_peek(const char *spec, uint32_t address, uint8_t *buf, size_t len)
{
    dfu_ctx *ctx;
    dfu_sim *sim = open_board(spec, &ctx);
    assert_int_equal(dfu_sim_peek(sim, address, buf, len), DFU_OK);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
}

void tu_sim_poke(const char *spec, uint32_t address, const uint8_t *buf, size_t len)
{
    dfu_ctx *ctx;
    dfu_sim *sim = open_board(spec, &ctx);
    assert_int_equal(dfu_sim_poke(sim, address, buf, len), DFU_OK);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
}

void tu_sim_enter_bootloader(const char *spec)
{
    dfu_ctx *ctx;
    dfu_sim *sim = open_board(spec, &ctx);
    dfu_sim_hold_bootloader_button(sim, true);
    dfu_sim_power_cycle(sim, 0);
    dfu_sim_bus bus;
    dfu_sim_bus_status(sim, 10000000, &bus); /* let it enumerate */
    assert_true(dfu_sim_in_bootloader(sim));
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
}

void tu_sim_fill_used(const char *spec, uint32_t address, uint64_t seed)
{
    dfu_ctx *ctx;
    dfu_sim *sim = open_board(spec, &ctx);
    for (size_t i = 0; i < dfu_sim_region_count(sim); i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        if (address < r.address || address - r.address >= r.size || r.bootloader_size >= r.size)
            continue;
        uint32_t size = r.size - r.bootloader_size;
        uint8_t *d = malloc(size);
        tu_rng rng;
        tu_rng_seed(&rng, seed);
        tu_rng_fill(&rng, d, size);
        assert_int_equal(dfu_sim_poke(sim, r.address + r.bootloader_size, d, size), DFU_OK);
        free(d);
    }
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
}

uint8_t *tu_sim_memory(const dfu_sim *sim, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < dfu_sim_region_count(sim); i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        total += r.size;
    }
    uint8_t *all = malloc(total ? total : 1), *p = all;
    for (size_t i = 0; i < dfu_sim_region_count(sim); i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        assert_int_equal(dfu_sim_peek(sim, r.address, p, r.size), DFU_OK);
        p += r.size;
    }
    *len = total;
    return all;
}

uint8_t *tu_sim_snapshot(const char *spec, size_t *len)
{
    dfu_ctx *ctx;
    dfu_sim *sim = open_board(spec, &ctx);
    uint8_t *all = tu_sim_memory(sim, len);
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    return all;
}

void tu_sim_expect_untouched_outside(const char *spec, const uint8_t *before, size_t len,
                                     uint32_t lo, uint32_t hi, uint32_t unit)
{
    size_t after_len;
    uint8_t *after = tu_sim_snapshot(spec, &after_len);
    assert_int_equal(after_len, len);
    dfu_ctx *ctx;
    dfu_sim *sim;
    dfu_ctx_new(&ctx);
    assert_int_equal(dfu_sim_new(&sim, ctx, spec), DFU_OK);
    uint32_t from = lo / unit * unit, to = (hi + unit - 1) / unit * unit;
    size_t off = 0;
    for (size_t i = 0; i < dfu_sim_region_count(sim); i++) {
        dfu_sim_region r;
        dfu_sim_region_at(sim, i, &r);
        for (uint32_t k = 0; k < r.size; k++) {
            uint32_t a = r.address + k;
            bool touched = a >= from && a < to;
            if (!touched && before[off + k] != after[off + k])
                fail_msg("%s: 0x%08x changed (0x%02x -> 0x%02x)%s", spec, a, before[off + k],
                         after[off + k], from < to ? " outside the image's sectors" : "");
        }
        off += r.size;
    }
    dfu_sim_free(sim);
    dfu_ctx_free(ctx);
    free(after);
}

void tu_sim_expect_unchanged(const char *spec, const uint8_t *before, size_t len)
{
    tu_sim_expect_untouched_outside(spec, before, len, 0, 0, 1);
}

void tu_sim_spec(char *buf, size_t cap, const char *profile, const char *dir, const char *extra)
{
    snprintf(buf, cap, "sim:%s,state=%s/board.img%s%s", profile, dir, extra && *extra ? "," : "",
             extra ? extra : "");
}
