// soak: a mixed load held for --minutes N, one printed line per minute, to see whether the
// server stays flat over time (memory, descriptors, latency). The load, all paced so it
// does not depend on how fast the machine is that minute:
//   - producers put into a work queue (--rate puts/s in total), consumers take batches
//     (long poll 1 s) and reply to each task;
//   - callers make synchronous calls (--call-rate calls/s in total) that one call
//     consumer serves (take + reply);
//   - pollers long-poll (take, --poll-timeout s) an idle queue that never gets a task;
//   - churn: --churn-rate new connections/s, alternately one request then close, and a
//     long poll abandoned (socket closed) before its answer, so the server must forget the
//     waiter and the descriptor.
// Each line: per-second rates, errors, latency percentiles per kind (ms), and the server's
// RSS and open descriptors sampled at the end of the minute.
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <mutex>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

enum Kind { kPut, kReply, kEndToEnd, kCall, kChurn, kKinds };

struct SoakMinute {
  Histogram latency[kKinds];
  std::uint64_t polls = 0;  // long polls answered (empty, as expected)
  std::uint64_t abandoned = 0;
  std::uint64_t errors = 0;
};

// Shared by every client thread behind one mutex: a few thousand records a second, so
// the lock is never contended enough to matter, and the printer can read a minute safely.
class SoakLog {
 public:
  SoakLog(TimePoint begin, std::chrono::nanoseconds minute, std::size_t minutes)
      : begin_(begin), minute_(minute), minutes_(minutes) {}

  void record(Kind kind, TimePoint done, std::uint64_t ns) {
    std::lock_guard lock(mutex_);
    if (auto* m = at(done)) m->latency[kind].record(ns);
  }
  void poll(TimePoint done) {
    std::lock_guard lock(mutex_);
    if (auto* m = at(done)) ++m->polls;
  }
  void abandon(TimePoint done) {
    std::lock_guard lock(mutex_);
    if (auto* m = at(done)) ++m->abandoned;
  }
  void error(TimePoint done, const std::string& what) {
    std::lock_guard lock(mutex_);
    if (auto* m = at(done)) ++m->errors;
    if (first_error_.empty()) first_error_ = what;
  }
  SoakMinute copy(std::size_t i) {
    std::lock_guard lock(mutex_);
    return minutes_[i];
  }
  std::string first_error() {
    std::lock_guard lock(mutex_);
    return first_error_;
  }
  std::size_t size() const { return minutes_.size(); }

 private:
  SoakMinute* at(TimePoint t) {
    if (t < begin_) return nullptr;
    auto i = std::size_t((t - begin_) / minute_);
    return i < minutes_.size() ? &minutes_[i] : nullptr;
  }
  TimePoint begin_;
  std::chrono::nanoseconds minute_;
  std::mutex mutex_;
  std::vector<SoakMinute> minutes_;
  std::string first_error_;
};

std::string describe(HttpConnection& c, const char* what) {
  return std::string(what) + ": " +
         (c.last_error().empty() ? "HTTP " + std::to_string(c.status()) + " " +
                                       std::string(c.response_body().substr(0, 200))
                                 : c.last_error());
}

bool answered_ok(bool sent, HttpConnection& c) {
  return sent && c.status() == 200 && is_ok_envelope(c.response_body());
}

// Waits until `next` on the io_context's clock and advances it by `interval`.
asio::awaitable<TimePoint> paced(asio::io_context& io, TimePoint& next,
                                 std::chrono::nanoseconds interval) {
  TimePoint intended = next;
  next += interval;
  if (Clock::now() < intended) {
    co_await pause(io, std::chrono::duration_cast<std::chrono::microseconds>(intended - Clock::now()));
  }
  co_return intended;
}

std::chrono::nanoseconds interval_of(double per_second) {
  return std::chrono::nanoseconds(std::int64_t(1e9 / per_second));
}

