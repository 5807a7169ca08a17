# Assembled with as --64 and as --32 by tests/interop/test_elf_binutils.c; x86.ld places the
# sections at virtual addresses different from their load (physical) addresses.
    .text
    .globl _start
_start:
    nop
    jmp _start
    .ascii "x86 text placed by the linker script"

    .data
    .ascii "x86 data: runs at its VMA, stored at its LMA"
    .long 0x11223344

    .bss
    .space 256
