#include "service/task_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>

#include "core/logger.hpp"
#include "core/ops_metrics.hpp"
#include "service/event_stream.hpp"
#include "service/waiter_registry.hpp"

namespace tc {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

SteadyClock::time_point deadline_after(std::int64_t ms) {
  return SteadyClock::now() + std::chrono::milliseconds(ms);
}

bool passed(SteadyClock::time_point deadline) { return SteadyClock::now() >= deadline; }
bool gone(const ClientWatch* client) { return client && client->gone(); }

// Observes how long a call waited, however it ends (result, removal, timeout, error).
struct CallWaitTimer {
  SteadyClock::time_point started = SteadyClock::now();
  ~CallWaitTimer() {
    ops_metrics().call_wait_seconds.observe_us(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started)
            .count()));
  }
};

logging::RateLimit g_reap_failure_log{std::chrono::seconds(10)};

}  // namespace

TaskService::TaskService(Store& store, ServiceOptions options)
    : store_(store), options_(options), waiters_(std::make_unique<WaiterRegistry>()) {
  store_.set_events(waiters_.get());
}

TaskService::~TaskService() { store_.set_events(nullptr); }

std::uint64_t TaskService::waiting() const noexcept { return waiters_->waiting(); }

// The operations without a rule of their own hand back the store's awaitable instead of
// wrapping it in a coroutine of their own: one coroutine frame (an allocation and a
// resumption) fewer per request. The store's coroutine owns the moved arguments.
Awaitable<Result<bool>> TaskService::put(std::string&& queue, NewTask&& task) {
  return store_.put(std::move(queue), std::move(task));
}

Awaitable<Result<std::vector<bool>>> TaskService::put_batch(std::string queue,
                                                       std::vector<NewTask> tasks) {
  return store_.put_batch(std::move(queue), std::move(tasks));
}

Awaitable<Result<PeekOutcome>> TaskService::peek(PeekArgs args, ClientWatch* client) {
  const std::int64_t timeout_ms = std::min(args.timeout_ms, options_.max_wait_ms);
  const std::int64_t window_ms = std::min(args.batch_window_ms, options_.max_wait_ms);
  auto answer = [&](std::vector<PeekedTask> tasks) {
    PeekOutcome out;
    out.cursor = tasks.empty() ? args.cursor : std::optional<Cursor>(tasks.back().cursor);
    out.tasks = std::move(tasks);
    return out;
  };

  if (timeout_ms <= 0 && window_ms <= 0) {
    auto tasks = co_await store_.peek(args.queue, args.cursor, args.size);
    if (!tasks) co_return std::move(tasks).error();
    co_return answer(std::move(tasks).value());
  }

  // Register before the first look at the store so no put can slip between them.
  auto registration = waiters_->watch_queue(args.queue, co_await asio::this_coro::executor);
  Waiter& waiter = registration.waiter();
  ClientWaitScope client_scope(client, [&waiter] { waiter.timer.cancel(); });
  const auto deadline = deadline_after(std::max<std::int64_t>(timeout_ms, 0));

  std::vector<PeekedTask> tasks;
  for (;;) {
    auto peeked = co_await store_.peek(args.queue, args.cursor, args.size);
    if (!peeked) co_return std::move(peeked).error();
    tasks = std::move(peeked).value();
    if (!tasks.empty() || passed(deadline) || stopping() || gone(client)) break;
    co_await waiters_->wait(waiter, deadline);
  }

  // Dynamic batching: once the first task is there, give the batch a window to fill.
  if (!tasks.empty() && window_ms > 0 && tasks.size() < args.size) {
    const auto window_end = deadline_after(window_ms);
    while (tasks.size() < args.size && !passed(window_end) && !stopping() && !gone(client)) {
      if (!co_await waiters_->wait(waiter, window_end)) break;
      auto peeked = co_await store_.peek(args.queue, args.cursor, args.size);
      if (!peeked) co_return std::move(peeked).error();
      tasks = std::move(peeked).value();
    }
    if (tasks.size() < args.size) {
      // The window ran out: one last look picks up what arrived with the deadline.
      auto peeked = co_await store_.peek(args.queue, args.cursor, args.size);
      if (!peeked) co_return std::move(peeked).error();
      tasks = std::move(peeked).value();
    }
  }
  co_return answer(std::move(tasks));
}

Awaitable<Result<std::vector<AcquiredTask>>> TaskService::acquire(std::string queue,
                                                             std::vector<std::string> ids,
                                                             std::int64_t lease_ms) {
  return store_.acquire(std::move(queue), std::move(ids), lease_ms);
}