asio::awaitable<void> soak_producer(asio::io_context& io, const Target& target, std::string queue,
                                    std::string prefix, std::string content, Window window,
                                    std::chrono::nanoseconds interval, TimePoint first,
                                    SoakLog& log) {
  HttpConnection connection(io, target);
  std::string body;
  TimePoint next = first;
  for (std::uint64_t seq = 0;; ++seq) {
    TimePoint intended = co_await paced(io, next, interval);
    if (intended >= window.end) co_return;
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(prefix);
    append_number(body, seq);
    body.append("\",\"info\":{\"t\":");
    append_number(body, now_ns());
    body.append("},\"content\":\"").append(content).append("\"}");
    bool sent = co_await connection.post("/task/put", body);
    TimePoint done = Clock::now();
    if (!answered_ok(sent, connection)) {
      log.error(done, describe(connection, "put"));
      continue;
    }
    log.record(kPut, done, nanos_between(intended, done));
  }
}

// take + reply each; `e2e`: record put-to-reply from the task's stamp.
asio::awaitable<void> soak_consumer(asio::io_context& io, const Target& target, std::string queue,
                                    int batch, bool e2e, Window window, SoakLog& log) {
  HttpConnection connection(io, target);
  std::string body;
  std::vector<ScannedTask> tasks;
  std::vector<std::string> ids;
  std::vector<std::uint64_t> stamps;
  while (Clock::now() < window.end) {
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"size\":");
    append_number(body, std::uint64_t(batch));
    body.append(",\"timeout\":1,\"promise_reply_time\":60}");
    bool sent = co_await connection.post("/task/take", body);
    if (!answered_ok(sent, connection)) {
      log.error(Clock::now(), describe(connection, "take"));
      co_await pause(io, std::chrono::milliseconds(10));
      continue;
    }
    scan_tasks(connection.response_body(), tasks);
    ids.clear();
    stamps.clear();
    for (const auto& t : tasks) {
      ids.emplace_back(t.id);
      stamps.push_back(t.t);
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      body.clear();
      body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(ids[i]);
      body.append("\",\"info\":{\"ok\":1}}");
      TimePoint start = Clock::now();
      bool ok = answered_ok(co_await connection.post("/task/reply", body), connection);
      TimePoint done = Clock::now();
      if (!ok) {
        log.error(done, describe(connection, "reply"));
        continue;
      }
      log.record(kReply, done, nanos_between(start, done));
      std::uint64_t now = now_ns();
      if (e2e && stamps[i] > 0 && stamps[i] <= now) log.record(kEndToEnd, done, now - stamps[i]);
    }
  }
}

asio::awaitable<void> soak_caller(asio::io_context& io, const Target& target, std::string queue,
                                  std::string prefix, Window window,
                                  std::chrono::nanoseconds interval, TimePoint first,
                                  SoakLog& log) {
  HttpConnection connection(io, target);
  std::string body;
  TimePoint next = first;
  for (std::uint64_t seq = 0;; ++seq) {
    TimePoint intended = co_await paced(io, next, interval);
    if (intended >= window.end) co_return;
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(prefix);
    append_number(body, seq);
    body.append("\",\"info\":{\"n\":1},\"content\":\"\",\"timeout\":10}");
    bool sent = co_await connection.post("/task/call", body);
    TimePoint done = Clock::now();
    if (!answered_ok(sent, connection)) {
      log.error(done, describe(connection, "call"));
      continue;
    }
    log.record(kCall, done, nanos_between(intended, done));
  }
}

asio::awaitable<void> soak_poller(asio::io_context& io, const Target& target, std::string queue,
                                  std::string timeout, Window window, SoakLog& log) {
  HttpConnection connection(io, target, 1024);
  std::string body = "{\"queue\":\"" + queue + "\",\"size\":1,\"timeout\":" + timeout +
                     ",\"promise_reply_time\":60}";
  while (Clock::now() < window.end) {
    bool sent = co_await connection.post("/task/take", body);
    TimePoint done = Clock::now();
    if (!answered_ok(sent, connection)) {
      log.error(done, describe(connection, "long poll"));
      co_await pause(io, std::chrono::milliseconds(10));
      continue;
    }
    log.poll(done);
  }
}

