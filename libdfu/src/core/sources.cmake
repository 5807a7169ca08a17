target_sources(dfu_objects PRIVATE
  src/core/buf.c
  src/core/ctx.c
  src/core/file.c
  src/core/file_lock.c
  src/core/names.c
  src/core/options.c
  src/core/sha256.c
  src/core/shown.c
  src/core/str.c)
