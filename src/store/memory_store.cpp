#include "store/memory_store.hpp"

#include <algorithm>

#include "store/log/record.hpp"

namespace tc {
namespace {
constexpr auto always = [] { return true; };
}  // namespace

MemoryStore::MemoryStore(const Clock& clock) : clock_(clock) {}

MemoryStore::~MemoryStore() = default;

Result<std::unique_ptr<MemoryStore>> MemoryStore::open(const Clock& clock,
                                                       log::PersistOptions options,
                                                       log::ReplayReport* report) {
  auto store = std::make_unique<MemoryStore>(clock);
  log::ReplayReport replayed;
  auto persist = log::Persistence::open(std::move(options), store->state_, &replayed);
  if (!persist) return std::move(persist).error();
  store->persist_ = std::move(*persist);
  store->last_now_ = replayed.last_now;
  if (report) *report = std::move(replayed);
  return store;
}

std::int64_t MemoryStore::now_locked() {
  last_now_ = std::max(last_now_, clock_.now_ms());
  return last_now_;
}

template <class Changes, class Encode>
Result<std::uint64_t> MemoryStore::log_locked(std::int64_t now, Changes&& changes,
                                              Encode&& encode) {
  // `changes` runs only when there is a log: memory-only requests pay no extra lookup.
  if (!persist_ || !(changes() || state_.has_due(now))) return std::uint64_t{0};
  std::string& buffer = persist_->buffer();
  buffer.clear();
  encode(buffer);
  return persist_->append(buffer);
}

void MemoryStore::apply_due_locked(std::int64_t now) {
  if (!state_.has_due(now)) return;
  if (log_locked(now, always, [&](std::string& b) { log::encode_tick(b, now); }))
    state_.apply_due(now);
}

void MemoryStore::after_mutation_locked() {
  if (persist_) persist_->maybe_compact(state_);
}

Result<void> MemoryStore::compact() {
  if (!persist_) return {};
  return persist_->compact_now(mutex_);
}

void MemoryStore::set_events(StoreEvents* events) {
  std::lock_guard lock(mutex_);
  state_.set_events(events);
}

// Every mutation below has the same shape: under the lock, log the record (fail with
// nothing changed if that fails), apply it; then, lock released, wait for durability.

Awaitable<Result<bool>> MemoryStore::put(std::string queue, NewTask task) {
  std::uint64_t ticket;
  bool created;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto fresh = [&] { return !state_.has_queue(queue) || !state_.task_state(queue, task.id); };
    auto logged =
        log_locked(now, fresh, [&](std::string& b) { log::encode_put(b, now, queue, &task, 1); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    created = state_.put(now, queue, std::move(task));
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return created;
}

Awaitable<Result<std::vector<bool>>> MemoryStore::put_batch(std::string queue,
                                                       std::vector<NewTask> tasks) {
  std::uint64_t ticket;
  std::vector<bool> created;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto logged = log_locked(
        now, always, [&](std::string& b) { log::encode_put(b, now, queue, tasks.data(), tasks.size()); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    created = state_.put_batch(now, queue, std::move(tasks));
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return created;
}

Awaitable<Result<std::vector<PeekedTask>>> MemoryStore::peek(std::string queue,
                                                        std::optional<Cursor> after,
                                                        std::uint32_t size) {
  std::lock_guard lock(mutex_);
  apply_due_locked(now_locked());
  co_return state_.peek(queue, after, size);
}

Awaitable<Result<std::vector<AcquiredTask>>> MemoryStore::acquire(std::string queue,
                                                             std::vector<std::string> ids,
                                                             std::int64_t lease_ms) {
  std::uint64_t ticket;
  std::vector<AcquiredTask> acquired;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto any_pending = [&] {
      return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
        return state_.task_state(queue, id) == memory::TaskState::pending;
      });
    };
    auto logged = log_locked(now, any_pending, [&](std::string& b) {
      log::encode_acquire(b, now, queue, ids, lease_ms);
    });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    acquired = state_.acquire(now, queue, ids, lease_ms);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return acquired;
}

Awaitable<Result<std::vector<AcquiredTask>>> MemoryStore::take(std::string queue, std::uint32_t size,
                                                          std::int64_t lease_ms) {
  std::uint64_t ticket;
  std::vector<AcquiredTask> acquired;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto visible = [&] { return size > 0 && state_.has_visible(queue); };
    auto logged = log_locked(now, visible, [&](std::string& b) {
      log::encode_take(b, now, queue, size, lease_ms);
    });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    acquired = state_.take(now, queue, size, lease_ms);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return acquired;
}

Awaitable<Result<bool>> MemoryStore::reply(std::string queue, std::string id, TaskResult result) {
  std::uint64_t ticket;
  bool completed;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto open_task = [&] {
      auto state = state_.task_state(queue, id);
      return state && *state != memory::TaskState::done;
    };
    auto logged = log_locked(now, open_task, [&](std::string& b) {
      log::encode_reply(b, now, queue, id, result);
    });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    completed = state_.reply(now, queue, id, std::move(result));
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return completed;
}

Awaitable<Result<CallBegin>> MemoryStore::call_begin(std::string queue, NewTask task,
                                                bool put_if_absent) {
  std::uint64_t ticket = 0;
  CallBegin begin;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    if (!put_if_absent) {
      // A check changes nothing but what has come due.
      apply_due_locked(now);
      co_return state_.call_begin(now, queue, std::move(task), false);
    }
    // Logged as the put it may be: replaying a put of an existing id changes nothing.
    auto fresh = [&] { return !state_.has_queue(queue) || !state_.task_state(queue, task.id); };
    auto logged =
        log_locked(now, fresh, [&](std::string& b) { log::encode_put(b, now, queue, &task, 1); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    begin = state_.call_begin(now, queue, std::move(task), true);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return begin;
}

Awaitable<Result<bool>> MemoryStore::touch(std::string queue, std::string id, std::int64_t lease_ms) {
  std::uint64_t ticket;
  bool touched;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto logged = log_locked(
        now, [&] { return state_.task_state(queue, id) == memory::TaskState::leased; },
        [&](std::string& b) { log::encode_touch(b, now, queue, id, lease_ms); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    touched = state_.touch(now, queue, id, lease_ms);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return touched;
}

Awaitable<Result<bool>> MemoryStore::remove(std::string queue, std::string id) {
  std::uint64_t ticket;
  bool removed;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto logged =
        log_locked(now, [&] { return state_.task_state(queue, id).has_value(); },
                   [&](std::string& b) { log::encode_remove(b, now, queue, id); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    removed = state_.remove(now, queue, id);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return removed;
}

// One step in memory however large the queue: max_steps bounds round trips in Redis,
// and here the whole queue goes at once.
Awaitable<Result<bool>> MemoryStore::clear_queue(std::string queue, std::uint32_t /*max_steps*/) {
  std::uint64_t ticket;
  {
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    auto logged = log_locked(now, [&] { return state_.has_queue(queue); },
                             [&](std::string& b) { log::encode_clear(b, now, queue); });
    if (!logged) co_return std::move(logged).error();
    ticket = *logged;
    state_.clear_queue(now, queue);
    after_mutation_locked();
  }
  if (ticket && persist_->waits_for_sync()) {
    if (auto d = co_await persist_->durable(ticket); !d) co_return std::move(d).error();
  }
  co_return true;
}

Awaitable<Result<QueuePage>> MemoryStore::list_queues(std::optional<std::string> cursor,
                                                 std::uint32_t size) {
  std::lock_guard lock(mutex_);
  apply_due_locked(now_locked());
  co_return state_.list_queues(cursor, size);
}

Awaitable<Result<std::optional<QueueStats>>> MemoryStore::stat_queue(std::string queue) {
  std::lock_guard lock(mutex_);
  apply_due_locked(now_locked());
  co_return state_.stat_queue(queue);
}

Awaitable<Result<std::uint64_t>> MemoryStore::reap() {
  std::lock_guard lock(mutex_);
  auto now = now_locked();
  if (!state_.has_due(now)) co_return std::uint64_t{0};
  auto logged = log_locked(now, always, [&](std::string& b) { log::encode_tick(b, now); });
  if (!logged) co_return std::move(logged).error();
  co_return state_.apply_due(now);
}

// Not ready while the log cannot be written (a full disk): every mutation would fail.
// The next write that succeeds makes it ready again.
Awaitable<bool> MemoryStore::ready() { co_return !persist_ || !persist_->write_failing(); }

Awaitable<Result<std::vector<NamedQueueStats>>> MemoryStore::stat_queues(
    std::optional<std::string> after, std::uint32_t size) {
  constexpr std::uint32_t kPerLock = 1000;
  std::vector<NamedQueueStats> out;
  std::optional<std::string> cursor = std::move(after);
  while (out.size() < size) {
    std::lock_guard lock(mutex_);
    apply_due_locked(now_locked());
    auto page = state_.list_queues(
        cursor, std::min<std::uint32_t>(kPerLock, size - static_cast<std::uint32_t>(out.size())));
    for (auto& name : page.queues) {
      auto stats = state_.stat_queue(name);
      if (stats) out.push_back(NamedQueueStats{std::move(name), std::move(*stats)});
    }
    if (!page.next_cursor) break;
    cursor = std::move(page.next_cursor);
  }
  co_return out;
}

std::size_t MemoryStore::task_count() const {
  std::lock_guard lock(mutex_);
  return state_.task_count();
}

}  // namespace tc
