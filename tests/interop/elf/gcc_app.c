/* A minimal Cortex-M application compiled with arm-none-eabi-gcc by
 * tests/interop/test_elf_binutils.c and linked with each gcc_*.ld script: what matters is the
 * shape the linker gives it (sections in flash, .data stored in flash but run in RAM, .bss). */
int counter = 5;
int table[4] = {1, 2, 3, 4};
int zeros[64];
const char msg[] = "hello firmware";

void Reset_Handler(void);

void Reset_Handler(void)
{
    zeros[0] = counter + table[1] + msg[0];
    for (;;) {
    }
}

__attribute__((section(".isr_vector"))) void (*const vectors[])(void) = {
    (void (*)(void))0x20001000,
    Reset_Handler,
};
