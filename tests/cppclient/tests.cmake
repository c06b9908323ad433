# C++ client suite (clients/cpp): pure codec tests plus tests against real server
# processes started by the fixture. Sources live with the client in clients/cpp/tests;
# the targets it links (taskcenter_client, taskcenter, echo_consumer) are defined later
# by clients/cpp/CMakeLists.txt, which is fine: names resolve at generate time.
file(GLOB TC_CPP_CLIENT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/clients/cpp/tests/*.cpp)
add_executable(cpp_client_tests ${TC_CPP_CLIENT_TESTS})
target_include_directories(cpp_client_tests PRIVATE ${CMAKE_SOURCE_DIR}/clients/cpp/src)
target_link_libraries(cpp_client_tests PRIVATE taskcenter_client PkgConfig::SIMDJSON GTest::gtest GTest::gtest_main)
# $TC_BINARY overrides these at run time.
target_compile_definitions(cpp_client_tests PRIVATE
  TC_DEFAULT_BINARY="$<TARGET_FILE:taskcenter>"
  TC_ECHO_CONSUMER="$<TARGET_FILE:echo_consumer>")
add_dependencies(cpp_client_tests taskcenter echo_consumer)
# The prefix keeps CTest names unique: unit_tests has suites of the same names (Base64...).
gtest_discover_tests(cpp_client_tests
  TEST_PREFIX cppclient.
  DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 120 LABELS cppclient ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>")