// Even turns: connect, one stat_queue, close (latency includes the connect). Odd turns:
// connect, send a 30 s long poll, close the socket 50 ms later without reading.
asio::awaitable<void> soak_churn(asio::io_context& io, const Target& target, std::string work_queue,
                                 std::string idle_queue, Window window,
                                 std::chrono::nanoseconds interval, SoakLog& log) {
  std::string stat = "{\"queue\":\"" + work_queue + "\"}";
  std::string poll = "{\"queue\":\"" + idle_queue + "\",\"size\":1,\"timeout\":30}";
  std::string request;
  write_request(request, "POST", "/task/take", target.host, poll);
  TimePoint next = Clock::now();
  for (std::uint64_t turn = 0;; ++turn) {
    TimePoint intended = co_await paced(io, next, interval);
    if (intended >= window.end) co_return;
    if (turn % 2 == 0) {
      HttpConnection connection(io, target, 2048);
      bool sent = co_await connection.post("/task/stat_queue", stat);
      TimePoint done = Clock::now();
      connection.close();
      if (!answered_ok(sent, connection)) {
        log.error(done, describe(connection, "churn stat_queue"));
        continue;
      }
      log.record(kChurn, done, nanos_between(intended, done));
    } else {
      tcp::socket socket(io);
      boost::system::error_code ec;
      co_await socket.async_connect(target.endpoint, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        co_await asio::async_write(socket, asio::buffer(request),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        log.error(Clock::now(), "churn long poll: " + ec.message());
        continue;
      }
      co_await pause(io, std::chrono::milliseconds(50));
      socket.close(ec);
      log.abandon(Clock::now());
    }
  }
}

double ms(std::uint64_t ns) { return double(ns) / 1e6; }

}  // namespace

