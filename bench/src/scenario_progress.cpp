// progress: N connections each hold the lease of one task of their own and post
// /task/progress on it in a closed loop (info {"n":k}, --payload bytes of content), so the
// figure is progress events/s through the store (its events stay trimmed at 1,000 per
// task, the steady state of a long stream).
#include <string>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {

void run_progress(Context& context) {
  for (auto connections : context.options.integers("connections", {1, 16, 64})) {
    Engine engine(context.threads);
    Window window = context.next_window();
    std::string queue = context.queue("progress" + std::to_string(connections));
    for (int c = 0; c < int(connections); ++c) {
      std::size_t slot = std::size_t(c);
      asio::io_context& io = engine.context(slot);
      Stats& stats = engine.stats(slot);
      engine.spawn(slot, [&io, &stats, &context, slot, queue, window,
                          id = id_prefix("g", std::uint64_t(c))]() -> asio::awaitable<void> {
        HttpConnection connection(io, context.target(slot));
        const std::string task = "\"queue\":\"" + queue + "\",\"id\":\"" + id + "\"";
        // The task this connection reports on, leased for longer than the run.
        for (auto [path, body] : {std::pair<const char*, std::string>{"/task/put", "{" + task + "}"},
                                  {"/task/acquire", "{\"queue\":\"" + queue + "\",\"ids\":[\"" + id +
                                                        "\"],\"promise_reply_time\":3600}"}}) {
          if (!co_await connection.post(path, body) || connection.status() != 200) {
            stats.error(std::string(path) + ": " + connection.last_error());
            co_return;
          }
        }
        std::string body;
        for (std::uint64_t n = 0;; ++n) {
          TimePoint start = Clock::now();
          if (start >= window.end) co_return;
          body.assign("{").append(task).append(",\"info\":{\"n\":");
          append_number(body, n);
          body.append("},\"content\":\"").append(context.content_b64).append("\"}");
          bool ok = co_await connection.post("/task/progress", body);
          TimePoint done = Clock::now();
          if (!ok || connection.status() != 200 || !is_ok_envelope(connection.response_body())) {
            stats.error("progress: " + (ok ? std::string(connection.response_body().substr(0, 200))
                                           : connection.last_error()));
            if (!ok) co_await pause(io, std::chrono::milliseconds(1));
            continue;
          }
          if (window.contains(done)) {
            ++stats.requests;
            ++stats.ops;
            stats.latency.record(nanos_between(start, done));
          }
        }
      });
    }
    Row row;
    row.scenario = "progress";
    row.mode = "closed";
    row.connections = int(connections);
    row.producers = int(connections);
    context.measure(engine, window, row);
    row.ceiling_rps = context.ceiling_for(row.connections);
    context.emit(row);
  }
}

}  // namespace bench
