target_sources(dfu_objects PRIVATE
  src/proto/descriptor.c
  src/proto/layout.c)
