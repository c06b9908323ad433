# Fuzz target of the HTTP layer's pure parsers (tests/fuzz/requests_fuzz.cpp). Under CTest it
# runs with a deterministic mutation driver; for real fuzzing with libFuzzer see run_libfuzzer.sh.
add_executable(requests_fuzz_smoke ${CMAKE_CURRENT_LIST_DIR}/requests_fuzz.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/fuzz_driver.cpp)
target_link_libraries(requests_fuzz_smoke PRIVATE taskcenter_lib)
add_test(NAME fuzz_requests_smoke COMMAND requests_fuzz_smoke 100000)
set_tests_properties(fuzz_requests_smoke PROPERTIES TIMEOUT 600)
