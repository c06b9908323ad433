// MemoryStore: the embedded, single-node Store. All state lives in a MemoryState behind
// one mutex; the coroutines never suspend (each operation runs to completion under the
// lock and co_returns). Time comes from the injected Clock, so tests move it by hand.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "store/memory/memory_state.hpp"
#include "store/store.hpp"

namespace tc {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(const Clock& clock);
  ~MemoryStore() override;

  void set_events(StoreEvents* events) override;

  Task<Result<bool>> put(std::string queue, NewTask task) override;
  Task<Result<std::vector<bool>>> put_batch(std::string queue,
                                            std::vector<NewTask> tasks) override;
  Task<Result<std::vector<PeekedTask>>> peek(std::string queue, std::optional<Cursor> after,
                                             std::uint32_t size) override;
  Task<Result<std::vector<AcquiredTask>>> acquire(std::string queue, std::vector<std::string> ids,
                                                  std::int64_t lease_ms) override;
  Task<Result<std::vector<AcquiredTask>>> take(std::string queue, std::uint32_t size,
                                               std::int64_t lease_ms) override;
  Task<Result<bool>> reply(std::string queue, std::string id, TaskResult result) override;
  Task<Result<CallBegin>> call_begin(std::string queue, NewTask task,
                                     bool put_if_absent) override;
  Task<Result<bool>> touch(std::string queue, std::string id, std::int64_t lease_ms) override;
  Task<Result<bool>> remove(std::string queue, std::string id) override;
  Task<Result<bool>> clear_queue(std::string queue, std::uint32_t max_steps) override;
  Task<Result<QueuePage>> list_queues(std::optional<std::string> cursor,
                                      std::uint32_t size) override;
  Task<Result<std::optional<QueueStats>>> stat_queue(std::string queue) override;
  Task<Result<std::uint64_t>> reap() override;
  Task<bool> ready() override;

  // Tasks held in any state, across queues (for tests and metrics).
  std::size_t task_count() const;

 private:
  // The time every step under the lock uses: the clock, never going backwards, so that
  // deadlines and cursors stay ordered if the wall clock steps back. Caller holds mutex_.
  std::int64_t now_locked();

  const Clock& clock_;
  mutable std::mutex mutex_;
  memory::MemoryState state_;
  std::int64_t last_now_ = 0;
};

}  // namespace tc
