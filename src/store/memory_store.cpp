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

template <class Changes, class Encode, class Apply>
auto MemoryStore::mutate(Changes&& changes, Encode&& encode, Apply&& apply)
    -> Result<Logged<decltype(apply(std::int64_t{}))>> {
  std::lock_guard lock(mutex_);
  auto now = now_locked();
  auto logged = log_locked(now, changes, [&](std::string& b) { encode(b, now); });
  if (!logged) return std::move(logged).error();
  Logged<decltype(apply(std::int64_t{}))> done{apply(now), *logged};
  after_mutation_locked();
  return done;
}

// Every mutation has the shape of mutate(), then needs_sync() / value_of() /
// value_when_durable(): under the lock, log the record (fail with nothing changed if that
// fails) and apply it; then, lock released, wait for durability when the fsync policy asks
// for it.

Awaitable<Result<bool>> MemoryStore::put(std::string queue, NewTask task) {
  auto logged = mutate(
      [&] { return !state_.has_queue(queue) || !state_.task_state(queue, task.id); },
      [&](std::string& b, std::int64_t now) { log::encode_put(b, now, queue, &task, 1); },
      [&](std::int64_t now) { return state_.put(now, queue, std::move(task)); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<std::vector<bool>>> MemoryStore::put_batch(std::string queue,
                                                       std::vector<NewTask> tasks) {
  auto logged = mutate(
      always,
      [&](std::string& b, std::int64_t now) {
        log::encode_put(b, now, queue, tasks.data(), tasks.size());
      },
      [&](std::int64_t now) { return state_.put_batch(now, queue, std::move(tasks)); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
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
  auto logged = mutate(
      [&] {
        return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
          return state_.task_state(queue, id) == memory::TaskState::pending;
        });
      },
      [&](std::string& b, std::int64_t now) { log::encode_acquire(b, now, queue, ids, lease_ms); },
      [&](std::int64_t now) { return state_.acquire(now, queue, ids, lease_ms); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<std::vector<AcquiredTask>>> MemoryStore::take(std::string queue, std::uint32_t size,
                                                          std::int64_t lease_ms) {
  auto logged = mutate(
      [&] { return size > 0 && state_.has_visible(queue); },
      [&](std::string& b, std::int64_t now) { log::encode_take(b, now, queue, size, lease_ms); },
      [&](std::int64_t now) { return state_.take(now, queue, size, lease_ms); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<bool>> MemoryStore::reply(std::string queue, std::string id, TaskResult result) {
  auto logged = mutate(
      [&] {
        auto state = state_.task_state(queue, id);
        return state && *state != memory::TaskState::done;
      },
      [&](std::string& b, std::int64_t now) { log::encode_reply(b, now, queue, id, result); },
      [&](std::int64_t now) { return state_.reply(now, queue, id, std::move(result)); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<CallBegin>> MemoryStore::call_begin(std::string queue, NewTask task,
                                                bool put_if_absent) {
  if (!put_if_absent) {
    // A check changes nothing but what has come due.
    std::lock_guard lock(mutex_);
    auto now = now_locked();
    apply_due_locked(now);
    co_return state_.call_begin(now, queue, std::move(task), false);
  }
  // Logged as the put it may be: replaying a put of an existing id changes nothing.
  auto logged = mutate(
      [&] { return !state_.has_queue(queue) || !state_.task_state(queue, task.id); },
      [&](std::string& b, std::int64_t now) { log::encode_put(b, now, queue, &task, 1); },
      [&](std::int64_t now) { return state_.call_begin(now, queue, std::move(task), true); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<bool>> MemoryStore::touch(std::string queue, std::string id, std::int64_t lease_ms) {
  auto logged = mutate(
      [&] { return state_.task_state(queue, id) == memory::TaskState::leased; },
      [&](std::string& b, std::int64_t now) { log::encode_touch(b, now, queue, id, lease_ms); },
      [&](std::int64_t now) { return state_.touch(now, queue, id, lease_ms); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<bool>> MemoryStore::remove(std::string queue, std::string id) {
  auto logged = mutate(
      [&] { return state_.task_state(queue, id).has_value(); },
      [&](std::string& b, std::int64_t now) { log::encode_remove(b, now, queue, id); },
      [&](std::int64_t now) { return state_.remove(now, queue, id); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

// One step in memory however large the queue: max_steps bounds round trips in Redis,
// and here the whole queue goes at once.
Awaitable<Result<bool>> MemoryStore::clear_queue(std::string queue, std::uint32_t /*max_steps*/) {
  auto logged = mutate(
      [&] { return state_.has_queue(queue); },
      [&](std::string& b, std::int64_t now) { log::encode_clear(b, now, queue); },
      [&](std::int64_t now) {
        state_.clear_queue(now, queue);
        return true;
      });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
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

Awaitable<Result<std::optional<TaskView>>> MemoryStore::get(std::string queue, std::string id,
                                                             bool with_content) {
  std::lock_guard lock(mutex_);
  auto now = now_locked();
  apply_due_locked(now);
  co_return state_.get(now, queue, id, with_content);
}

Awaitable<Result<TaskPage>> MemoryStore::list_tasks(std::string queue,
                                                    std::optional<TaskViewState> state,
                                                    std::optional<TaskListCursor> after,
                                                    std::uint32_t size) {
  std::lock_guard lock(mutex_);
  auto now = now_locked();
  apply_due_locked(now);
  co_return state_.list_tasks(now, queue, state, after, size);
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

Awaitable<Result<std::vector<bool>>> MemoryStore::reply_batch(std::string queue,
                                                         std::vector<TaskReply> replies) {
  auto logged = mutate(
      [&] {
        return std::any_of(replies.begin(), replies.end(), [&](const TaskReply& r) {
          auto state = state_.task_state(queue, r.id);
          return state && *state != memory::TaskState::done;
        });
      },
      [&](std::string& b, std::int64_t now) { log::encode_reply_batch(b, now, queue, replies); },
      [&](std::int64_t now) { return state_.reply_batch(now, queue, std::move(replies)); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

// Always logged: it creates the queue or changes settings (an unchanged setting costs a
// record, which replays to the same state).
Awaitable<Result<QueueSettings>> MemoryStore::config_queue(std::string queue,
                                                           QueueSettingsChange change) {
  auto logged = mutate(
      always,
      [&](std::string& b, std::int64_t now) { log::encode_config_queue(b, now, queue, change); },
      [&](std::int64_t now) { return state_.config_queue(now, queue, change); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<LeaseGate>> MemoryStore::lease_gate(std::string queue) {
  std::lock_guard lock(mutex_);
  const auto now = now_locked();
  apply_due_locked(now);
  co_return state_.lease_gate(queue, now);
}

Awaitable<Result<bool>> MemoryStore::fail(std::string queue, std::string id, TaskResult error) {
  auto logged = mutate(
      [&] { return state_.task_state(queue, id) == memory::TaskState::leased; },
      [&](std::string& b, std::int64_t now) { log::encode_fail(b, now, queue, id, error); },
      [&](std::int64_t now) { return state_.fail(now, queue, id, std::move(error)); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<bool>> MemoryStore::release(std::string queue, std::string id,
                                             std::int64_t delay_ms) {
  auto logged = mutate(
      [&] { return state_.task_state(queue, id) == memory::TaskState::leased; },
      [&](std::string& b, std::int64_t now) { log::encode_release(b, now, queue, id, delay_ms); },
      [&](std::int64_t now) { return state_.release(now, queue, id, delay_ms); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<std::uint32_t>> MemoryStore::redrive(std::string queue,
                                                     std::vector<std::string> ids,
                                                     std::uint32_t size) {
  auto logged = mutate(
      [&] { return state_.has_queue(queue); },
      [&](std::string& b, std::int64_t now) { log::encode_redrive(b, now, queue, ids, size); },
      [&](std::int64_t now) { return state_.redrive(now, queue, ids, size); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<std::vector<AcquiredTask>>> MemoryStore::take_with(std::string queue,
                                                                    std::uint32_t size,
                                                                    std::int64_t lease_ms,
                                                                    TakeOptions options) {
  if (!options.any()) co_return co_await take(std::move(queue), size, lease_ms);
  auto logged = mutate(
      [&] { return size > 0 && state_.has_visible(queue); },
      [&](std::string& b, std::int64_t now) {
        log::encode_take_v2(b, now, queue, size, lease_ms, options);
      },
      [&](std::int64_t now) { return state_.take_with(now, queue, size, lease_ms, options); });
  if (needs_sync(logged))
    if (auto synced = co_await persist_->durable(logged->ticket); !synced)
      co_return std::move(synced).error();
  co_return value_of(std::move(logged));
}

Awaitable<Result<std::uint32_t>> MemoryStore::count_fitting(std::string queue, std::uint32_t size,
                                                            TakeOptions options) {
  std::lock_guard lock(mutex_);
  apply_due_locked(now_locked());
  co_return state_.count_fitting(queue, size, options);
}

Awaitable<Result<std::optional<std::uint64_t>>> MemoryStore::progress(
    std::string queue, std::string id, TaskResult event, std::optional<std::int64_t> lease_ms) {
  auto logged = mutate(
      [&] { return state_.task_state(queue, id) == memory::TaskState::leased; },
      [&](std::string& b, std::int64_t now) {
        log::encode_progress(b, now, queue, id, event, lease_ms);
      },
      [&](std::int64_t now) { return state_.progress(now, queue, id, std::move(event), lease_ms); });
  if (!needs_sync(logged)) co_return value_of(std::move(logged));
  co_return co_await value_when_durable(std::move(logged));
}

Awaitable<Result<TaskEvents>> MemoryStore::events(std::string queue, std::string id,
                                                  std::uint64_t after) {
  std::lock_guard lock(mutex_);
  apply_due_locked(now_locked());
  co_return state_.events(queue, id, after);
}

std::size_t MemoryStore::task_count() const {
  std::lock_guard lock(mutex_);
  return state_.task_count();
}

}  // namespace tc
