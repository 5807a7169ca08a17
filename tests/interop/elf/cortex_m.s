@ A minimal Cortex-M application, assembled and linked by tests/interop/test_elf_binutils.c
@ (little endian, and big endian with -EB). What matters is its shape: a vector table and .text
@ in flash, .data that runs in RAM but is stored in flash (VMA != LMA), and .bss in RAM only.
    .syntax unified
    .cpu cortex-m4
    .thumb

    .section .isr_vector, "a", %progbits
    .word _estack
    .word Reset_Handler
    .word Default_Handler
    .word Default_Handler

    .text
    .thumb_func
    .global Reset_Handler
Reset_Handler:
    @ Copy .data from its load address in flash to RAM, as real startup code does.
    ldr r0, =_sidata
    ldr r1, =_sdata
    ldr r2, =_edata
1:  cmp r1, r2
    ittt lt
    ldrlt r3, [r0], #4
    strlt r3, [r1], #4
    blt 1b
    b .
    .thumb_func
Default_Handler:
    b .
    .ltorg

    .section .rodata
    .asciz "libdfu interop"
    .balign 4

    .data
    .word 0x12345678
    .word 1, 2, 3, 4
    .ascii "data runs in RAM, is stored in flash"
    .balign 4

    .bss
    .space 1024
