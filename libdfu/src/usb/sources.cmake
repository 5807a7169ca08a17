target_sources(dfu_objects PRIVATE
  src/usb/clock.c
  src/usb/device_info.c
  src/usb/device_list.c
  src/usb/select.c
  src/usb/selector.c
  src/usb/usb_sim.c)
if(DFU_WITH_LIBUSB)
  target_sources(dfu_objects PRIVATE
    src/usb/libusb_control.c
    src/usb/libusb_describe.c
    src/usb/libusb_error.c
    src/usb/libusb_transport.c
    src/usb/usb_libusb.c)
endif()
