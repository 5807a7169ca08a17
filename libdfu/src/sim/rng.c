/* The device's only source of chance: splitmix64 from the spec's seed, so runs repeat. */
#include "sim_internal.h"

uint64_t dfu_simi_rand(dfu_sim *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t dfu_simi_rand_ppm(dfu_sim *s)
{
    return (uint32_t)(dfu_simi_rand(s) % 1000000u);
}
