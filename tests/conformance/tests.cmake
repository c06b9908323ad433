# The HTTP conformance suite: drives the real taskcenter binary over HTTP.
# Registered here (included by tests/CMakeLists.txt) so the suite owns its registration.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME conformance_memory
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run_suite.py)
  set_tests_properties(conformance_memory PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                       TIMEOUT 300
                       LABELS "conformance")
else()
  message(WARNING "python3 not found: the HTTP conformance suite is not registered")
endif()
