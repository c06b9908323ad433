// What every scenario shares: the parsed options, the server under test, the ceiling (the
// trivial responder measured with the same client in the same run), the measured run
// around an Engine, and the request loops several scenarios reuse.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connection.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "report.hpp"

namespace bench {

class Context {
 public:
  explicit Context(const Options& options);

  const Options& options;
  std::vector<Target> targets;     // --url a,b,c: connection i goes to targets[i % n]
  std::vector<pid_t> server_pids;  // --server-pid, or found from the ports
  const Target& target(std::size_t i = 0) const { return targets[i % targets.size()]; }
  // Summed over every server process; nullopt when none is known.
  std::optional<double> server_cpu_seconds() const;
  std::optional<double> server_rss_bytes() const;
  std::string label;
  double duration;
  double warmup;
  unsigned threads;
  std::string csv;
  std::string run_id;        // makes queue names unique per run
  std::string content_b64;   // the content of every task the tool puts

  std::string queue(const std::string& name) const;
  // Throughput (requests/s) of the trivial responder with `connections` closed-loop
  // connections, measured now; 0 when --ceiling none.
  double ceiling_for(int connections);
  // The trivial responder (spawned on first use), nullptr with --ceiling none; and its
  // process, for CPU figures (empty when it is not ours).
  const Target* ceiling_target();
  std::vector<pid_t> ceiling_pids() const;
  // A window starting after the warm-up from now.
  Window next_window() const;
  // Starts the engine, samples client and server CPU over the window, stops the engine
  // and fills the row's counters, histogram, CPU and RSS from the merged stats.
  void measure(Engine& engine, const Window& window, Row& row) {
    measure_run(engine, window, row, server_pids);
  }
  static void measure_run(Engine& engine, const Window& window, Row& row,
                          const std::vector<pid_t>& server_pids);
  // Prints the row (and the first error, if any) and appends it to --csv.
  void emit(Row& row, const std::string& first_error = {});

 private:
  std::string ceiling_mode_;
  std::unique_ptr<TrivialChild> trivial_;
  std::optional<Target> ceiling_target_;
};

// Closed loop when interval_s == 0, else one request per interval_s on this connection
// from first_send on, latency measured from the intended send time (no coordinated
// omission). Sends puts with unique ids to `queue` until the window ends.
asio::awaitable<void> put_loop(asio::io_context& io, const Target& target,
                               const std::string& content_b64, std::string queue,
                               std::string id_prefix, Window window, double interval_s,
                               TimePoint first_send, Stats& stats, bool stamp_info,
                               std::atomic<std::int64_t>* backlog, std::int64_t backlog_cap,
                               int tasks_per_request = 1,  // > 1: /task/put_batch
                               int priority_levels = 0);   // > 1: priorities 0..levels-1 in turn

struct ConsumerSpec {
  std::string queue;
  int batch = 1;
  bool peek_mode = false;        // peek + acquire instead of take
  bool record_latency = true;    // put-to-reply into stats.latency, one op per reply
  double long_poll_s = 1;
  bool reply_batch = false;      // answer each batch with one /task/reply_batch
  double batch_window_s = 0;     // take's batch_window
  // Take the next batch while the last one's answer is in flight (on a second
  // connection), as a consumer that prefetches does; at most one batch being answered.
  bool overlap = false;
};
// "one" (a reply per task), "batch" (one reply_batch per batch) or "both": the reply
// modes --reply asks for, as reply_batch flags.
std::vector<bool> reply_modes(const Options& options);
// Batch sizes the consumers took (Stats::latency2 holds them), for a row's note.
std::string batch_note(const Stats& stats, bool reply_batch);
// take (or peek+acquire) then reply to each task, until the window ends.
asio::awaitable<void> consumer_loop(asio::io_context& io, const Target& target,
                                    ConsumerSpec spec, Window window, Stats& stats,
                                    std::atomic<std::int64_t>* backlog);

// Waits on the io_context's clock (used for back-off and pacing).
asio::awaitable<void> pause(asio::io_context& io, std::chrono::microseconds how_long);

// The scenarios (one file each).
void run_put(Context& context);
void run_cycle(Context& context);
void run_call(Context& context);
void run_idle(Context& context);
void run_depth(Context& context);
void run_ceiling(Context& context);
void run_soak(Context& context);
void run_progress(Context& context);
void run_stream(Context& context);

}  // namespace bench
