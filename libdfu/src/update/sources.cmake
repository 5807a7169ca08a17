target_sources(dfu_objects PRIVATE
  src/update/device_ops.c
  src/update/estimate.c
  src/update/exec_dfu11.c
  src/update/exec_dfuse.c
  src/update/execute.c
  src/update/journal.c
  src/update/journal_read.c
  src/update/plan.c
  src/update/plan_device.c
  src/update/recover.c
  src/update/safety.c)
