// The load generator's runtime: one io_context per client thread (connections are spread
// over them round-robin and never share state across threads), a measurement window, and
// per-thread statistics merged after the threads stop.
#pragma once

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"

namespace bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

inline std::uint64_t nanos_between(TimePoint from, TimePoint to) {
  auto d = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
  return d < 0 ? 0 : std::uint64_t(d);
}
inline std::uint64_t now_ns() {
  return std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           Clock::now().time_since_epoch()).count());
}

// Where requests go: "http://127.0.0.1:8000" (IPv4/IPv6 literal or name resolved once).
struct Target {
  tcp::endpoint endpoint;
  std::string host;  // Host header value
  static Target parse(const std::string& url);  // throws std::runtime_error
};

// Only completions inside [begin, end) count; the time before begin is warm-up.
struct Window {
  TimePoint begin;
  TimePoint end;
  bool contains(TimePoint t) const { return t >= begin && t < end; }
  double seconds() const { return std::chrono::duration<double>(end - begin).count(); }
};

struct Stats {
  Histogram latency;          // the scenario's headline latency
  Histogram latency2;         // a second one where a scenario has two (depth: take)
  std::uint64_t ops = 0;      // completed operations (requests, tasks or calls)
  std::uint64_t requests = 0; // HTTP requests completed in the window
  std::uint64_t errors = 0;
  std::string first_error;    // kept to tell the user why
  void error(std::string what) {
    ++errors;
    if (first_error.empty()) first_error = std::move(what);
  }
  void merge(const Stats& other);
};

class Engine {
 public:
  explicit Engine(unsigned threads);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  unsigned threads() const { return unsigned(contexts_.size()); }
  asio::io_context& context(std::size_t i) { return *contexts_[i % contexts_.size()]; }
  Stats& stats(std::size_t i) { return stats_[i % stats_.size()]; }

  // Spawns coroutine `make()` on the context of slot i (slot i also picks its Stats).
  template <class Make>
  void spawn(std::size_t i, Make make);

  void start();
  // Stops every context, joins the threads and destroys suspended coroutines, so state
  // the coroutines reference may be released afterwards.
  void stop();
  Stats merged() const;

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<Stats> stats_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

// Sleeps the calling (main) thread until t.
void sleep_until(TimePoint t);

}  // namespace bench

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace bench {
template <class Make>
void Engine::spawn(std::size_t i, Make make) {
  asio::co_spawn(context(i), std::move(make), asio::detached);
}
}  // namespace bench
