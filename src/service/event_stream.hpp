// A task's progress events streamed to one reader (call with "stream": true, watch):
// the kept events first, then live ones in seq order without duplicates, then exactly
// one end (docs/protocol.md, "Progress and streamed results"). Live events come from
// WaiterRegistry::on_progress (on every instance: the stores relay them), each waiter
// holding a bounded number; on overflow, a seq gap or a wake-up without news, the
// stream reads Store::events after the last seq it has.
//
// Back-pressure: the reader pulls (next() is called once the last step was written);
// a reader more than kMaxUnsentEvents live events behind is cut off (logged) and
// resumes with watch/after. The events kept when the stream began do not count: they
// are history, bounded by what the store keeps.
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/client_watch.hpp"
#include "core/errors.hpp"
#include "core/task.hpp"
#include "core/task_event.hpp"
#include "service/waiter_registry.hpp"
#include "store/store.hpp"

namespace tc {

// How a stream ends: its result line.
struct StreamEnd {
  Errc code = Errc::ok;  // ok: `result` (nullopt: data null); call_timeout, removed, expired,
                         // unavailable: `message`
  std::optional<TaskResult> result;
  std::string message;
};

// Why a stream ended, for the metrics (taskcenter_streams_ended_total{reason}).
enum class StreamEndReason {
  result,      // its result line: the task's result, a timeout, a removal, a store error
  shutdown,    // the final line the server writes when it shuts down
  cut_off,     // the reader fell more than kMaxUnsentEvents behind
  disconnect,  // the client went away (or a write to it failed) before the end
};
inline constexpr std::size_t kStreamEndReasons = 4;

struct StreamStep {
  enum class Kind { events, end, cut_off };
  Kind kind = Kind::events;
  std::vector<TaskEvent> events;  // events and end: written before the end
  StreamEnd end;                  // with Kind::end
};

class TaskEventStream {
 public:
  static constexpr std::uint64_t kMaxUnsentEvents = 256;
  static constexpr std::size_t kMaxEventsPerStep = 64;

  // Registers for the task's events and outcome at once: nothing reported from here on
  // is missed. `stopping` is the service's shutdown flag.
  TaskEventStream(Store& store, WaiterRegistry& registry, const std::atomic<bool>& stopping,
                  std::string queue, std::string id, ClientWatch* client,
                  std::chrono::steady_clock::time_point deadline,
                  const boost::asio::any_io_executor& executor);
  TaskEventStream(const TaskEventStream&) = delete;
  TaskEventStream& operator=(const TaskEventStream&) = delete;

  // The stream follows this incarnation (CallBegin/TaskEvents::incarnation); `cached`:
  // the task is already done with this result.
  void follow(std::string incarnation, std::optional<TaskResult> cached);
  // Reads the kept events with seq > after (the history, sent first) and whether the
  // task is done. false: no such task. Errors are the store's. Watch calls follow()
  // itself with the incarnation read here (`follow_read`).
  Awaitable<Result<bool>> begin(std::uint64_t after, bool follow_read);
  // Ends the stream with `end` once the pending events are written (call, timeout 0).
  void end_with(StreamEnd end) {
    if (!final_) final_ = std::move(end);
  }

  // The next step: events to write, or the end, or cut_off (the reader fell too far
  // behind, or has gone). Call it again only after writing a Kind::events step.
  Awaitable<StreamStep> next();

  const std::string& id() const noexcept { return id_; }
  // How next() ended the stream (an end or cut_off step); nullopt before that, and
  // for a stream its transport dropped (the client went away while a write was due).
  std::optional<StreamEndReason> ending() const noexcept { return ending_; }
  std::uint64_t last_written() const noexcept { return last_written_; }

 private:
  // Store::events after the last seq queued: appends what is new, notes a result.
  // false when the store failed (final_ then says so).
  Awaitable<bool> read_store();
  bool queue_in_order(std::vector<TaskEvent>& events, bool accept_jumps);
  StreamStep take_pending(StreamStep::Kind kind);

  Store& store_;
  WaiterRegistry& registry_;
  const std::atomic<bool>& stopping_;
  std::string queue_;
  std::string id_;
  std::chrono::steady_clock::time_point deadline_;
  WaiterRegistry::Registration registration_;
  ClientWatch* client_;
  ClientWaitScope client_scope_;  // after registration_: unregisters first
  std::string incarnation_;
  std::deque<TaskEvent> pending_;
  std::uint64_t last_queued_ = 0;   // highest seq in pending_ or written
  std::uint64_t last_written_ = 0;  // highest seq handed to the reader
  std::uint64_t history_end_ = 0;   // highest seq of the kept events read by begin()
  std::uint64_t newest_seen_ = 0;   // highest seq reported live
  std::optional<StreamEnd> final_;
  bool final_read_done_ = false;
  bool woken_ = false;
  bool shutdown_end_ = false;  // final_ is the shutdown line
  std::optional<StreamEndReason> ending_;
};

}  // namespace tc
