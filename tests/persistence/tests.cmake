# The embedded store's log seen through the real server: clean restart, kill -9 mid-traffic.
add_test(NAME persistence_restart_and_crash
         COMMAND python3 -m unittest -v test_persistence
         WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(persistence_restart_and_crash PROPERTIES
  ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;PYTHONDONTWRITEBYTECODE=1"
  TIMEOUT 300 LABELS "persistence")
