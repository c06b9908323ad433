// put: N connections putting tasks with unique ids into one queue (closed loop, or open
// loop at --rate requests/s in total). ceiling: the same load against --url itself.
#include <cstdio>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

Row put_row(Context& context, const std::vector<pid_t>& pids, int connections, double rate) {
  Engine engine(context.threads);
  Window window = context.next_window();
  std::string queue = context.queue("put");
  // Open loop: each connection sends every connections/rate seconds, staggered by 1/rate.
  double interval = rate > 0 ? double(connections) / rate : 0;
  for (int c = 0; c < connections; ++c) {
    TimePoint first = window.begin - std::chrono::microseconds(std::int64_t(context.warmup * 1e6)) +
                      std::chrono::nanoseconds(rate > 0 ? std::int64_t(1e9 * c / rate) : 0);
    engine.spawn(c, put_loop(engine.context(c), context.target(std::size_t(c)), context.content_b64, queue,
                             id_prefix("p", std::uint64_t(c)), window, interval, first,
                             engine.stats(c), false, nullptr, 0));
  }
  Row row;
  row.connections = connections;
  row.producers = connections;
  row.rate = rate;
  row.mode = rate > 0 ? "open" : "closed";
  Context::measure_run(engine, window, row, pids);
  return row;
}

}  // namespace

void run_put(Context& context) {
  double rate = context.options.number("rate", 0);
  for (auto connections : context.options.integers("connections", {1, 16, 64})) {
    Row row = put_row(context, context.server_pids, int(connections), rate);
    row.scenario = "put";
    row.ceiling_rps = context.ceiling_for(int(connections));
    context.emit(row);
  }
}

void run_ceiling(Context& context) {
  double rate = context.options.number("rate", 0);
  for (auto connections : context.options.integers("connections", {1, 16, 64})) {
    Row row = put_row(context, context.server_pids, int(connections), rate);
    row.scenario = "ceiling";
    context.emit(row);
  }
}

}  // namespace bench
