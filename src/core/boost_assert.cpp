// Boost's assertions (BOOST_ASSERT in Beast and Asio) in debug builds come here:
// CMakeLists.txt defines BOOST_ENABLE_ASSERT_DEBUG_HANDLER (release builds, with NDEBUG,
// compile them out as before). Every assertion aborts, as assert() would, except one
// known false positive that a client could otherwise use to abort a debug or sanitizer
// build of the server.
#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Beast before Boost 1.86 asserts `n >= 5` when the last chunk of a chunked body
// ("0\r\n") and the CRLF that ends it arrive in separate reads ("0\r\n", "\r", "\n"); the
// code after it handles that case correctly (boostorg/beast pull request 2861, which
// relaxed the assertion). Found by tests/fuzz/http_request_fuzz.cpp; the regression test
// is tests/unit/fuzz_regressions_test.cpp.
bool known_false_positive(const char* expr, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "beast/http/impl/basic_parser.ipp");
}

[[noreturn]] void fail(const char* expr, const char* msg, const char* function, const char* file,
                       long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s\n", file, line, function, expr,
               msg ? ": " : ".", msg ? msg : "");
  std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (known_false_positive(expr, file)) return;
  fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file,
                          long line) {
  if (known_false_positive(expr, file)) return;
  fail(expr, msg, function, file, line);
}

}  // namespace boost
