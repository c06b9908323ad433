#include "service/event_stream.hpp"

#include <algorithm>

#include "core/logger.hpp"

namespace tc {

using SteadyClock = std::chrono::steady_clock;

TaskEventStream::TaskEventStream(Store& store, WaiterRegistry& registry,
                                 const std::atomic<bool>& stopping, std::string queue,
                                 std::string id, ClientWatch* client,
                                 SteadyClock::time_point deadline,
                                 const boost::asio::any_io_executor& executor)
    : store_(store),
      registry_(registry),
      stopping_(stopping),
      queue_(std::move(queue)),
      id_(std::move(id)),
      deadline_(deadline),
      registration_(registry_.watch_task_events(queue_, id_, executor)),
      client_(client),
      client_scope_(client_, [this] { registration_.waiter().timer.cancel(); }) {}

void TaskEventStream::follow(std::string incarnation, std::optional<TaskResult> cached) {
  incarnation_ = incarnation;
  registry_.expect(registration_.waiter(), std::move(incarnation));
  if (cached && !final_) final_ = StreamEnd{Errc::ok, std::move(cached), {}};
}

Awaitable<Result<bool>> TaskEventStream::begin(std::uint64_t after, bool follow_read) {
  last_queued_ = last_written_ = after;
  auto read = co_await store_.events(queue_, id_, after);
  if (!read) co_return std::move(read).error();
  if (!read->exists) {
    history_end_ = after;
    co_return final_.has_value();
  }
  if (follow_read) follow(read->incarnation, std::nullopt);
  if (incarnation_.empty() || read->incarnation.empty() || read->incarnation == incarnation_) {
    queue_in_order(read->events, true);
    if (read->result && !final_) final_ = StreamEnd{Errc::ok, std::move(read->result), {}};
  }
  history_end_ = last_queued_;
  co_return true;
}

// Events in seq order: those already queued are skipped. A jump in live events (some
// were lost on the way) stops there, to read the store from the last one
// queued (answers true). A jump in what the store answers is accepted (the store's bound dropped those
// events before they were read; nothing can bring them back).
bool TaskEventStream::queue_in_order(std::vector<TaskEvent>& events, bool accept_jumps) {
  for (auto& event : events) {
    if (event.seq <= last_queued_) continue;
    if (event.seq != last_queued_ + 1 && !accept_jumps) return true;
    last_queued_ = event.seq;
    pending_.push_back(std::move(event));
  }
  return false;
}

Awaitable<bool> TaskEventStream::read_store() {
  auto read = co_await store_.events(queue_, id_, last_queued_);
  if (!read) {
    if (!final_)
      final_ = StreamEnd{Errc::unavailable, std::nullopt,
                         "the store failed while streaming (" + read.error().message +
                             "); resume with watch after the last seq received"};
    co_return false;
  }
  // Gone, or another incarnation: this one's outcome comes as an event (or the timeout).
  if (!read->exists) co_return true;
  if (!incarnation_.empty() && !read->incarnation.empty() && read->incarnation != incarnation_)
    co_return true;
  queue_in_order(read->events, true);
  if (read->result && !final_) final_ = StreamEnd{Errc::ok, std::move(read->result), {}};
  co_return true;
}

StreamStep TaskEventStream::take_pending(StreamStep::Kind kind) {
  StreamStep step;
  step.kind = kind;
  const std::size_t n = kind == StreamStep::Kind::end
                            ? pending_.size()
                            : std::min(pending_.size(), kMaxEventsPerStep);
  step.events.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    step.events.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  if (!step.events.empty()) last_written_ = step.events.back().seq;
  return step;
}

Awaitable<StreamStep> TaskEventStream::next() {
  Waiter& waiter = registration_.waiter();
  for (;;) {
    auto taken = registry_.take_events(waiter);
    newest_seen_ = std::max(newest_seen_, taken.newest_seq);
    const bool news = !taken.events.empty() || taken.overflowed;
    bool reread = queue_in_order(taken.events, false) || taken.overflowed;

    // The reader's lag in live events: reported, not yet handed to it.
    const std::uint64_t handed = std::max(last_written_, history_end_);
    if (newest_seen_ > handed && newest_seen_ - handed > kMaxUnsentEvents) {
      logging::warn("stream cut off: the reader fell too far behind",
                    {{"queue", queue_},
                     {"id", id_},
                     {"unsent_events", newest_seen_ - handed},
                     {"limit", kMaxUnsentEvents},
                     {"resume_after", last_written_}});
      ending_ = StreamEndReason::cut_off;
      co_return StreamStep{StreamStep::Kind::cut_off, {}, {}};
    }

    if (!final_) {
      auto outcome = registry_.outcome(waiter);
      if (outcome.result)
        final_ = StreamEnd{Errc::ok, *outcome.result, {}};
      else if (outcome.expired)
        final_ = StreamEnd{Errc::expired, std::nullopt,
                           "the task's deadline passed before any consumer leased it"};
      else if (outcome.removed)
        final_ = StreamEnd{Errc::removed, std::nullopt,
                           "the task was removed while the stream waited for it"};
    }
    // Woken with nothing to show: events were lost on the way (a Redis subscriber
    // reconnected); the store has what they said.
    if (woken_ && !news && !final_) reread = true;
    woken_ = false;
    if (reread && !co_await read_store()) {
      // final_ says why (read_store set it unless an outcome came first).
      StreamStep step = take_pending(StreamStep::Kind::end);
      step.end = std::move(*final_);
      ending_ = StreamEndReason::result;
      co_return step;
    }

    if (!pending_.empty()) co_return take_pending(StreamStep::Kind::events);
    if (final_) {
      // Events published just before the outcome may still be on their way (another
      // channel, another instance): one last look at the store before the result line.
      if (!final_read_done_) {
        final_read_done_ = true;
        co_await read_store();
        if (!pending_.empty()) co_return take_pending(StreamStep::Kind::events);
      }
      StreamStep step = take_pending(StreamStep::Kind::end);
      step.end = std::move(*final_);
      ending_ = shutdown_end_ ? StreamEndReason::shutdown : StreamEndReason::result;
      co_return step;
    }
    if (client_ && client_->gone()) {
      ending_ = StreamEndReason::disconnect;
      co_return StreamStep{StreamStep::Kind::cut_off, {}, {}};
    }
    if (stopping_.load()) {
      final_ = StreamEnd{Errc::call_timeout, std::nullopt,
                         "the server is shutting down; resume with watch after the last seq "
                         "received"};
      shutdown_end_ = true;
      continue;
    }
    if (SteadyClock::now() >= deadline_) {
      final_ = StreamEnd{Errc::call_timeout, std::nullopt,
                         "no reply within the timeout; resume with watch after the last seq "
                         "received"};
      continue;
    }
    woken_ = co_await registry_.wait(waiter, deadline_);
  }
}

}  // namespace tc
