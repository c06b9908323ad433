# The dashboard driven in Debian's chromium by playwright-core (pinned in
# tests/browser/package-lock.json). Labelled nosanitize: it tests the page, not the
# server's memory safety, and a browser under the ASan pass would only be slower.
find_program(TC_NPM_FOR_BROWSER npm)
find_program(TC_CHROMIUM chromium PATHS /usr/bin NO_DEFAULT_PATH)
if(TC_NPM_FOR_BROWSER AND TC_CHROMIUM)
  add_test(NAME browser_dashboard COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh)
  set_tests_properties(browser_dashboard PROPERTIES
                       ENVIRONMENT "TC_BINARY=$<TARGET_FILE:taskcenter>;TC_SCREENSHOT_DIR=${CMAKE_BINARY_DIR}/browser-screenshots"
                       LABELS "browser;nosanitize" TIMEOUT 300)
else()
  message(STATUS "npm or /usr/bin/chromium not found: browser_dashboard is not registered (scripts/deps.sh installs them)")
endif()
