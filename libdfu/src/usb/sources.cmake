target_sources(dfu_objects PRIVATE
  src/usb/clock.c
  src/usb/device_info.c
  src/usb/device_list.c
  src/usb/select.c
  src/usb/selector.c)
if(DFU_WITH_LIBUSB)
  target_sources(dfu_objects PRIVATE
    src/usb/desc_tmp.c
    src/usb/libusb_describe.c
    src/usb/libusb_error.c
    src/usb/libusb_transport.c
    src/usb/usb_libusb.c)
endif()
# TEMPORARY until branch `sim` is merged: the sim backend is optional.
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/usb_sim.c)
  target_compile_definitions(dfu_objects PRIVATE DFU_HAVE_SIM_BACKEND=1)
endif()
