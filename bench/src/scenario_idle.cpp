// idle: --waiters connections held open by long-polling requests (half peeks, each on its
// own queue; half calls waiting for replies). Reports the server's RSS above the empty
// server, its CPU while they wait, and how long one put takes to wake one peek (and one
// reply to wake one call), measured one at a time.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <cstdio>
#include <thread>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

// Everything lives on one client thread, so plain fields need no synchronisation.
struct IdleState {
  std::vector<std::uint64_t> peek_sent;   // ns when a put was sent to waiter i's queue
  std::vector<std::uint64_t> call_sent;   // ns when a reply was sent to call waiter j
  Histogram peek_wake, call_wake;
  std::unique_ptr<asio::steady_timer> waker_timer;  // cancelled by the woken waiter
  std::uint64_t started = 0, early = 0;
  std::atomic<bool> go{false}, done{false};
};

std::string idle_queue(const Context& context, const char* kind, std::size_t i) {
  return context.queue(std::string("idle-") + kind + (i == SIZE_MAX ? "" : std::to_string(i)));
}

asio::awaitable<void> peek_waiter(asio::io_context& io, const Context& context, IdleState& state,
                                  std::size_t i, std::string timeout, Stats& stats) {
  HttpConnection connection(io, context.target(i), 1024);
  std::string queue = idle_queue(context, "p", i), cursor = "null", body;
  std::vector<ScannedTask> tasks;
  ++state.started;
  for (;;) {
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"size\":1,\"cursor\":").append(cursor);
    body.append(",\"timeout\":").append(timeout).append("}");
    if (!co_await connection.post("/task/peek", body) || connection.status() != 200) {
      stats.error("peek: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      co_await pause(io, std::chrono::milliseconds(100));
      continue;
    }
    std::uint64_t now = now_ns();
    scan_tasks(connection.response_body(), tasks);
    if (tasks.empty()) {
      ++state.early;  // the long poll timed out (should not happen within the run)
      continue;
    }
    if (state.peek_sent[i] > 0) {
      state.peek_wake.record(now - state.peek_sent[i]);
      state.peek_sent[i] = 0;
      if (state.waker_timer) state.waker_timer->cancel();
    }
    cursor = "\"" + std::string(last_cursor(connection.response_body())) + "\"";
  }
}

asio::awaitable<void> call_waiter(asio::io_context& io, const Context& context, IdleState& state,
                                  std::size_t j, std::string timeout, Stats& stats) {
  HttpConnection connection(io, context.target(j + 1), 1024);
  std::string queue = idle_queue(context, "c", SIZE_MAX), body;
  ++state.started;
  for (std::uint64_t generation = 0;; ++generation) {
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(id_prefix("c", j));
    append_number(body, generation);
    body.append("\",\"timeout\":").append(timeout).append("}");
    if (!co_await connection.post("/task/call", body) || connection.status() != 200) {
      stats.error("call: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      co_await pause(io, std::chrono::milliseconds(100));
      continue;
    }
    std::uint64_t now = now_ns();
    if (!is_ok_envelope(connection.response_body())) {
      ++state.early;
      continue;
    }
    if (state.call_sent[j] > 0 && state.call_sent[j] != UINT64_MAX) {
      state.call_wake.record(now - state.call_sent[j]);
      state.call_sent[j] = 0;
      if (state.waker_timer) state.waker_timer->cancel();
    }
  }
}

// Sends `wakes` puts (then replies), one at a time, each waiting for its waiter to wake.
asio::awaitable<void> waker(asio::io_context& io, const Context& context, IdleState& state,
                            int wakes, Stats& stats) {
  while (!state.go) co_await pause(io, std::chrono::milliseconds(10));
  HttpConnection connection(io, context.target(1));  // another instance than most waiters
  std::string body;
  auto wait_for_wake = [&]() -> asio::awaitable<void> {
    state.waker_timer->expires_after(std::chrono::seconds(2));
    boost::system::error_code ec;
    co_await state.waker_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) stats.error("a waiter was not woken within 2 s");
  };
  state.waker_timer = std::make_unique<asio::steady_timer>(io);
  std::size_t peeks = state.peek_sent.size(), calls = state.call_sent.size();
  for (int k = 0; k < wakes && peeks > 0; ++k) {
    std::size_t i = (std::size_t(k) * 7919) % peeks;
    body.clear();
    body.append("{\"queue\":\"").append(idle_queue(context, "p", i)).append("\",\"id\":\"w");
    append_number(body, std::uint64_t(k));
    body.append("\"}");
    state.peek_sent[i] = now_ns();
    if (!co_await connection.post("/task/put", body)) stats.error("put: " + connection.last_error());
    if (state.peek_sent[i] > 0) co_await wait_for_wake();
  }
  for (int k = 0; k < wakes && calls > 0; ++k) {
    std::size_t j = (std::size_t(k) * 7919) % calls;
    if (state.call_sent[j] == UINT64_MAX) continue;  // already answered once
    body.clear();
    body.append("{\"queue\":\"").append(idle_queue(context, "c", SIZE_MAX)).append("\",\"id\":\"");
    body.append(id_prefix("c", j)).append("0\",\"info\":{\"ok\":1}}");
    state.call_sent[j] = now_ns();
    if (!co_await connection.post("/task/reply", body)) stats.error("reply: " + connection.last_error());
    if (state.call_sent[j] > 0) co_await wait_for_wake();
    state.call_sent[j] = UINT64_MAX;
  }
  state.done = true;
}

}  // namespace

