target_sources(dfu_objects PRIVATE
  src/usb/clock.c
  src/usb/device_info.c
  src/usb/usb_sim.c)
