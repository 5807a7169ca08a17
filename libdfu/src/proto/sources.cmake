target_sources(dfu_objects PRIVATE
  src/proto/descriptor.c
  src/proto/device.c
  src/proto/device_query.c
  src/proto/dfu11.c
  src/proto/dfuse.c
  src/proto/layout.c
  src/proto/poll.c
  src/proto/quirks.c
  src/proto/requests.c
  src/proto/retry.c
  src/proto/wait.c)

# The quirk table ships as data (packaging/quirks/libdfu.quirks) compiled into the library.
set(DFU_QUIRKS_FILE ${PROJECT_SOURCE_DIR}/packaging/quirks/libdfu.quirks)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${DFU_QUIRKS_FILE})
file(READ ${DFU_QUIRKS_FILE} dfu_quirks_text)
string(REPLACE "\\" "\\\\" dfu_quirks_text "${dfu_quirks_text}")
string(REPLACE "\"" "\\\"" dfu_quirks_text "${dfu_quirks_text}")
string(REPLACE "\n" "\\n\"\n    \"" dfu_quirks_text "${dfu_quirks_text}")
set(DFU_QUIRKS_C_STRING "\n    \"${dfu_quirks_text}\"")
configure_file(src/proto/quirks_data.c.in ${CMAKE_CURRENT_BINARY_DIR}/quirks_data.c @ONLY)
target_sources(dfu_objects PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/quirks_data.c)