Awaitable<Result<std::vector<AcquiredTask>>> TaskService::take(TakeArgs args, ClientWatch* client) {
  const std::int64_t timeout_ms = std::min(args.timeout_ms, options_.max_wait_ms);
  const std::int64_t window_ms = std::min(args.batch_window_ms, options_.max_wait_ms);
  if (timeout_ms <= 0 && window_ms <= 0)
    co_return co_await store_.take_with(args.queue, args.size, args.lease_ms, args.options);

  auto registration = waiters_->watch_queue(args.queue, co_await asio::this_coro::executor);
  Waiter& waiter = registration.waiter();
  ClientWaitScope client_scope(client, [&waiter] { waiter.timer.cancel(); });
  const auto deadline = deadline_after(std::max<std::int64_t>(timeout_ms, 0));

  for (;;) {
    // A consumer that has gone cannot receive tasks: leasing them to it would hide
    // them until the lease ran out.
    if (gone(client)) co_return std::vector<AcquiredTask>{};
    if (window_ms > 0) {
      auto step = co_await take_in_window(args, waiter, client, window_ms, deadline);
      if (step.answer) co_return std::move(*step.answer);
      if (step.look_again) continue;
    } else {
      auto taken = co_await store_.take_with(args.queue, args.size, args.lease_ms, args.options);
      if (!taken || !taken->empty()) co_return taken;
    }
    // The look at the queue's settings comes before the last check: a client that goes
    // while it runs cancels a timer that is not armed yet, and the wait would not see it.
    const auto look_until = co_await next_look(args.queue, deadline);
    if (passed(deadline) || stopping() || gone(client)) co_return std::vector<AcquiredTask>{};
    co_await waiters_->wait(waiter, look_until);
  }
}

// Wait for a first task that fits without taking it, then let the batch fill for the
// window. A keyed take wakes on any put into the queue and counts again (count_fitting):
// only tasks that fit the take's options start or end the window.
Awaitable<TaskService::WindowStep> TaskService::take_in_window(
    const TakeArgs& args, Waiter& waiter, ClientWatch* client, std::int64_t window_ms,
    std::chrono::steady_clock::time_point deadline) {
  auto fitting = co_await count_fitting(args);
  if (!fitting) co_return WindowStep{std::move(fitting).error()};
  if (*fitting == 0) co_return WindowStep{};
  const auto window_end = deadline_after(window_ms);
  std::size_t visible = *fitting;
  while (visible < args.size && !passed(window_end) && !stopping() && !gone(client)) {
    if (!co_await waiters_->wait(waiter, window_end)) break;
    auto again = co_await count_fitting(args);
    if (!again) co_return WindowStep{std::move(again).error()};
    visible = *again;
  }
  if (gone(client)) co_return WindowStep{std::vector<AcquiredTask>{}};
  auto taken = co_await store_.take_with(args.queue, args.size, args.lease_ms, args.options);
  if (!taken || !taken->empty() || passed(deadline) || stopping())
    co_return WindowStep{std::move(taken)};
  // Others took them meanwhile: look for more at once, unless the queue's settings are
  // what stopped this take (then wait for them to allow it).
  auto gate = co_await store_.lease_gate(args.queue);
  co_return WindowStep{std::nullopt, !gate || !gate->blocked};
}

Awaitable<Result<std::size_t>> TaskService::count_fitting(const TakeArgs& args) {
  if (!args.options.any()) {
    auto peeked = co_await store_.peek(args.queue, std::nullopt, args.size);
    if (!peeked) co_return std::move(peeked).error();
    co_return peeked->size();
  }
  auto counted = co_await store_.count_fitting(args.queue, args.size, args.options);
  if (!counted) co_return std::move(counted).error();
  if (*counted < args.size && args.options.max_cost) {
    // Fewer than size fit: when more would fit without max_cost, max_cost has closed the
    // batch (take order is the same), and waiting cannot add to it: the window ends.
    TakeArgs uncapped = args;
    uncapped.options.max_cost.reset();
    auto without_cost = co_await count_fitting(uncapped);
    if (!without_cost) co_return std::move(without_cost).error();
    if (*without_cost > *counted) co_return std::size_t{args.size};
  }
  co_return std::size_t{*counted};
}

Awaitable<Result<ReplyOutcome>> TaskService::reply(std::string queue, std::string id,
                                                   TaskResult result) {
  return store_.reply_timed(std::move(queue), std::move(id), std::move(result));
}

