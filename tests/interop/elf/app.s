@ A minimal Cortex-M application for tests/interop/test_elf_binutils.c, linked with each of the
@ app_*.ld scripts: what matters is the layout GNU ld gives it (a vector table and .text in flash,
@ .data stored in flash but run in RAM, .bss), not what it does.
    .syntax unified
    .cpu cortex-m3
    .thumb

    .section .isr_vector, "a", %progbits
    .word 0x20001000
    .word Reset_Handler

    .text
    .thumb_func
    .global Reset_Handler
Reset_Handler:
    ldr r0, =counter
    ldr r1, [r0]
    adds r1, r1, #1
    str r1, [r0]
    b .
    .ltorg

    .section .rodata
    .asciz "hello firmware"

    .data
counter:
    .word 5
    .word 1, 2, 3, 4

    .bss
    .space 256
