# Fuzz targets (tests/fuzz/*_fuzz.cpp). Under CTest each runs with a deterministic mutation
# driver (fuzz_driver.cpp) over its checked-in corpus (tests/fuzz/corpus/<target>/), so
# they build with g++ and run in the ASan pass too. Coverage-guided fuzzing with clang's
# libFuzzer: tests/fuzz/run_libfuzzer.sh (registered below as fuzz_libfuzzer when clang++
# and its fuzzer runtime are installed).
function(tc_fuzz_target name iterations)
  add_executable(${name}_fuzz_smoke ${CMAKE_CURRENT_LIST_DIR}/${name}_fuzz.cpp
                                    ${CMAKE_CURRENT_LIST_DIR}/fuzz_driver.cpp)
  target_link_libraries(${name}_fuzz_smoke PRIVATE taskcenter_lib)
  add_test(NAME fuzz_${name}_smoke
           COMMAND ${name}_fuzz_smoke ${iterations} ${CMAKE_CURRENT_LIST_DIR}/corpus/${name})
  set_tests_properties(fuzz_${name}_smoke PROPERTIES TIMEOUT 600 LABELS "fuzz")
endfunction()

tc_fuzz_target(requests 100000)
tc_fuzz_target(codec 200000)
tc_fuzz_target(token_file 100000)
tc_fuzz_target(http_request 50000)
tc_fuzz_target(log_record 100000)
tc_fuzz_target(log_replay 5000)  # writes a file per input

# The time-boxed libFuzzer run of every target (clang, ASan + UBSan, its own build folder):
# TC_FUZZ_SECONDS per target (default 15). Not in the ASan pass: it is its own sanitizer build.
find_program(TC_CLANGXX clang++)
if(TC_CLANGXX)
  execute_process(COMMAND ${TC_CLANGXX} -print-file-name=libclang_rt.fuzzer-x86_64.a
                  OUTPUT_VARIABLE TC_FUZZER_RT OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(TC_CLANGXX AND EXISTS "${TC_FUZZER_RT}")
  if(NOT DEFINED TC_FUZZ_SECONDS)
    set(TC_FUZZ_SECONDS 15)
  endif()
  add_test(NAME fuzz_libfuzzer
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/run_libfuzzer.sh ${TC_FUZZ_SECONDS})
  set_tests_properties(fuzz_libfuzzer PROPERTIES
    ENVIRONMENT "FUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}/fuzz-libfuzzer"
    TIMEOUT 900 LABELS "fuzz;nosanitize" RUN_SERIAL TRUE)
else()
  message(STATUS "clang++ with libFuzzer not found: fuzz_libfuzzer is not registered (scripts/deps.sh installs it)")
endif()
