# The Python client's suites (clients/python/tests), each against its own real server
# process started by the tests. Standard library only: unittest, no pytest.
find_package(Python3 3.8 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  foreach(suite test_client test_consumer test_consumer_process test_cli)
    add_test(NAME python_${suite}
             COMMAND ${Python3_EXECUTABLE} -m unittest -v ${suite}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/clients/python/tests)
    set_tests_properties(python_${suite} PROPERTIES
      LABELS python
      TIMEOUT 180
      ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONPATH=${CMAKE_SOURCE_DIR}/clients/python;PYTHONDONTWRITEBYTECODE=1")
  endforeach()
else()
  message(STATUS "python3 not found: the Python client tests are not registered")
endif()
