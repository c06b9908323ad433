# The operator's view with real processes: /metrics (promtool), access and JSON logs,
# and a real full disk (a 6 MiB tmpfs; skipped when the test cannot mount one).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  foreach(suite test_ops test_disk_full)
    add_test(NAME ops_${suite}
             COMMAND ${Python3_EXECUTABLE} -m unittest -v ${suite}
             WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
    set_tests_properties(ops_${suite} PROPERTIES
      LABELS "ops" TIMEOUT 600
      ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONDONTWRITEBYTECODE=1")
  endforeach()
endif()
