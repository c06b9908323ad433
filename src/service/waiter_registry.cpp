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
    : registry_(registry), on_task_(on_task), waiter_(std::make_shared<Waiter>(executor)) {
  std::lock_guard lock(registry_.mutex_);
  waiter_->wants_events = wants_events;
  waiter_->wake_queue = registry_.wake_queue_for(executor);
  // The key moves into the map; this registration keeps a pointer to the map's copy
  // (unordered_map nodes do not move), valid while the entry's list holds this waiter.
  auto entry = (on_task_ ? registry_.by_task_ : registry_.by_queue_).try_emplace(std::move(key)).first;
  key_ = &entry->first;
  auto& list = entry->second;
  position_ = list.insert(list.end(), waiter_);
  if (registry_.closed_.load()) waiter_->signalled = true;
  registry_.waiting_.fetch_add(1, std::memory_order_relaxed);
  (on_task_ ? registry_.waiting_on_tasks_ : registry_.waiting_on_queues_).fetch_add(1);
}

WaiterRegistry::Registration::~Registration() {
  std::lock_guard lock(registry_.mutex_);
  Map& map = on_task_ ? registry_.by_task_ : registry_.by_queue_;
  auto it = map.find(std::string_view(*key_));
  if (it != map.end()) {
    it->second.erase(position_);
    if (it->second.empty()) map.erase(it);
  }
  registry_.waiting_.fetch_sub(1, std::memory_order_relaxed);
  (on_task_ ? registry_.waiting_on_tasks_ : registry_.waiting_on_queues_).fetch_sub(1);
}

namespace {
// The hash of a (queue, id) pair, from std::hash of each part, so that a stored
// "queue\nid" key (split at its first '\n': queue names hold no control characters)
// and a (queue, id) view hash alike.
std::size_t pair_hash(std::string_view queue, std::string_view id) noexcept {
  const std::size_t h = std::hash<std::string_view>{}(queue);
  return h ^ (std::hash<std::string_view>{}(id) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}
}  // namespace

std::size_t WaiterRegistry::KeyHash::operator()(std::string_view key) const {
  // by_queue_'s keys (queue names) have no '\n' and hash as a queue with an empty id.
  const std::size_t split = key.find('\n');
  if (split == std::string_view::npos) return pair_hash(key, {});
  return pair_hash(key.substr(0, split), key.substr(split + 1));
}

std::size_t WaiterRegistry::KeyHash::operator()(TaskKeyView key) const noexcept {
  return pair_hash(key.queue, key.id);
}

bool WaiterRegistry::KeyEqual::operator()(std::string_view key, TaskKeyView view) const noexcept {
  return key.size() == view.queue.size() + 1 + view.id.size() &&
         key.substr(0, view.queue.size()) == view.queue && key[view.queue.size()] == '\n' &&
         key.substr(view.queue.size() + 1) == view.id;
}

std::shared_ptr<WakeQueue> WaiterRegistry::wake_queue_for(const asio::any_io_executor& executor) {
  for (const auto& queue : wake_queues_)
    if (queue->executor == executor) return queue;
  auto queue = std::make_shared<WakeQueue>(executor);
  // The server's executors are its few I/O threads; should a caller bring many distinct
  // executors (strands), the ones past the bound get a queue of their own, not kept.
  constexpr std::size_t kSharedQueues = 64;
  if (wake_queues_.size() < kSharedQueues) wake_queues_.push_back(queue);
  return queue;
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
  WakeQueue& queue = *waiter->wake_queue;
  bool first = false;
  {
    std::lock_guard lock(queue.mutex);
    first = queue.pending.empty();
    queue.pending.emplace_back(waiter);
  }
  // A handler is already on its way for a non-empty queue: it will see this one too.
  if (first) asio::post(queue.executor, [held = waiter->wake_queue] { run_wakes(*held); });
}

void WaiterRegistry::run_wakes(WakeQueue& queue) {
  std::vector<std::weak_ptr<Waiter>> batch;
  {
    std::lock_guard lock(queue.mutex);
    batch.swap(queue.pending);
    queue.pending.swap(queue.spare);
  }
  for (const auto& weak : batch)
    if (auto alive = weak.lock()) alive->timer.cancel();
  batch.clear();
  std::lock_guard lock(queue.mutex);
  if (queue.spare.capacity() < batch.capacity()) queue.spare.swap(batch);
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
  auto it = by_queue_.find(std::string_view(queue));
  return it == by_queue_.end() ? 0 : it->second.size();
}

void WaiterRegistry::on_pending(std::string_view queue) {
  if (waiting_on_queues_.load() == 0) return;  // see waiting_on_queues_
  std::lock_guard lock(mutex_);
  auto it = by_queue_.find(std::string_view(queue));
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
  std::lock_guard lock(mutex_);
  auto it = by_task_.find(TaskKeyView{queue, id});
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
  std::lock_guard lock(mutex_);
  auto it = by_task_.find(TaskKeyView{queue, id});
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
