# Packaging and deployment checks that need no server: the Python client's wheel built
# offline, and the deployment files (Dockerfile, compose, systemd unit) kept in step
# with the build script and the server's flags.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME python_wheel
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_python_wheel
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(python_wheel PROPERTIES
    LABELS "packaging;nosanitize" TIMEOUT 300
    ENVIRONMENT "TC_WHEEL_DIR=${CMAKE_BINARY_DIR}/wheel")
  add_test(NAME deploy_files
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_deploy
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(deploy_files PROPERTIES
    LABELS "packaging" TIMEOUT 60
    ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONDONTWRITEBYTECODE=1")
endif()
