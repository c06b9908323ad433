#include "service/waiter_registry.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace tc {

namespace asio = boost::asio;

WaiterRegistry::Registration::Registration(WaiterRegistry& registry, std::string key,
                                           bool on_task, const asio::any_io_executor& executor,
                                           bool wants_events)
    : registry_(registry),
      key_(std::move(key)),
      on_task_(on_task),
      waiter_(std::make_shared<Waiter>(executor)) {
  std::lock_guard lock(registry_.mutex_);
  waiter_->wants_events = wants_events;
  auto& list = (on_task_ ? registry_.by_task_ : registry_.by_queue_)[key_];
  position_ = list.insert(list.end(), waiter_);
  if (registry_.closed_.load()) waiter_->signalled = true;
  registry_.waiting_.fetch_add(1, std::memory_order_relaxed);
  (on_task_ ? registry_.waiting_on_tasks_ : registry_.waiting_on_queues_).fetch_add(1);
}

WaiterRegistry::Registration::~Registration() {
  std::lock_guard lock(registry_.mutex_);
  Map& map = on_task_ ? registry_.by_task_ : registry_.by_queue_;
  auto it = map.find(key_);
  if (it != map.end()) {
    it->second.erase(position_);
    if (it->second.empty()) map.erase(it);
  }
  registry_.waiting_.fetch_sub(1, std::memory_order_relaxed);
  (on_task_ ? registry_.waiting_on_tasks_ : registry_.waiting_on_queues_).fetch_sub(1);
}

std::string WaiterRegistry::task_key(std::string_view queue, std::string_view id) {
  // Queue names cannot contain control characters, so '\n' cannot be ambiguous.
  std::string key;
  key.reserve(queue.size() + 1 + id.size());
  key.append(queue).push_back('\n');
  key.append(id);
  return key;
}

WaiterRegistry::Registration WaiterRegistry::watch_queue(std::string_view queue,
                                                         const asio::any_io_executor& executor) {
  return Registration(*this, std::string(queue), false, executor);
}

WaiterRegistry::Registration WaiterRegistry::watch_task(std::string_view queue,
                                                        std::string_view id,
                                                        const asio::any_io_executor& executor) {
  return Registration(*this, task_key(queue, id), true, executor);
}

WaiterRegistry::Registration WaiterRegistry::watch_task_events(
    std::string_view queue, std::string_view id, const asio::any_io_executor& executor) {
  return Registration(*this, task_key(queue, id), true, executor, true);
}

WaiterRegistry::TakenEvents WaiterRegistry::take_events(Waiter& waiter) {
  std::lock_guard lock(mutex_);
  TakenEvents taken{std::move(waiter.events), waiter.events_overflowed, waiter.newest_seq};
  waiter.events.clear();
  waiter.events_overflowed = false;
  return taken;
}

void WaiterRegistry::signal_locked(const std::shared_ptr<Waiter>& waiter) {
  if (waiter->signalled) return;
  waiter->signalled = true;
  // A weak reference: the waiter (and its timer) is only ever destroyed by its own
  // coroutine, on its own thread; if it is gone when this runs there is nothing to wake.
  asio::post(waiter->timer.get_executor(), [weak = std::weak_ptr<Waiter>(waiter)] {
    if (auto alive = weak.lock()) alive->timer.cancel();
  });
}

Awaitable<bool> WaiterRegistry::wait(Waiter& waiter, std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    if (waiter.signalled) {
      if (!closed_.load()) waiter.signalled = false;
      co_return true;
    }
  }
  // No suspension between the check above and this wait: a signal posted meanwhile
  // runs its cancel only after we are suspended here.
  waiter.timer.expires_at(deadline);
  boost::system::error_code ec;
  co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::lock_guard lock(mutex_);
  bool signalled = waiter.signalled;
  if (!closed_.load()) waiter.signalled = false;
  co_return signalled;
}

bool WaiterRegistry::fits(const Waiter& waiter, std::string_view incarnation) {
  return !waiter.expected || waiter.expected->empty() || incarnation.empty() ||
         incarnation == *waiter.expected;
}

