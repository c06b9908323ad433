# Redis backend suites: the HTTP conformance suite against (a) one instance on
# one Redis, (b) three instances on one Redis, (c) three instances on a 3-master Redis
# Cluster (tests/conformance/redis_deploy.py starts the Redis servers), and the fault
# tests of tests/redis/test_faults.py (Redis restart, instance kill -9, lease handover),
# tests/redis/test_cluster_ops.py (failover, resharding), tests/redis/test_reaper.py
# (the reaper's due index and sweep) and tests/redis/test_script_modes.py.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  # lib.lua's top level holds constants and functions only (it runs once per Function
  # library load): tests/redis/lib_lua_lint.py.
  add_test(NAME redis_lib_lua_lint
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/lib_lua_lint.py
                   ${CMAKE_SOURCE_DIR}/src/store/redis/scripts/lib.lua)
endif()
find_program(TC_REDIS_SERVER redis-server)
if(Python3_Interpreter_FOUND AND TC_REDIS_SERVER)
  foreach(mode single shared cluster)
    add_test(NAME conformance_redis_${mode}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/conformance/redis_deploy.py ${mode})
    set_tests_properties(conformance_redis_${mode} PROPERTIES
                         ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                         TIMEOUT 600)
  endforeach()
  add_test(NAME redis_faults
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_faults
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(redis_faults PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                       TIMEOUT 600)
  # The reaper's due index and safety sweep (tests/redis/test_reaper.py), one Redis and
  # a 3-master Cluster.
  add_test(NAME redis_reaper
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_reaper
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(redis_reaper PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                       TIMEOUT 600)
  # How the scripts run: a Function library, EVALSHA, and the fallback between them
  # (tests/redis/test_script_modes.py).
  add_test(NAME redis_script_modes
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_script_modes
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
  set_tests_properties(redis_script_modes PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                       TIMEOUT 300)
  # Failover (kill -9 a master of a 3+3 cluster, with and without --redis-wait-replicas)
  # and resharding under load: real clusters, a minute of load; not for sanitizer runs.
  find_program(TC_REDIS_CLI redis-cli)
  if(TC_REDIS_CLI)
    add_test(NAME redis_cluster_ops
             COMMAND ${Python3_EXECUTABLE} -m unittest -v test_cluster_ops
             WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
    set_tests_properties(redis_cluster_ops PROPERTIES
                         ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                         LABELS "nosanitize" TIMEOUT 900)
  endif()
else()
  message(WARNING "python3 or redis-server not found: the Redis suites are not registered")
endif()
