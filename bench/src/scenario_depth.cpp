// depth: fills a queue with --depths tasks (put_batch of 1000, or single puts when the
// server has no put_batch), reports the server's RSS growth per queued task, then runs
// --connections loops of put + take(size 1, no reply expected) so the depth stays put.
// The cost of both must not grow with the depth.
// --keys K (0: none): the tasks are spread over K batch keys (task i has key "k<i % K>"),
// and each loop puts 16 tasks of one key (put_batch) and takes that key's batch of 16
// (take with batch_key): the cost of a keyed take must not grow with the tasks of other
// keys either.
#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

std::string depth_name(std::int64_t depth) {
  if (depth >= 1'000'000 && depth % 1'000'000 == 0) return std::to_string(depth / 1'000'000) + "m";
  if (depth >= 1000 && depth % 1000 == 0) return std::to_string(depth / 1000) + "k";
  return std::to_string(depth);
}

struct Fill {
  std::atomic<std::int64_t> next{0};    // next task number to hand out
  std::atomic<std::int64_t> filled{0};
  std::atomic<bool> single{false};      // put_batch missing: fall back to put
  std::int64_t target = 0;
  std::int64_t keys = 0;
};

constexpr int kKeyedBatch = 16;

// ,"config":{"batch_key":"k<n % keys>"} when the run uses keys.
void append_key_config(std::string& body, std::int64_t keys, std::uint64_t n) {
  if (keys <= 0) return;
  body.append(",\"config\":{\"batch_key\":\"k");
  append_number(body, n % std::uint64_t(keys));
  body.append("\"}");
}

asio::awaitable<void> fill_loop(asio::io_context& io, const Target& target, const Context& context,
                                std::string queue, Fill& fill, Stats& stats) {
  HttpConnection connection(io, target);
  std::string body;
  for (;;) {
    std::int64_t chunk = fill.single ? 1 : 1000;
    std::int64_t first = fill.next.fetch_add(chunk);
    if (first >= fill.target) co_return;
    std::int64_t last = std::min(first + chunk, fill.target);
    body.clear();
    bool batch = !fill.single;
    body.append("{\"queue\":\"").append(queue).append(batch ? "\",\"tasks\":[" : "\",");
    for (std::int64_t k = first; k < last; ++k) {
      if (k > first) body.push_back(',');
      body.append(batch ? "{\"id\":\"f" : "\"id\":\"f");
      append_number(body, std::uint64_t(k));
      body.append("\",\"info\":{\"n\":1},\"content\":\"").append(context.content_b64).append("\"");
      append_key_config(body, fill.keys, std::uint64_t(k));
      if (batch) body.push_back('}');
    }
    body.append(batch ? "]}" : "}");
    bool ok = co_await connection.post(batch ? "/task/put_batch" : "/task/put", body);
    if (ok && batch && (connection.status() == 404 || connection.status() == 405)) {
      fill.single = true;  // retry these as single puts
      for (std::int64_t k = first; k < last; ++k) {
        body.clear();
        body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"f");
        append_number(body, std::uint64_t(k));
        body.append("\",\"info\":{\"n\":1},\"content\":\"").append(context.content_b64).append("\"}");
        if (co_await connection.post("/task/put", body)) fill.filled.fetch_add(1);
      }
      continue;
    }
    if (!ok || connection.status() != 200 || !is_ok_envelope(connection.response_body())) {
      stats.error("fill: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      fill.filled.fetch_add(last - first);  // do not wait for it forever
      continue;
    }
    fill.filled.fetch_add(last - first);
  }
}

// Puts kKeyedBatch tasks of one key, then takes that key's batch (latency2: the take).
asio::awaitable<void> keyed_put_take_loop(asio::io_context& io, const Target& target,
                                          const Context& context, std::string queue,
                                          std::string prefix, std::int64_t keys, Window window,
                                          Stats& stats) {
  HttpConnection connection(io, target);
  std::string body;
  std::uint64_t next_id = 0;
  for (std::uint64_t seq = 0; Clock::now() < window.end; ++seq) {
    const std::uint64_t key = (seq * 7919 + std::hash<std::string>{}(prefix)) % std::uint64_t(keys);
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"tasks\":[");
    for (int k = 0; k < kKeyedBatch; ++k) {
      if (k) body.push_back(',');
      body.append("{\"id\":\"").append(prefix);
      append_number(body, next_id++);
      body.append("\",\"info\":{\"n\":1},\"content\":\"").append(context.content_b64).append("\"");
      append_key_config(body, keys, key);
      body.push_back('}');
    }
    body.append("]}");
    TimePoint t0 = Clock::now();
    bool ok = co_await connection.post("/task/put_batch", body) && connection.status() == 200;
    TimePoint t1 = Clock::now();
    if (!ok) {
      stats.error("put_batch: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      co_await pause(io, std::chrono::milliseconds(1));
      continue;
    }
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"size\":16,\"timeout\":0,\"promise_reply_time\":0,\"batch_key\":\"k");
    append_number(body, key);
    body.append("\"}");
    ok = co_await connection.post("/task/take", body) && connection.status() == 200;
    TimePoint t2 = Clock::now();
    if (!ok) {
      stats.error("take: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      continue;
    }
    if (window.contains(t2)) {
      ++stats.ops;
      stats.requests += 2;
      stats.latency.record(nanos_between(t0, t1));
      stats.latency2.record(nanos_between(t1, t2));
    }
  }
}