Awaitable<Result<std::vector<ReplyOutcome>>> TaskService::reply_batch(
    std::string queue, std::vector<TaskReply> replies) {
  return store_.reply_batch_timed(std::move(queue), std::move(replies));
}

Awaitable<Result<std::optional<TaskResult>>> TaskService::call(CallArgs args, ClientWatch* client) {
  const std::int64_t timeout_ms = std::min(args.timeout_ms, options_.max_wait_ms);
  if (timeout_ms <= 0) {
    // "Is it done?": never puts.
    auto begun = co_await store_.call_begin(args.queue, std::move(args.task), false);
    if (!begun) co_return std::move(begun).error();
    co_return std::move(begun->cached);
  }

  CallWaitTimer wait_timer;
  // Register before the put: a reply that lands between the two still reaches us. So
  // may a late event of the task the id named before (removed or replied on another
  // instance): outcomes count only once call_begin said which incarnation we wait on.
  std::string id = args.task.id;
  auto registration = waiters_->watch_task(args.queue, id, co_await asio::this_coro::executor);
  Waiter& waiter = registration.waiter();
  ClientWaitScope client_scope(client, [&waiter] { waiter.timer.cancel(); });
  const auto deadline = deadline_after(timeout_ms);

  auto begun = co_await store_.call_begin(args.queue, std::move(args.task), true);
  if (!begun) co_return std::move(begun).error();
  if (begun->cached) co_return std::move(begun->cached);
  waiters_->expect(waiter, std::move(begun->incarnation));

  bool woken = false;
  for (;;) {
    auto outcome = waiters_->outcome(waiter);
    if (outcome.result) co_return std::optional<TaskResult>(*outcome.result);
    if (outcome.expired)
      co_return make_error(Errc::expired,
                           "the task's deadline passed before any consumer leased it");
    if (outcome.removed)
      co_return make_error(Errc::removed, "the task was removed while the call waited for it");
    if (woken && !stopping()) {
      // Woken without an outcome: only on_events_lost does that (a Redis subscriber
      // reconnected, and the reply's event may have been published while it was away).
      // The store has the answer: a cached result ends the call; else it waits on.
      NewTask probe;
      probe.id = id;
      auto looked = co_await store_.call_begin(args.queue, std::move(probe), false);
      if (looked && looked->cached) co_return std::move(looked->cached);
    }
    if (passed(deadline) || stopping() || gone(client)) break;
    woken = co_await waiters_->wait(waiter, deadline);
  }
  ops_metrics().call_timeouts.fetch_add(1, std::memory_order_relaxed);
  co_return make_error(Errc::call_timeout,
                       "no reply within the timeout; the task stays queued and a later call "
                       "with the same id returns its result");
}

Awaitable<Result<std::unique_ptr<TaskEventStream>>> TaskService::call_stream(
    CallArgs args, ClientWatch* client) {
  const std::int64_t timeout_ms = std::max<std::int64_t>(std::min(args.timeout_ms, options_.max_wait_ms), 0);
  // Registered before the put, as call is: nothing reported after it is missed.
  auto stream = std::make_unique<TaskEventStream>(store_, *waiters_, stopping_, args.queue,
                                                  args.task.id, client,
                                                  deadline_after(timeout_ms),
                                                  co_await asio::this_coro::executor);
  auto begun = co_await store_.call_begin(args.queue, std::move(args.task), timeout_ms > 0);
  if (!begun) co_return std::move(begun).error();
  stream->follow(std::move(begun->incarnation), std::move(begun->cached));
  // timeout 0 asks "is it done?": what is kept, then the result or data null.
  if (timeout_ms == 0) stream->end_with(StreamEnd{});
  auto begun_stream = co_await stream->begin(0, false);
  if (!begun_stream) co_return std::move(begun_stream).error();
  co_return stream;
}

Awaitable<Result<std::unique_ptr<TaskEventStream>>> TaskService::watch(WatchArgs args,
                                                                       ClientWatch* client) {
  const std::int64_t timeout_ms = std::max<std::int64_t>(std::min(args.timeout_ms, options_.max_wait_ms), 0);
  auto stream = std::make_unique<TaskEventStream>(store_, *waiters_, stopping_, args.queue,
                                                  args.id, client, deadline_after(timeout_ms),
                                                  co_await asio::this_coro::executor);
  auto exists = co_await stream->begin(args.after, true);
  if (!exists) co_return std::move(exists).error();
  if (!*exists) co_return std::unique_ptr<TaskEventStream>();
  co_return stream;
}

