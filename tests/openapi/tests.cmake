# src/web/openapi.json linted by Redocly (pinned in tests/openapi/package-lock.json).
find_program(TC_NPM npm)
if(TC_NPM)
  add_test(NAME openapi_lint COMMAND ${CMAKE_CURRENT_LIST_DIR}/lint.sh)
  set_tests_properties(openapi_lint PROPERTIES LABELS "openapi;nosanitize" TIMEOUT 300)
else()
  message(STATUS "npm not found: openapi_lint is not registered (scripts/deps.sh installs it)")
endif()