asio::awaitable<void> put_take_loop(asio::io_context& io, const Target& target, const Context& context,
                                    std::string queue, std::string prefix, Window window, Stats& stats) {
  HttpConnection connection(io, target);
  std::string body;
  for (std::uint64_t seq = 0; Clock::now() < window.end; ++seq) {
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(prefix);
    append_number(body, seq);
    body.append("\",\"info\":{\"n\":1},\"content\":\"").append(context.content_b64).append("\"}");
    TimePoint t0 = Clock::now();
    bool ok = co_await connection.post("/task/put", body) && connection.status() == 200;
    TimePoint t1 = Clock::now();
    if (!ok) {
      stats.error("put: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      co_await pause(io, std::chrono::milliseconds(1));
      continue;
    }
    body.clear();
    body.append("{\"queue\":\"").append(queue).append("\",\"size\":1,\"timeout\":0,\"promise_reply_time\":0}");
    ok = co_await connection.post("/task/take", body) && connection.status() == 200;
    TimePoint t2 = Clock::now();
    if (!ok) {
      stats.error("take: " + connection.last_error() + std::string(connection.response_body().substr(0, 200)));
      continue;
    }
    if (window.contains(t2)) {
      ++stats.ops;
      stats.requests += 2;
      stats.latency.record(nanos_between(t0, t1));
      stats.latency2.record(nanos_between(t1, t2));
    }
  }
}

}  // namespace

void run_depth(Context& context) {
  int connections = int(context.options.integer("connections", 16));
  int fillers = int(context.options.integer("fill-connections", 4));
  const std::int64_t keys = context.options.integer("keys", 0);
  bool clear = context.options.text("clear", "yes") == "yes";
  auto rss = [&]() -> double {
    auto bytes = context.server_rss_bytes();
    return bytes ? *bytes : -1;
  };
  for (auto depth : context.options.integers("depths", {1000, 100000, 1000000})) {
    std::string queue = context.queue("depth-" + depth_name(depth));
    double rss0 = rss();
    TimePoint fill_start = Clock::now();
    Fill fill;
    fill.target = depth;
    fill.keys = keys;
    std::string fill_error;
    {
      Engine engine(context.threads);
      for (int f = 0; f < fillers; ++f) {
        engine.spawn(std::size_t(f), fill_loop(engine.context(std::size_t(f)), context.target(std::size_t(f)), context, queue, fill, engine.stats(std::size_t(f))));
      }
      engine.start();
      while (fill.filled < depth) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      engine.stop();
      fill_error = engine.merged().first_error;
    }
    double fill_seconds = std::chrono::duration<double>(Clock::now() - fill_start).count();
    double rss1 = rss();

    Engine engine(context.threads);
    Window window = context.next_window();
    for (int c = 0; c < connections; ++c) {
      if (keys > 0) {
        engine.spawn(std::size_t(c), keyed_put_take_loop(engine.context(std::size_t(c)), context.target(std::size_t(c)), context,
                                                         queue, id_prefix("s", std::uint64_t(c)), keys, window,
                                                         engine.stats(std::size_t(c))));
        continue;
      }
      engine.spawn(std::size_t(c), put_take_loop(engine.context(std::size_t(c)), context.target(std::size_t(c)), context, queue,
                                                 id_prefix("s", std::uint64_t(c)), window, engine.stats(std::size_t(c))));
    }
    Row row;
    row.scenario = "depth";
    row.mode = depth_name(depth) + (keys > 0 ? "/" + std::to_string(keys) + "keys" : "");
    row.connections = connections;
    row.batch = keys > 0 ? kKeyedBatch : 1;
    context.measure(engine, window, row);
    Stats all = engine.merged();
    // Bytes a task carries: id ("f" + digits), info {"n":1}, decoded content.
    double payload = 1 + double(std::to_string(depth / 2).size()) + 7 +
                     double(context.content_b64.size()) * 3 / 4;
    char note[320];
    std::snprintf(note, sizeof note,
                  "latency=put%s; take p50=%.3fms p99=%.3fms; fill %.1fs%s; rss growth %.0f B/task "
                  "(%.0f B beyond id+info+content)",
                  keys > 0 ? " (put_batch of 16 of one key)" : "", double(all.latency2.quantile(0.5)) / 1e6, double(all.latency2.quantile(0.99)) / 1e6,
                  fill_seconds, fill.single ? " (single puts)" : "",
                  rss0 >= 0 ? (rss1 - rss0) / double(depth) : -1.0,
                  rss0 >= 0 ? (rss1 - rss0) / double(depth) - payload : -1.0);
    if (row.note.empty()) row.note = note;
    else row.note = std::string(note) + "; " + row.note;
    row.ceiling_rps = context.ceiling_for(connections);
    context.emit(row, fill_error);
    if (clear) {
      Engine cleaner(1);
      std::atomic<bool> cleared{false};
      cleaner.spawn(0, [&]() -> asio::awaitable<void> {
        HttpConnection connection(cleaner.context(0), context.target());
        // Bounded steps: one unbounded clear of a million tasks holds Redis for seconds.
        std::string body = "{\"queue\":\"" + queue + "\",\"iter_num\":1,\"step_size\":10000}";
        for (int i = 0; i < 10000; ++i) {
          if (!co_await connection.post("/task/clear_queue", body)) break;
          if (connection.response_body().find("\"data\":true") != std::string_view::npos) break;
        }
        cleared = true;
      });
      cleaner.start();
      while (!cleared) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      cleaner.stop();
    }
  }
}

}  // namespace bench
