/* The registry of profiles: the order here is the order dfu_sim_profile_at() lists them. */
#include <string.h>

#include "sim_internal.h"

extern const sim_profile dfu_simi_profile_stm32f405, dfu_simi_profile_stm32h743,
    dfu_simi_profile_stm32l476, dfu_simi_profile_mboot_f4, dfu_simi_profile_dapboot_f103,
    dfu_simi_profile_tinyusb, dfu_simi_profile_gd32vf103, dfu_simi_profile_dfu11;

static const sim_profile *const profiles[] = {
    &dfu_simi_profile_stm32f405, &dfu_simi_profile_stm32h743,    &dfu_simi_profile_stm32l476,
    &dfu_simi_profile_mboot_f4,  &dfu_simi_profile_dapboot_f103, &dfu_simi_profile_tinyusb,
    &dfu_simi_profile_gd32vf103, &dfu_simi_profile_dfu11,
};

size_t dfu_sim_profile_count(void)
{
    return SIM_COUNT(profiles);
}

const dfu_sim_profile_info *dfu_sim_profile_at(size_t index)
{
    return index < SIM_COUNT(profiles) ? &profiles[index]->info : NULL;
}

const sim_profile *dfu_simi_profile_find(const char *name)
{
    for (size_t i = 0; i < SIM_COUNT(profiles); i++)
        if (strcmp(profiles[i]->info.name, name) == 0) return profiles[i];
    return NULL;
}
