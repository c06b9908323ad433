#include "scenario.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "json_scan.hpp"

namespace bench {
namespace {

std::string base64_of_zeros(std::size_t bytes) {
  // Base64 of `bytes` zero bytes: 'A' per 6 bits, padded to a multiple of 4.
  std::size_t full = bytes / 3, rest = bytes % 3;
  std::string out(full * 4, 'A');
  if (rest == 1) out += "AA==";
  if (rest == 2) out += "AAA=";
  return out;
}

std::string make_run_id() {
  std::random_device device;
  char text[16];
  std::snprintf(text, sizeof text, "%08x", unsigned(device()));
  return text;
}

}  // namespace

Context::Context(const Options& opts)
    : options(opts),
      label(opts.text("label", "memory")),
      duration(opts.number("duration", 5)),
      warmup(opts.number("warmup", 1)),
      threads(unsigned(opts.integer("threads", 1))),
      csv(opts.text("csv", "")),
      run_id(opts.text("queue-prefix", "bench") + "-" + make_run_id()),
      content_b64(base64_of_zeros(std::size_t(opts.integer("payload", 16)))),
      ceiling_mode_(opts.text("ceiling", "spawn")) {
  std::stringstream urls(options.text("url", "http://127.0.0.1:8000"));
  for (std::string url; std::getline(urls, url, ',');) targets.push_back(Target::parse(url));
  if (targets.empty()) throw std::runtime_error("--url is empty");
  if (options.has("server-pid")) {
    for (auto pid : options.integers("server-pid", {})) server_pids.push_back(pid_t(pid));
  } else {
    for (const auto& t : targets) {
      if (auto pid = find_listener_pid(t.endpoint.port())) server_pids.push_back(*pid);
    }
  }
}

namespace {
std::optional<double> cpu_of(const std::vector<pid_t>& pids) {
  if (pids.empty()) return std::nullopt;
  double sum = 0;
  for (pid_t pid : pids) {
    auto s = process_cpu_seconds(pid);
    if (!s) return std::nullopt;
    sum += *s;
  }
  return sum;
}
std::optional<double> rss_of(const std::vector<pid_t>& pids) {
  if (pids.empty()) return std::nullopt;
  double sum = 0;
  for (pid_t pid : pids) {
    auto s = process_rss_bytes(pid);
    if (!s) return std::nullopt;
    sum += double(*s);
  }
  return sum;
}
}  // namespace

std::optional<double> Context::server_cpu_seconds() const { return cpu_of(server_pids); }
std::optional<double> Context::server_rss_bytes() const { return rss_of(server_pids); }

std::string Context::queue(const std::string& name) const { return run_id + "-" + name; }

Window Context::next_window() const {
  TimePoint begin = Clock::now() + std::chrono::microseconds(std::int64_t(warmup * 1e6));
  return Window{begin, begin + std::chrono::microseconds(std::int64_t(duration * 1e6))};
}

void Context::measure_run(Engine& engine, const Window& window, Row& row,
                          const std::vector<pid_t>& server_pids) {
  engine.start();
  sleep_until(window.begin);
  double client0 = self_cpu_seconds();
  std::optional<double> server0 = cpu_of(server_pids);
  sleep_until(window.end);
  double client1 = self_cpu_seconds();
  std::optional<double> server1 = cpu_of(server_pids);
  std::optional<double> rss = rss_of(server_pids);
  engine.stop();
  Stats all = engine.merged();
  row.seconds = window.seconds();
  row.ops = all.ops;
  row.requests = all.requests;
  row.errors = all.errors;
  row.latency = all.latency;
  row.client_cpu = 100 * (client1 - client0) / row.seconds;
  if (server0 && server1) row.server_cpu = 100 * (*server1 - *server0) / row.seconds;
  if (rss) row.server_rss_mb = *rss / (1 << 20);
  if (!all.first_error.empty() && row.note.empty()) row.note = "first error: " + all.first_error;
}

void Context::emit(Row& row, const std::string& first_error) {
  if (row.backend.empty()) row.backend = label;
  print_row(row);
  if (!first_error.empty()) std::printf("  first error: %s\n", first_error.c_str());
  if (!csv.empty()) append_csv(csv, row);
}

const Target* Context::ceiling_target() {
  if (ceiling_mode_ == "none") return nullptr;
  if (!ceiling_target_) {
    if (ceiling_mode_ == "spawn") {
      trivial_ = std::make_unique<TrivialChild>(unsigned(options.integer("server-threads", 0)));
      ceiling_target_ = Target::parse("http://127.0.0.1:" + std::to_string(trivial_->port()));
    } else {
      ceiling_target_ = Target::parse(ceiling_mode_);
    }
  }
  return &*ceiling_target_;
}

std::vector<pid_t> Context::ceiling_pids() const {
  return trivial_ ? std::vector<pid_t>{trivial_->pid()} : std::vector<pid_t>{};
}

double Context::ceiling_for(int connections) {
  // Measured again for every row (not cached): on a shared machine the load drifts, and
  // a ceiling taken seconds after the row it divides is the fairest ratio we can get.
  if (ceiling_target() == nullptr) return 0;
  // Same load shape as the put scenario: closed loop, same bodies, same client threads.
  Engine engine(threads);
  Window window = next_window();
  for (int c = 0; c < connections; ++c) {
    engine.spawn(c, put_loop(engine.context(c), *ceiling_target_, content_b64, queue("ceiling"),
                             id_prefix("c", std::uint64_t(c)), window, 0, window.begin,
                             engine.stats(c), false, nullptr, 0));
  }
  Row row;
  measure_run(engine, window, row, ceiling_pids());
  return row.requests_per_s();
}

asio::awaitable<void> pause(asio::io_context& io, std::chrono::microseconds how_long) {
  asio::steady_timer timer(io, how_long);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> put_loop(asio::io_context& io, const Target& target,
                               const std::string& content_b64, std::string queue,
                               std::string id_prefix, Window window, double interval_s,
                               TimePoint first_send, Stats& stats, bool stamp_info,
                               std::atomic<std::int64_t>* backlog, std::int64_t backlog_cap,
                               int tasks_per_request, int priority_levels) {
  HttpConnection connection(io, target);
  asio::steady_timer timer(io);
  std::string body;
  auto interval = std::chrono::nanoseconds(std::int64_t(interval_s * 1e9));
  TimePoint next = first_send;
  for (std::uint64_t seq = 0;; ++seq) {
    TimePoint intended;
    if (interval_s > 0) {
      intended = next;
      next += interval;
      if (Clock::now() < intended) {
        timer.expires_at(intended);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    } else {
      while (backlog && backlog->load(std::memory_order_relaxed) > backlog_cap) {
        co_await pause(io, std::chrono::microseconds(200));
      }
      intended = Clock::now();
    }
    if (intended >= window.end) co_return;
    body.clear();
    const bool batched = tasks_per_request > 1;
    body.append("{\"queue\":\"").append(queue).append(batched ? "\",\"tasks\":[" : "\",");
    for (int i = 0; i < tasks_per_request; ++i) {
      if (i > 0) {
        ++seq;
        body.push_back(',');
      }
      body.append(batched ? "{\"id\":\"" : "\"id\":\"").append(id_prefix);
      append_number(body, seq);
      body.append("\",\"info\":{\"t\":");
      append_number(body, stamp_info ? now_ns() : seq);
      body.append("},\"content\":\"").append(content_b64).append("\"");
      if (priority_levels > 1) {
        body.append(",\"config\":{\"priority\":");
        append_number(body, seq % std::uint64_t(priority_levels));
        body.push_back('}');
      }
      if (batched) body.push_back('}');
    }
    body.append(batched ? "]}" : "}");
    bool sent = co_await connection.post(batched ? "/task/put_batch" : "/task/put", body);
    TimePoint done = Clock::now();
    if (!sent) {
      stats.error(connection.last_error());
      co_await pause(io, std::chrono::milliseconds(1));
      continue;
    }
    if (connection.status() != 200 || !is_ok_envelope(connection.response_body())) {
      stats.error("put: HTTP " + std::to_string(connection.status()) + " " +
                  std::string(connection.response_body().substr(0, 200)));
      continue;
    }
    if (backlog) backlog->fetch_add(tasks_per_request, std::memory_order_relaxed);
    if (window.contains(done)) {
      ++stats.requests;
      if (!backlog) {  // in the cycle the op is the reply, counted by the consumer
        ++stats.ops;
        stats.latency.record(nanos_between(intended, done));
      }
    }
  }
}

namespace {

// The ids and put stamps of one taken batch, copied out of the take's response (the
// next request on that connection reuses the buffer the views point into).
struct TakenBatch {
  std::vector<std::string> ids;
  std::vector<std::uint64_t> stamps;
};

std::string describe_failure(const HttpConnection& connection, const char* what) {
  return std::string(what) + ": " + (connection.last_error().empty()
             ? "HTTP " + std::to_string(connection.status()) + " " +
                   std::string(connection.response_body().substr(0, 200))
             : connection.last_error());
}

// Answers a batch: one reply_batch, or a reply per task. Counts the requests, the
// tasks (ops) and their put-to-reply latency into `stats`.
asio::awaitable<void> answer_batch(HttpConnection& connection, const ConsumerSpec& spec,
                                   const TakenBatch& batch, Window window, Stats& stats,
                                   std::atomic<std::int64_t>* backlog, std::string& body) {
  if (batch.ids.empty()) co_return;
  if (spec.reply_batch) {
    body.clear();
    body.append("{\"queue\":\"").append(spec.queue).append("\",\"replies\":[");
    for (std::size_t i = 0; i < batch.ids.size(); ++i) {
      body.append(i ? ",{\"id\":" : "{\"id\":");
      append_quoted(body, batch.ids[i]);
      body.append(",\"info\":{\"ok\":1}}");
    }
    body.append("]}");
    if (!co_await connection.post("/task/reply_batch", body) || connection.status() != 200) {
      stats.error(describe_failure(connection, "reply_batch"));
      co_return;
    }
    TimePoint done = Clock::now();
    if (backlog) backlog->fetch_sub(std::int64_t(batch.ids.size()), std::memory_order_relaxed);
    if (window.contains(done)) {
      ++stats.requests;
      if (spec.record_latency) {
        std::uint64_t now = now_ns();
        for (auto stamp : batch.stamps) {
          ++stats.ops;
          if (stamp > 0 && stamp <= now) stats.latency.record(now - stamp);
        }
      }
    }
    co_return;
  }
  for (std::size_t i = 0; i < batch.ids.size(); ++i) {
    body.clear();
    body.append("{\"queue\":\"").append(spec.queue).append("\",\"id\":\"").append(batch.ids[i]);
    body.append("\",\"info\":{\"ok\":1}}");
    if (!co_await connection.post("/task/reply", body) || connection.status() != 200) {
      stats.error(describe_failure(connection, "reply"));
      continue;
    }
    TimePoint done = Clock::now();
    if (backlog) backlog->fetch_sub(1, std::memory_order_relaxed);
    if (window.contains(done)) {
      ++stats.requests;
      if (spec.record_latency) {
        ++stats.ops;
        std::uint64_t now = now_ns();
        if (batch.stamps[i] > 0 && batch.stamps[i] <= now) stats.latency.record(now - batch.stamps[i]);
      }
    }
  }
}

// The overlapped consumer's answering half: its own connection, and the batch it is
// answering. Shared with the coroutine that sends the answer, so either may end first
// when the engine stops.
struct AnswerLane {
  AnswerLane(asio::io_context& io, const Target& target)
      : connection(io, target), finished(io, TimePoint::max()) {}
  HttpConnection connection;
  TakenBatch batch;
  std::string body;
  bool busy = false;
  asio::steady_timer finished;  // cancelled when an answer is sent
};

}  // namespace

asio::awaitable<void> consumer_loop(asio::io_context& io, const Target& target,
                                    ConsumerSpec spec, Window window, Stats& stats,
                                    std::atomic<std::int64_t>* backlog) {
  HttpConnection connection(io, target);
  std::string body, cursor = "null", poll = std::to_string(spec.long_poll_s);
  std::vector<ScannedTask> tasks;
  TakenBatch batch;
  std::shared_ptr<AnswerLane> lane;
  if (spec.overlap) lane = std::make_shared<AnswerLane>(io, target);
  auto failed = [&](const char* what) { stats.error(describe_failure(connection, what)); };
  while (Clock::now() < window.end) {
    body.clear();
    body.append("{\"queue\":\"").append(spec.queue).append("\",\"size\":");
    append_number(body, std::uint64_t(spec.batch));
    body.append(",\"timeout\":").append(poll);
    if (spec.batch_window_s > 0) body.append(",\"batch_window\":").append(std::to_string(spec.batch_window_s));
    if (spec.peek_mode) {
      body.append(",\"cursor\":").append(cursor).append("}");
    } else {
      body.append(",\"promise_reply_time\":60}");
    }
    bool ok = co_await connection.post(spec.peek_mode ? "/task/peek" : "/task/take", body);
    if (!ok || connection.status() != 200) {
      failed(spec.peek_mode ? "peek" : "take");
      co_await pause(io, std::chrono::milliseconds(1));
      continue;
    }
    if (window.contains(Clock::now())) ++stats.requests;
    if (spec.peek_mode) {
      std::string_view next = last_cursor(connection.response_body());
      scan_tasks(connection.response_body(), tasks);
      if (tasks.empty()) continue;
      if (!next.empty()) cursor = "\"" + std::string(next) + "\"";
      body.clear();
      body.append("{\"queue\":\"").append(spec.queue).append("\",\"ids\":[");
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (i) body.push_back(',');
        append_quoted(body, tasks[i].id);
      }
      body.append("],\"promise_reply_time\":60}");
      if (!co_await connection.post("/task/acquire", body) || connection.status() != 200) {
        failed("acquire");
        continue;
      }
      if (window.contains(Clock::now())) ++stats.requests;
    }
    scan_tasks(connection.response_body(), tasks);
    batch.ids.clear();
    batch.stamps.clear();
    for (const auto& task : tasks) {
      batch.ids.emplace_back(task.id);
      batch.stamps.push_back(task.t);
    }
    if (!batch.ids.empty() && window.contains(Clock::now())) stats.latency2.record(batch.ids.size());
    if (!lane) {
      co_await answer_batch(connection, spec, batch, window, stats, backlog, body);
      continue;
    }
    if (batch.ids.empty()) continue;
    // Overlapped: the previous batch's answer must be sent before this one's starts (at
    // most one batch being answered while the next take runs).
    while (lane->busy) {
      boost::system::error_code ec;
      co_await lane->finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    lane->busy = true;
    lane->batch.ids.swap(batch.ids);
    lane->batch.stamps.swap(batch.stamps);
    asio::co_spawn(io, [lane, spec, window, &stats, backlog]() -> asio::awaitable<void> {
      co_await answer_batch(lane->connection, spec, lane->batch, window, stats, backlog, lane->body);
      lane->busy = false;
      lane->finished.cancel();
    }, asio::detached);
  }
  while (lane && lane->busy) {
    boost::system::error_code ec;
    co_await lane->finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

std::vector<bool> reply_modes(const Options& options) {
  std::string mode = options.text("reply", "one");
  if (mode == "one") return {false};
  if (mode == "batch") return {true};
  if (mode == "both") return {false, true};
  throw std::runtime_error("--reply is one, batch or both");
}

std::string batch_note(const Stats& stats, bool reply_batch) {
  const Histogram& sizes = stats.latency2;
  char note[200];
  std::snprintf(note, sizeof note, "reply=%s; batch size p10=%llu p50=%llu p90=%llu max=%llu (%llu batches)",
                reply_batch ? "reply_batch" : "one by one",
                static_cast<unsigned long long>(sizes.quantile(0.1)),
                static_cast<unsigned long long>(sizes.quantile(0.5)),
                static_cast<unsigned long long>(sizes.quantile(0.9)),
                static_cast<unsigned long long>(sizes.max()),
                static_cast<unsigned long long>(sizes.count()));
  return note;
}

}  // namespace bench
