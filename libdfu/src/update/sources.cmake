target_sources(dfu_objects PRIVATE
  src/update/estimate.c
  src/update/plan.c
  src/update/safety.c)