Awaitable<Result<bool>> TaskService::touch(std::string queue, std::string id, std::int64_t lease_ms) {
  return store_.touch(std::move(queue), std::move(id), lease_ms);
}

Awaitable<Result<bool>> TaskService::fail(std::string queue, std::string id, TaskResult error) {
  return store_.fail(std::move(queue), std::move(id), std::move(error));
}

Awaitable<Result<bool>> TaskService::release(std::string queue, std::string id,
                                             std::int64_t delay_ms) {
  return store_.release(std::move(queue), std::move(id), delay_ms);
}

Awaitable<Result<std::uint32_t>> TaskService::redrive(std::string queue,
                                                     std::vector<std::string> ids,
                                                     std::uint32_t size) {
  return store_.redrive(std::move(queue), std::move(ids), size);
}

Awaitable<Result<bool>> TaskService::remove(std::string queue, std::string id) {
  return store_.remove(std::move(queue), std::move(id));
}

Awaitable<Result<bool>> TaskService::clear_queue(std::string queue, std::uint32_t max_steps) {
  return store_.clear_queue(std::move(queue), max_steps);
}

Awaitable<Result<QueuePage>> TaskService::list_queues(std::optional<std::string> cursor,
                                                 std::uint32_t size) {
  return store_.list_queues(std::move(cursor), size);
}

Awaitable<Result<std::optional<QueueStats>>> TaskService::stat_queue(std::string queue) {
  auto stats = co_await store_.stat_queue(queue);
  if (stats && *stats) (*stats)->waiting = waiters_->waiting_on_queue(queue);
  co_return stats;
}

Awaitable<Result<std::vector<NamedQueueStats>>> TaskService::stat_queues(
    std::optional<std::string> after, std::uint32_t size) {
  auto page = co_await store_.stat_queues(std::move(after), size);
  if (page)
    for (auto& named : *page) named.stats.waiting = waiters_->waiting_on_queue(named.queue);
  co_return page;
}

Awaitable<SteadyClock::time_point> TaskService::next_look(const std::string& queue,
                                                          SteadyClock::time_point deadline) {
  auto gate = co_await store_.lease_gate(queue);
  // A store that cannot answer: wait for an event as before; the next take reports it.
  if (!gate || !gate->blocked || gate->retry_in_ms <= 0) co_return deadline;
  co_return std::min(deadline, deadline_after(gate->retry_in_ms));
}

Awaitable<Result<QueueSettings>> TaskService::config_queue(std::string queue,
                                                           QueueSettingsChange change) {
  return store_.config_queue(std::move(queue), std::move(change));
}

Awaitable<bool> TaskService::ready() { co_return !stopping() && co_await store_.ready(); }

void TaskService::start(const asio::any_io_executor& executor) {
  asio::co_spawn(executor, reaper_loop(), asio::detached);
}

void TaskService::shutdown() {
  stopping_.store(true);
  waiters_->close();
}

Awaitable<void> TaskService::reaper_loop() {
  // The reaper shares the registry's lifetime rules: it checks stopping() each round.
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto interval = std::chrono::milliseconds(std::max<std::int64_t>(options_.reap_interval_ms, 1));
  while (!stopping()) {
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping()) break;
    // Failures (store unavailable, disk full) are retried next round; requests report
    // them to their clients, and the operator learns of them here.
    auto reaped = co_await store_.reap();
    if (!reaped) {
      ops_metrics().count_store_error(StoreErrorKind::reap);
      logging::write_limited(g_reap_failure_log, logging::Level::warn,
                             "reaper pass failed (retried every round)",
                             {{"error", reaped.error().message}});
    }
  }
}

Awaitable<Result<std::optional<TaskView>>> TaskService::get(std::string queue, std::string id,
                                                             bool with_content) {
  return store_.get(std::move(queue), std::move(id), with_content);
}

Awaitable<Result<std::optional<std::uint64_t>>> TaskService::progress(
    std::string queue, std::string id, TaskResult event, std::optional<std::int64_t> lease_ms) {
  return store_.progress(std::move(queue), std::move(id), std::move(event), lease_ms);
}

Awaitable<Result<TaskPage>> TaskService::list_tasks(std::string queue,
                                                    std::optional<TaskViewState> state,
                                                    std::optional<TaskListCursor> after,
                                                    std::uint32_t size) {
  return store_.list_tasks(std::move(queue), state, std::move(after), size);
}

}  // namespace tc
