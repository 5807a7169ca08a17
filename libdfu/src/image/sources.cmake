target_sources(dfu_objects PRIVATE
  src/image/bin.c
  src/image/dfuse.c
  src/image/elf.c
  src/image/hexdigits.c
  src/image/ihex.c
  src/image/ihex_write.c
  src/image/lines.c
  src/image/srec.c
  src/image/srec_write.c
  src/image/textrec.c
  src/image/textwrite.c
  src/image/builder.c
  src/image/detect.c
  src/image/image.c
  src/image/load.c
  src/image/save.c
  src/image/suffix.c)