void run_soak(Context& context) {
  const Options& o = context.options;
  auto minutes = std::size_t(o.integer("minutes", 30));
  double minute_s = o.number("minute-seconds", 60);  // shorter "minutes" for a smoke test
  int producers = int(o.integer("producers", 4));
  int consumers = int(o.integer("consumers", 4));
  int callers = int(o.integer("callers", 4));
  int pollers = int(o.integer("pollers", 16));
  double rate = o.number("rate", 400);
  double call_rate = o.number("call-rate", 50);
  double churn_rate = o.number("churn-rate", 20);
  std::string poll_timeout = o.text("poll-timeout", "5");
  if (minutes == 0 || minute_s <= 0 || producers <= 0 || consumers <= 0 || rate <= 0 ||
      callers <= 0 || call_rate <= 0 || churn_rate <= 0) {
    throw std::runtime_error("soak: --minutes, --minute-seconds, --producers, --consumers, "
                             "--callers, --rate, --call-rate and --churn-rate must be > 0");
  }
  auto minute = std::chrono::nanoseconds(std::int64_t(minute_s * 1e9));
  Engine engine(context.threads);
  TimePoint begin = Clock::now() + std::chrono::milliseconds(500);
  Window window{begin, begin + minute * std::int64_t(minutes)};
  SoakLog log(begin, minute, minutes);
  std::string work = context.queue("soak-work"), calls = context.queue("soak-call"),
              idle = context.queue("soak-idle");
  std::size_t slot = 0;
  for (int c = 0; c < consumers; ++c, ++slot) {
    engine.spawn(slot, soak_consumer(engine.context(slot), context.target(slot), work, 16, true, window, log));
  }
  engine.spawn(slot, soak_consumer(engine.context(slot), context.target(slot), calls, 16, false, window, log));
  ++slot;
  for (int p = 0; p < producers; ++p, ++slot) {
    auto interval = interval_of(rate / producers);
    TimePoint first = begin + interval * p / producers;  // spread the producers' sends
    engine.spawn(slot, soak_producer(engine.context(slot), context.target(slot), work,
                                     id_prefix("s", std::uint64_t(p)), context.content_b64,
                                     window, interval, first, log));
  }
  for (int m = 0; m < callers; ++m, ++slot) {
    auto interval = interval_of(call_rate / callers);
    TimePoint first = begin + interval * m / callers;
    engine.spawn(slot, soak_caller(engine.context(slot), context.target(slot), calls,
                                   id_prefix("m", std::uint64_t(m)), window, interval, first, log));
  }
  for (int w = 0; w < pollers; ++w, ++slot) {
    engine.spawn(slot, soak_poller(engine.context(slot), context.target(slot), idle, poll_timeout, window, log));
  }
  engine.spawn(slot, soak_churn(engine.context(slot), context.target(slot), work, idle, window,
                                interval_of(churn_rate), log));
  std::printf("soak: %zu x %.0f s; puts %.0f/s (%d producers, %d consumers), calls %.0f/s "
              "(%d callers), %d long pollers (%s s), %.0f connects/s; latency in ms\n",
              minutes, minute_s, rate, producers, consumers, call_rate, callers, pollers,
              poll_timeout.c_str(), churn_rate);
  std::printf("%4s %7s %7s %6s %6s %6s %5s | %6s %6s %6s | %6s %6s | %6s %6s | %6s %6s | %6s %6s | %7s %5s\n",
              "min", "put/s", "reply/s", "call/s", "poll/s", "conn/s", "err",
              "put50", "put99", "put999", "rep50", "rep99", "e2e50", "e2e99",
              "call50", "call99", "conn50", "conn99", "rss_MB", "fds");
  std::fflush(stdout);
  engine.start();
  for (std::size_t i = 0; i < minutes; ++i) {
    TimePoint end = begin + minute * std::int64_t(i + 1);
    sleep_until(end);
    // Sampled at the minute's end, under load.
    std::optional<double> rss = context.server_rss_bytes();
    std::optional<std::size_t> fds;
    for (pid_t pid : context.server_pids) {
      if (auto n = process_open_fds(pid)) fds = fds.value_or(0) + *n;
    }
    // Requests completing just after the boundary belong to the next minute: a short
    // grace lets the ones of this minute be recorded before it is printed.
    sleep_until(end + std::chrono::milliseconds(200));
    SoakMinute m = log.copy(i);
    auto per_s = [&](std::uint64_t n) { return double(n) / minute_s; };
    const auto& L = m.latency;
    std::printf("%4zu %7.1f %7.1f %6.1f %6.1f %6.1f %5llu | %6.2f %6.2f %6.2f | %6.2f %6.2f | %6.2f %6.2f | %6.2f %6.2f | %6.2f %6.2f | %7.1f %5s\n",
                i + 1, per_s(L[kPut].count()), per_s(L[kReply].count()), per_s(L[kCall].count()),
                per_s(m.polls), per_s(L[kChurn].count() + m.abandoned),
                static_cast<unsigned long long>(m.errors),
                ms(L[kPut].quantile(0.5)), ms(L[kPut].quantile(0.99)), ms(L[kPut].quantile(0.999)),
                ms(L[kReply].quantile(0.5)), ms(L[kReply].quantile(0.99)),
                ms(L[kEndToEnd].quantile(0.5)), ms(L[kEndToEnd].quantile(0.99)),
                ms(L[kCall].quantile(0.5)), ms(L[kCall].quantile(0.99)),
                ms(L[kChurn].quantile(0.5)), ms(L[kChurn].quantile(0.99)),
                rss ? *rss / (1 << 20) : 0.0, fds ? std::to_string(*fds).c_str() : "-");
    std::fflush(stdout);
  }
  engine.stop();
  std::string first = log.first_error();
  if (!first.empty()) std::printf("  first error: %s\n", first.c_str());
}

}  // namespace bench