void WaiterRegistry::expect(Waiter& waiter, std::string incarnation) {
  std::lock_guard lock(mutex_);
  waiter.expected = std::move(incarnation);
  std::erase_if(waiter.reported,
                [&waiter](const Waiter::Reported& r) { return !fits(waiter, r.incarnation); });
  // Events kept before this may be another incarnation's: drop them, and the stream
  // reads the store (which answers this incarnation's) before it trusts live ones.
  if (waiter.wants_events && !waiter.events.empty()) {
    waiter.events.clear();
    waiter.events_overflowed = true;
  }
}

WaiterRegistry::TaskOutcome WaiterRegistry::outcome(Waiter& waiter) {
  std::lock_guard lock(mutex_);
  for (const auto& r : waiter.reported) {
    if (fits(waiter, r.incarnation))
      return TaskOutcome{r.result, r.result == nullptr, r.result == nullptr && r.expired};
  }
  return TaskOutcome{};
}

void WaiterRegistry::signal_all_locked() {
  for (auto* map : {&by_queue_, &by_task_})
    for (auto& [key, list] : *map)
      for (auto& waiter : list) signal_locked(waiter);
}

void WaiterRegistry::on_events_lost() {
  std::lock_guard lock(mutex_);
  signal_all_locked();
}

void WaiterRegistry::close() {
  std::lock_guard lock(mutex_);
  closed_.store(true);
  signal_all_locked();
}

std::uint64_t WaiterRegistry::waiting_on_queue(std::string_view queue) {
  std::lock_guard lock(mutex_);
  auto it = by_queue_.find(queue);
  return it == by_queue_.end() ? 0 : it->second.size();
}

void WaiterRegistry::on_pending(std::string_view queue) {
  if (waiting_on_queues_.load() == 0) return;  // see waiting_on_queues_
  std::lock_guard lock(mutex_);
  auto it = by_queue_.find(queue);
  if (it == by_queue_.end()) return;
  for (auto& waiter : it->second) signal_locked(waiter);
}

void WaiterRegistry::on_finished(std::string_view queue, std::string_view id,
                                 std::string_view incarnation, const TaskResult* result) {
  report(queue, id, incarnation, result, false);
}

void WaiterRegistry::on_expired(std::string_view queue, std::string_view id,
                                std::string_view incarnation) {
  report(queue, id, incarnation, nullptr, true);
}

void WaiterRegistry::on_progress(std::string_view queue, std::string_view id,
                                 std::string_view incarnation, const TaskEvent& event) {
  if (waiting_on_tasks_.load() == 0) return;  // see waiting_on_queues_
  std::string key = task_key(queue, id);
  std::lock_guard lock(mutex_);
  auto it = by_task_.find(key);
  if (it == by_task_.end()) return;
  for (auto& waiter : it->second) {
    if (!waiter->wants_events || !fits(*waiter, incarnation)) continue;
    // Before expect() every incarnation's events are kept; expect() drops them.
    waiter->newest_seq = std::max(waiter->newest_seq, event.seq);
    if (waiter->events.size() < Waiter::kEventsBuffered)
      waiter->events.push_back(event);
    else
      waiter->events_overflowed = true;
    signal_locked(waiter);
  }
}

void WaiterRegistry::report(std::string_view queue, std::string_view id,
                            std::string_view incarnation, const TaskResult* result,
                            bool expired) {
  if (waiting_on_tasks_.load() == 0) return;  // see waiting_on_queues_
  std::string key = task_key(queue, id);
  std::lock_guard lock(mutex_);
  auto it = by_task_.find(key);
  if (it == by_task_.end()) return;
  // One copy of the result shared by every caller waiting on this task.
  std::shared_ptr<const TaskResult> shared =
      result ? std::make_shared<const TaskResult>(*result) : nullptr;
  for (auto& waiter : it->second) {
    // Another incarnation's outcome (a late event of the task the id named before): not
    // this call's. Once one that fits is kept, it wins; later ones change nothing.
    if (!fits(*waiter, incarnation)) continue;
    if (waiter->expected && !waiter->reported.empty()) continue;
    waiter->reported.push_back(Waiter::Reported{std::string(incarnation), shared, expired});
    signal_locked(waiter);
  }
}

}  // namespace tc
