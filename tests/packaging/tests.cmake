# Packaging checks that need no server: the Python client's wheel built offline.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME python_wheel
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_python_wheel
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(python_wheel PROPERTIES
    LABELS "packaging;nosanitize" TIMEOUT 300
    ENVIRONMENT "TC_WHEEL_DIR=${CMAKE_BINARY_DIR}/wheel")
endif()