void run_idle(Context& context) {
  int waiters = int(context.options.integer("waiters", 10000));
  int wakes = int(context.options.integer("wakes", 200));
  double settle = context.options.number("settle", 2);
  double hold = context.options.number("hold", 5);
  std::string timeout = std::to_string(int(settle + hold + 60));
  auto rss = [&]() -> double {
    auto bytes = context.server_rss_bytes();
    return bytes ? *bytes / (1 << 20) : -1;
  };
  auto cpu = [&]() -> double {
    auto s = context.server_cpu_seconds();
    return s ? *s : -1;
  };
  double rss_empty = rss();

  IdleState state;
  std::size_t peeks = std::size_t(waiters / 2), calls = std::size_t(waiters) - peeks;
  state.peek_sent.assign(peeks, 0);
  state.call_sent.assign(calls, 0);
  Engine engine(1);  // one thread: the waiters and the waker share IdleState
  engine.spawn(0, waker(engine.context(0), context, state, wakes, engine.stats(0)));
  engine.start();
  // Open connections in waves so the listen backlog never overflows (SYN retries cost 1 s).
  for (int w = 0; w < waiters; ++w) {
    if (std::size_t(w) < peeks) {
      engine.spawn(0, peek_waiter(engine.context(0), context, state, std::size_t(w), timeout, engine.stats(0)));
    } else {
      engine.spawn(0, call_waiter(engine.context(0), context, state, std::size_t(w) - peeks, timeout, engine.stats(0)));
    }
    if (w % 250 == 249) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::this_thread::sleep_for(std::chrono::microseconds(std::int64_t(settle * 1e6)));
  double rss_waiting = rss();
  double cpu0 = cpu(), self0 = self_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::microseconds(std::int64_t(hold * 1e6)));
  double cpu1 = cpu(), self1 = self_cpu_seconds();
  state.go = true;
  TimePoint give_up = Clock::now() + std::chrono::seconds(30 + wakes / 10);
  while (!state.done && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine.stop();
  Stats all = engine.merged();

  Row row;
  row.scenario = "idle";
  row.mode = "wait";
  row.connections = waiters;
  row.producers = int(peeks);
  row.consumers = int(calls);
  row.seconds = hold;
  row.ops = state.peek_wake.count();
  row.requests = state.peek_wake.count() + state.call_wake.count();
  row.errors = all.errors;
  row.latency = state.peek_wake;
  row.client_cpu = 100 * (self1 - self0) / hold;
  row.server_cpu = cpu0 >= 0 ? 100 * (cpu1 - cpu0) / hold : -1;
  row.server_rss_mb = rss_waiting;
  char note[400];
  std::snprintf(note, sizeof note,
                "latency=put-to-peek-wake; rss_empty=%.1fMB rss_waiting=%.1fMB delta=%.1fMB "
                "(%.1f KB/waiter); reply-to-call-wake p50=%.3fms p99=%.3fms; long polls ended early=%llu",
                rss_empty, rss_waiting, rss_waiting - rss_empty,
                (rss_waiting - rss_empty) * 1024 / waiters,
                double(state.call_wake.quantile(0.5)) / 1e6, double(state.call_wake.quantile(0.99)) / 1e6,
                static_cast<unsigned long long>(state.early));
  row.note = note;
  context.emit(row, all.first_error);
}

}  // namespace bench
