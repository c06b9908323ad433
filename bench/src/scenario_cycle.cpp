// cycle: P producers put (closed loop, held back when more than --backlog tasks are in
// flight so the queue does not grow without bound), C consumers take (or peek+acquire)
// batches and reply to each task. Throughput is replies/s; latency is put-to-reply.
// call: M callers make synchronous calls; K consumers (take long-poll + reply) serve them.
// Both: --reply one|batch|both answers each batch with a reply per task or one
// reply_batch; --batch-window W is take's batch_window; the note gives the batch sizes.
// --overlap 1: each consumer takes its next batch while the last one's answer is in
// flight on a second connection (a prefetching consumer); 0,1 gives a row of each.
#include <atomic>

#include "json_scan.hpp"
#include "scenario.hpp"

namespace bench {

void run_cycle(Context& context) {
  int producers = int(context.options.integer("producers", 8));
  int consumers = int(context.options.integer("consumers", 8));
  // In-flight cap (put, not yet replied): enough to fill every consumer's batch twice, so
  // latency reflects the service rather than an ever-growing queue. --backlog overrides.
  std::int64_t backlog_option = context.options.integer("backlog", 0);
  std::string mode = context.options.text("mode", "take");
  // Tasks per producer request: 1 sends /task/put, more send /task/put_batch.
  int put_batch = int(context.options.integer("put-batch", 1));
  if (mode != "take" && mode != "peek") throw std::runtime_error("--mode is take or peek");
  const double batch_window = context.options.number("batch-window", 0);
  // Priority levels of the puts (0: no config; 10: priorities 0..9 in turn), one row each,
  // so a run gives the cost of priorities as a ratio against plain tasks.
  const auto priority_levels = context.options.integers("priorities", {0});
  for (auto levels : priority_levels)
  for (auto overlap : context.options.integers("overlap", {0}))
  for (bool reply_batch : reply_modes(context.options))
  for (auto batch : context.options.integers("batch", {1, 16, 64})) {
    std::atomic<std::int64_t> backlog{0};
    std::int64_t backlog_cap = backlog_option > 0 ? backlog_option : 2 * batch * consumers + producers;
    Engine engine(context.threads);
    Window window = context.next_window();
    std::string queue = context.queue("cycle-" + mode + std::to_string(batch) + (reply_batch ? "-rb" : "") +
                                      (overlap ? "-ov" : "") +
                                      (levels > 1 ? "-p" + std::to_string(levels) : ""));
    ConsumerSpec spec{queue, int(batch), mode == "peek", true, 1, reply_batch, batch_window,
                      overlap != 0};
    // Consumers first, so the first puts find them waiting.
    for (int c = 0; c < consumers; ++c) {
      engine.spawn(c, consumer_loop(engine.context(c), context.target(std::size_t(c)), spec, window, engine.stats(c), &backlog));
    }
    for (int p = 0; p < producers; ++p) {
      std::size_t slot = std::size_t(consumers + p);
      engine.spawn(slot, put_loop(engine.context(slot), context.target(slot), context.content_b64, queue,
                                  id_prefix("p", std::uint64_t(p)), window, 0, window.begin,
                                  engine.stats(slot), true, &backlog, backlog_cap, put_batch,
                                  int(levels)));
    }
    Row row;
    row.scenario = "cycle";
    row.mode = mode;
    row.connections = producers + consumers * (overlap ? 2 : 1);  // overlap: a second each
    row.producers = producers;
    row.consumers = consumers;
    row.batch = int(batch);
    if (put_batch > 1) row.note = "producers put_batch " + std::to_string(put_batch);
    if (levels > 1)
      row.note += (row.note.empty() ? "" : "; ") + std::to_string(levels) + " priority levels";
    context.measure(engine, window, row);
    row.note = batch_note(engine.merged(), reply_batch) + (overlap ? "; overlapped take" : "") +
               (row.note.empty() ? "" : "; " + row.note);
    row.ceiling_rps = context.ceiling_for(row.connections);
    context.emit(row);
  }
}

void run_call(Context& context) {
  int consumers = int(context.options.integer("consumers", 1));
  int batch = int(context.options.integer("batch", 1));
  double rate = context.options.number("rate", 0);
  double timeout = context.options.number("call-timeout", 10);
  const double batch_window = context.options.number("batch-window", 0);
  for (auto overlap : context.options.integers("overlap", {0}))
  for (bool reply_batch : reply_modes(context.options))
  for (auto callers : context.options.integers("callers", {1, 16, 64})) {
    Engine engine(context.threads);
    Window window = context.next_window();
    std::string queue = context.queue("call" + std::to_string(callers) + (reply_batch ? "-rb" : "") +
                                      (overlap ? "-ov" : ""));
    ConsumerSpec spec{queue, batch, false, false, 1, reply_batch, batch_window, overlap != 0};
    for (int c = 0; c < consumers; ++c) {
      engine.spawn(c, consumer_loop(engine.context(c), context.target(std::size_t(c)), spec, window, engine.stats(c), nullptr));
    }
    double interval = rate > 0 ? double(callers) / rate : 0;
    TimePoint start = Clock::now();
    for (int m = 0; m < callers; ++m) {
      std::size_t slot = std::size_t(consumers + m);
      asio::io_context& io = engine.context(slot);
      Stats& stats = engine.stats(slot);
      TimePoint first = start + std::chrono::nanoseconds(rate > 0 ? std::int64_t(1e9 * m / rate) : 0);
      engine.spawn(slot, [&io, &stats, &context, slot, queue, window, interval, first, timeout,
                          prefix = id_prefix("m", std::uint64_t(m))]() -> asio::awaitable<void> {
        HttpConnection connection(io, context.target(slot));
        std::string body, timeout_text = std::to_string(timeout);
        TimePoint next = first;
        for (std::uint64_t seq = 0;; ++seq) {
          TimePoint intended = Clock::now();
          if (interval > 0) {
            intended = next;
            next += std::chrono::nanoseconds(std::int64_t(interval * 1e9));
            if (Clock::now() < intended) co_await pause(io, std::chrono::duration_cast<std::chrono::microseconds>(intended - Clock::now()));
          }
          if (intended >= window.end) co_return;
          body.clear();
          body.append("{\"queue\":\"").append(queue).append("\",\"id\":\"").append(prefix);
          append_number(body, seq);
          body.append("\",\"info\":{\"n\":1},\"content\":\"\",\"timeout\":").append(timeout_text).append("}");
          bool ok = co_await connection.post("/task/call", body);
          TimePoint done = Clock::now();
          if (!ok || connection.status() != 200 || !is_ok_envelope(connection.response_body())) {
            stats.error("call: " + (ok ? std::string(connection.response_body().substr(0, 200))
                                       : connection.last_error()));
            if (!ok) co_await pause(io, std::chrono::milliseconds(1));
            continue;
          }
          if (window.contains(done)) {
            ++stats.requests;
            ++stats.ops;
            stats.latency.record(nanos_between(intended, done));
          }
        }
      });
    }
    Row row;
    row.scenario = "call";
    row.mode = rate > 0 ? "open" : "closed";
    row.rate = rate;
    row.connections = int(callers) + consumers * (overlap ? 2 : 1);  // overlap: a second each
    row.producers = int(callers);
    row.consumers = consumers;
    row.batch = batch;
    context.measure(engine, window, row);
    row.note = batch_note(engine.merged(), reply_batch) + (overlap ? "; overlapped take" : "") +
               (row.note.empty() ? "" : "; " + row.note);
    row.ceiling_rps = context.ceiling_for(row.connections);
    context.emit(row);
  }
}

}  // namespace bench
