// Helpers for tests that drive coroutines: run an awaitable to completion on an
// io_context from a plain (non-coroutine) test body.
#pragma once

#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tc::test {

// Runs `awaitable` on `io` until it completes and returns its value (rethrows its
// exception). Runs one handler at a time, so it also works when `io` has long-lived
// work of its own (a store's connection): it stops as soon as the awaitable is done.
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> awaitable) {
  std::optional<T> value;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(
      io,
      [&value, aw = std::move(awaitable)]() mutable -> boost::asio::awaitable<void> {
        value.emplace(co_await std::move(aw));
      },
      [&](std::exception_ptr e) {
        error = e;
        done = true;
      });
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

inline void run_sync(boost::asio::io_context& io, boost::asio::awaitable<void> awaitable) {
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(awaitable), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
}

// For tests with no io_context of their own.
template <class T>
T run_sync(boost::asio::awaitable<T> awaitable) {
  boost::asio::io_context io;
  return run_sync(io, std::move(awaitable));
}

// "<prefix><n>", built by appending. `"t" + std::to_string(n)` inlines into
// basic_string::insert, where g++ 12 at -O3 reports a false -Wrestrict positive (GCC bug 105651).
inline std::string numbered(std::string_view prefix, long long n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/taskcenter-test-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace tc::test
