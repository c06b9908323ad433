// stream: how long a progress event takes from the consumer's /task/progress to the line a
// watcher reads. One sender (the first --url) leases a task and posts /task/progress on it
// every --interval-ms, noting the time just before each write; one reader (the last
// --url: another instance shows the cross-instance path) holds the task's stream open,
// /task/watch or the call with "stream": true that put the task (--via), and notes when
// each event's line arrives. Both run on threads of their own in this process (one steady
// clock), so neither waits for the other.
//
// Beside it, in the same run, the same paced requests to the trivial responder: its round
// trip is two hops between processes, as sender -> server -> watcher is, so the ratio of
// the two p99s says how much of the tail is the server's and how much the host's.
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "chunked.hpp"
#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

struct Shared {
  std::string queue;
  std::string id = "streamed";
  std::chrono::nanoseconds interval;
  Window window;
  std::size_t capacity = 0;                          // events the run can send at most
  std::unique_ptr<std::atomic<std::uint64_t>[]> sent;  // by seq: ns just before its write
  bool via_call = false;  // the stream is a call's ("stream": true), not a watch
  std::atomic<bool> leased{false};
  std::atomic<bool> watching{false};
};

// Waits for the next send time; after a stall it starts again from now rather than
// sending the missed ones back to back (each sample is one lone event, as in a stream
// that idles between tokens).
asio::awaitable<void> pace(asio::steady_timer& timer, TimePoint& next,
                           std::chrono::nanoseconds interval) {
  next = std::max(next + interval, Clock::now());
  timer.expires_at(next);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// The baseline: the same pacing, one request at a time to the trivial responder, each
// timed from just before its write to its answer, as the sender's events are.
asio::awaitable<void> round_trips(asio::io_context& io, const Target& target, Window window,
                                  std::chrono::nanoseconds interval, Stats& stats,
                                  const std::string& content_b64) {
  HttpConnection connection(io, target);
  asio::steady_timer timer(io);
  const std::string body = "{\"queue\":\"rt\",\"id\":\"rt\",\"content\":\"" + content_b64 + "\"}";
  TimePoint next = Clock::now();
  for (;;) {
    co_await pace(timer, next, interval);
    TimePoint start = Clock::now();
    if (start >= window.end) co_return;
    bool ok = co_await connection.post("/task/progress", body);
    TimePoint done = Clock::now();
    if (!ok) {
      stats.error("trivial responder: " + connection.last_error());
      co_return;
    }
    if (!window.contains(done)) continue;
    ++stats.requests;
    ++stats.ops;
    stats.latency.record(nanos_between(start, done));
  }
}

asio::awaitable<void> sender(asio::io_context& io, const Target& target, Shared& shared,
                             Stats& stats, const std::string& content_b64) {
  HttpConnection connection(io, target);
  const std::string task = "\"queue\":\"" + shared.queue + "\",\"id\":\"" + shared.id + "\"";
  const std::string put = "{" + task + "}";
  const std::string acquire = "{\"queue\":\"" + shared.queue + "\",\"ids\":[\"" + shared.id +
                              "\"],\"promise_reply_time\":3600}";
  if (shared.via_call) {
    // The call puts the task: lease it once the call's stream is open.
    while (!shared.watching) co_await pause(io, std::chrono::milliseconds(1));
  } else {
    // (co_await in a statement of its own: written inside the || chain, this check failed
    // on a good answer when built with GCC 12; why was not found.)
    bool put_ok = co_await connection.post("/task/put", put);
    if (!put_ok || connection.status() != 200 || !is_ok_envelope(connection.response_body())) {
      stats.error("/task/put: " + connection.last_error() +
                  std::string(connection.response_body().substr(0, 200)));
      co_return;
    }
  }
  bool ok = co_await connection.post("/task/acquire", acquire);
  if (!ok || connection.status() != 200 ||
      connection.response_body().find(shared.id) == std::string_view::npos) {
    stats.error("/task/acquire: " + connection.last_error() +
                std::string(connection.response_body().substr(0, 200)));
    co_return;
  }
  shared.leased = true;
  asio::steady_timer timer(io);
  std::string body;
  TimePoint next = Clock::now();
  for (std::uint64_t seq = 1; seq < shared.capacity; ++seq) {
    co_await pace(timer, next, shared.interval);
    if (Clock::now() >= shared.window.end) co_return;
    body.assign("{").append(task).append(",\"info\":");
    append_number(body, seq);
    body.append(",\"content\":\"").append(content_b64).append("\"}");
    shared.sent[seq].store(now_ns(), std::memory_order_release);
    bool ok = co_await connection.post("/task/progress", body);
    if (!ok || connection.status() != 200 ||
        connection.response_body().find("\"data\":true") == std::string_view::npos) {
      // The events' seqs would no longer match the sender's count: stop.
      stats.error("progress: " + (ok ? std::string(connection.response_body().substr(0, 200))
                                     : connection.last_error()));
      co_return;
    }
    if (shared.window.contains(Clock::now())) ++stats.requests;
  }
}

// The seq of a progress line ({"event":"progress","seq":N,...}); 0 for any other line.
std::uint64_t progress_seq(std::string_view line) {
  if (line.find("\"event\":\"progress\"") == std::string_view::npos) return 0;
  std::size_t at = line.find("\"seq\":");
  if (at == std::string_view::npos) return 0;
  std::string_view digits = line.substr(at + 6);
  std::uint64_t seq = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  return seq;
}

asio::awaitable<void> reader(asio::io_context& io, const Target& target, Shared& shared,
                              Stats& stats, int timeout_s) {
  if (!shared.via_call) {
    while (!shared.leased) co_await pause(io, std::chrono::milliseconds(1));
  }
  tcp::socket socket(io);
  boost::system::error_code ec;
  co_await socket.async_connect(target.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    stats.error("watch connect: " + ec.message());
    co_return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::string request;
  std::string body = "{\"queue\":\"" + shared.queue + "\",\"id\":\"" + shared.id +
                     "\",\"timeout\":" + std::to_string(timeout_s) +
                     (shared.via_call ? ",\"stream\":true}" : "}");
  write_request(request, "POST", shared.via_call ? "/task/call" : "/task/watch", target.host, body);
  co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
  std::string head;
  std::size_t head_end = ec ? 0 : co_await asio::async_read_until(
      socket, asio::dynamic_buffer(head), "\r\n\r\n", asio::redirect_error(asio::use_awaitable, ec));
  if (ec || !head.starts_with("HTTP/1.1 200") ||
      head.substr(0, head_end).find("chunked") == std::string::npos) {
    stats.error("watch: not a stream: " + (ec ? ec.message() : head.substr(0, 200)));
    co_return;
  }
  shared.watching = true;
  ChunkedDecoder decoder;
  std::string lines;
  std::string_view body_start = std::string_view(head).substr(head_end);
  decoder.feed(body_start, lines);
  char buffer[16 << 10];
  for (;;) {
    std::size_t n = co_await socket.async_read_some(asio::buffer(buffer),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    std::uint64_t arrived = now_ns();
    bool in_window = shared.window.contains(Clock::now());
    if (ec) {
      stats.error("watch read: " + ec.message());
      co_return;
    }
    ChunkedDecoder::State state = decoder.feed(std::string_view(buffer, n), lines);
    std::size_t start = 0;
    for (std::size_t eol; (eol = lines.find('\n', start)) != std::string::npos; start = eol + 1) {
      std::uint64_t seq = progress_seq(std::string_view(lines).substr(start, eol - start));
      if (seq == 0 || seq >= shared.capacity || !in_window) continue;
      std::uint64_t sent = shared.sent[seq].load(std::memory_order_acquire);
      if (sent == 0) continue;
      ++stats.ops;
      stats.latency.record(arrived > sent ? arrived - sent : 0);
    }
    lines.erase(0, start);
    if (state != ChunkedDecoder::State::more) {
      if (state == ChunkedDecoder::State::error) stats.error("watch: a malformed chunk");
      co_return;  // the stream ended (its timeout, or the task went away)
    }
  }
}

}  // namespace

void run_stream(Context& context) {
  const double interval_ms = context.options.number("interval-ms", 1);
  std::vector<std::string> ways;
  std::stringstream list(context.options.text("via", "watch,call"));
  for (std::string way; std::getline(list, way, ',');) {
    if (way != "watch" && way != "call") throw std::runtime_error("--via: watch, call or both");
    ways.push_back(way);
  }
  for (const std::string& via : ways) {
    Shared shared;
    shared.queue = context.queue("stream-" + via);
    shared.via_call = via == "call";
    shared.interval = std::chrono::nanoseconds(std::int64_t(interval_ms * 1e6));
    shared.window = context.next_window();
    shared.capacity = std::size_t((context.duration + context.warmup + 1) * 1e3 / interval_ms) + 16;
    shared.sent = std::make_unique<std::atomic<std::uint64_t>[]>(shared.capacity);
    Engine engine(2);  // the sender on one thread, the reader of the stream on the other
    engine.spawn(0, sender(engine.context(0), context.target(0), shared, engine.stats(0),
                           context.content_b64));
    engine.spawn(1, reader(engine.context(1), context.targets.back(), shared, engine.stats(1),
                           int(context.duration + context.warmup) + 30));
    Row row;
    row.scenario = "stream";
    row.mode = via;
    row.connections = 2;
    row.producers = 1;
    row.consumers = 1;
    row.rate = 1e3 / interval_ms;
    context.measure(engine, shared.window, row);

    // The host's round trip for the same paced requests, measured right after.
    if (const Target* trivial = context.ceiling_target()) {
      Engine baseline(1);
      Window window = context.next_window();
      baseline.spawn(0, round_trips(baseline.context(0), *trivial, window, shared.interval,
                                    baseline.stats(0), context.content_b64));
      Row rt;
      rt.scenario = "stream";
      rt.backend = "trivial";
      rt.mode = "paced";
      rt.connections = 1;
      rt.rate = row.rate;
      Context::measure_run(baseline, window, rt, context.ceiling_pids());
      rt.note = "the same paced requests' round trip to the trivial responder";
      char note[160];
      std::snprintf(note, sizeof note,
                    "progress -> %s stream line; p50 %.2fx, p99 %.2fx the trivial round trip's",
                    via.c_str(),
                    double(row.latency.quantile(0.5)) / double(std::max<std::uint64_t>(1, rt.latency.quantile(0.5))),
                    double(row.latency.quantile(0.99)) / double(std::max<std::uint64_t>(1, rt.latency.quantile(0.99))));
      if (row.note.empty()) row.note = note;
      context.emit(rt);
    }
    context.emit(row);
  }
}

}  // namespace bench
