#include "store/memory_store.hpp"

#include <algorithm>

namespace tc {

MemoryStore::MemoryStore(const Clock& clock) : clock_(clock) {}

MemoryStore::~MemoryStore() = default;

std::int64_t MemoryStore::now_locked() {
  last_now_ = std::max(last_now_, clock_.now_ms());
  return last_now_;
}

void MemoryStore::set_events(StoreEvents* events) {
  std::lock_guard lock(mutex_);
  state_.set_events(events);
}

Task<Result<bool>> MemoryStore::put(std::string queue, NewTask task) {
  std::lock_guard lock(mutex_);
  co_return state_.put(now_locked(), queue, std::move(task));
}

Task<Result<std::vector<bool>>> MemoryStore::put_batch(std::string queue,
                                                       std::vector<NewTask> tasks) {
  std::lock_guard lock(mutex_);
  co_return state_.put_batch(now_locked(), queue, std::move(tasks));
}

Task<Result<std::vector<PeekedTask>>> MemoryStore::peek(std::string queue,
                                                        std::optional<Cursor> after,
                                                        std::uint32_t size) {
  std::lock_guard lock(mutex_);
  state_.apply_due(now_locked());
  co_return state_.peek(queue, after, size);
}

Task<Result<std::vector<AcquiredTask>>> MemoryStore::acquire(std::string queue,
                                                             std::vector<std::string> ids,
                                                             std::int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  co_return state_.acquire(now_locked(), queue, ids, lease_ms);
}

Task<Result<std::vector<AcquiredTask>>> MemoryStore::take(std::string queue, std::uint32_t size,
                                                          std::int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  co_return state_.take(now_locked(), queue, size, lease_ms);
}

Task<Result<bool>> MemoryStore::reply(std::string queue, std::string id, TaskResult result) {
  std::lock_guard lock(mutex_);
  co_return state_.reply(now_locked(), queue, id, std::move(result));
}

Task<Result<CallBegin>> MemoryStore::call_begin(std::string queue, NewTask task,
                                                bool put_if_absent) {
  std::lock_guard lock(mutex_);
  co_return state_.call_begin(now_locked(), queue, std::move(task), put_if_absent);
}

Task<Result<bool>> MemoryStore::touch(std::string queue, std::string id, std::int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  co_return state_.touch(now_locked(), queue, id, lease_ms);
}

Task<Result<bool>> MemoryStore::remove(std::string queue, std::string id) {
  std::lock_guard lock(mutex_);
  co_return state_.remove(now_locked(), queue, id);
}

// One step in memory however large the queue: max_steps bounds round trips in Redis,
// and here the whole queue goes at once.
Task<Result<bool>> MemoryStore::clear_queue(std::string queue, std::uint32_t /*max_steps*/) {
  std::lock_guard lock(mutex_);
  state_.clear_queue(now_locked(), queue);
  co_return true;
}

Task<Result<QueuePage>> MemoryStore::list_queues(std::optional<std::string> cursor,
                                                 std::uint32_t size) {
  std::lock_guard lock(mutex_);
  state_.apply_due(now_locked());
  co_return state_.list_queues(cursor, size);
}

Task<Result<std::optional<QueueStats>>> MemoryStore::stat_queue(std::string queue) {
  std::lock_guard lock(mutex_);
  state_.apply_due(now_locked());
  co_return state_.stat_queue(queue);
}

Task<Result<std::uint64_t>> MemoryStore::reap() {
  std::lock_guard lock(mutex_);
  co_return state_.apply_due(now_locked());
}

Task<bool> MemoryStore::ready() { co_return true; }

std::size_t MemoryStore::task_count() const {
  std::lock_guard lock(mutex_);
  return state_.task_count();
}

}  // namespace tc
