target_sources(dfu_objects PRIVATE
  src/image/bin.c
  src/image/dfuse.c
  src/image/dfuse_write.c
  src/image/elf.c
  src/image/ihex.c
  src/image/srec.c
  src/image/builder.c
  src/image/detect.c
  src/image/image.c
  src/image/load.c
  src/image/save.c
  src/image/suffix.c)
