# The differential test: random API sequences in lockstep on five deployments (memory,
# memory + log, Redis, two instances on Redis, two instances on Redis Cluster), failing on
# any difference. `run.py --ci` is a fixed set of seeds of about two minutes. Labelled
# nosanitize: under ASan the servers are several times slower, which eats the margin
# between the short timers and the pauses after them (tests/differential/README.md).
find_package(Python3 COMPONENTS Interpreter)
find_program(TC_REDIS_SERVER redis-server)
if(Python3_Interpreter_FOUND AND TC_REDIS_SERVER)
  add_test(NAME differential
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run.py --ci)
  set_tests_properties(differential PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>"
                       TIMEOUT 600
                       LABELS "differential;nosanitize")
else()
  message(WARNING "python3 or redis-server not found: the differential test is not registered")
endif()
