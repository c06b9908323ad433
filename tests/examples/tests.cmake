# The examples run end to end against a real server, so they cannot rot unnoticed.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME examples_end_to_end
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_examples
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(examples_end_to_end PROPERTIES
    LABELS "examples" TIMEOUT 300
    ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONDONTWRITEBYTECODE=1")
endif()
