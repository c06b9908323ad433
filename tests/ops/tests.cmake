# The operator's view with real processes: /metrics (promtool), access and JSON logs.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME ops_metrics_logs
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_ops
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(ops_metrics_logs PROPERTIES
    LABELS "ops" TIMEOUT 600
    ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONDONTWRITEBYTECODE=1")
endif()
