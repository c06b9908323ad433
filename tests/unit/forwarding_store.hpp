// A Store that forwards every operation to another one: the base of the unit tests'
// store doubles, which override only what they change (lose or hold events, keep
// progress events of their own). Every virtual of Store is forwarded, so a double never
// silently answers an operation with Store's default.
#pragma once

#include "store/store.hpp"

namespace tc::test {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  void set_events(StoreEvents* events) override { inner_.set_events(events); }
  Awaitable<Result<bool>> put(std::string q, NewTask t) override {
    return inner_.put(std::move(q), std::move(t));
  }
  Awaitable<Result<std::vector<bool>>> put_batch(std::string q, std::vector<NewTask> t) override {
    return inner_.put_batch(std::move(q), std::move(t));
  }
  Awaitable<Result<std::vector<PeekedTask>>> peek(std::string q, std::optional<Cursor> after,
                                                  std::uint32_t size) override {
    return inner_.peek(std::move(q), after, size);
  }
  Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string q, std::vector<std::string> ids,
                                                       std::int64_t lease_ms) override {
    return inner_.acquire(std::move(q), std::move(ids), lease_ms);
  }
  Awaitable<Result<std::vector<AcquiredTask>>> take(std::string q, std::uint32_t size,
                                                    std::int64_t lease_ms) override {
    return inner_.take(std::move(q), size, lease_ms);
  }
  Awaitable<Result<ReplyOutcome>> reply_timed(std::string q, std::string id,
                                              TaskResult r) override {
    return inner_.reply_timed(std::move(q), std::move(id), std::move(r));
  }
  Awaitable<Result<CallBegin>> call_begin(std::string q, NewTask t, bool put_if_absent) override {
    return inner_.call_begin(std::move(q), std::move(t), put_if_absent);
  }
  Awaitable<Result<bool>> touch(std::string q, std::string id, std::int64_t lease_ms) override {
    return inner_.touch(std::move(q), std::move(id), lease_ms);
  }
  Awaitable<Result<bool>> remove(std::string q, std::string id) override {
    return inner_.remove(std::move(q), std::move(id));
  }
  Awaitable<Result<bool>> clear_queue(std::string q, std::uint32_t max_steps) override {
    return inner_.clear_queue(std::move(q), max_steps);
  }
  Awaitable<Result<QueuePage>> list_queues(std::optional<std::string> cursor,
                                           std::uint32_t size) override {
    return inner_.list_queues(std::move(cursor), size);
  }
  Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string q) override {
    return inner_.stat_queue(std::move(q));
  }
  Awaitable<Result<std::uint64_t>> reap() override { return inner_.reap(); }
  Awaitable<bool> ready() override { return inner_.ready(); }
  Awaitable<Result<std::vector<NamedQueueStats>>> stat_queues(std::optional<std::string> after,
                                                              std::uint32_t size) override {
    return inner_.stat_queues(std::move(after), size);
  }
  void close() override { inner_.close(); }
  Awaitable<Result<std::vector<ReplyOutcome>>> reply_batch_timed(
      std::string q, std::vector<TaskReply> replies) override {
    return inner_.reply_batch_timed(std::move(q), std::move(replies));
  }
  Awaitable<Result<QueueSettings>> config_queue(std::string q,
                                                QueueSettingsChange change) override {
    return inner_.config_queue(std::move(q), std::move(change));
  }
  Awaitable<Result<LeaseGate>> lease_gate(std::string q) override {
    return inner_.lease_gate(std::move(q));
  }
  Awaitable<Result<bool>> fail(std::string q, std::string id, TaskResult error) override {
    return inner_.fail(std::move(q), std::move(id), std::move(error));
  }
  Awaitable<Result<bool>> release(std::string q, std::string id, std::int64_t delay_ms) override {
    return inner_.release(std::move(q), std::move(id), delay_ms);
  }
  Awaitable<Result<std::uint32_t>> redrive(std::string q, std::vector<std::string> ids,
                                           std::uint32_t size) override {
    return inner_.redrive(std::move(q), std::move(ids), size);
  }
  Awaitable<Result<std::optional<TaskView>>> get(std::string q, std::string id,
                                                 bool with_content) override {
    return inner_.get(std::move(q), std::move(id), with_content);
  }
  Awaitable<Result<TaskPage>> list_tasks(std::string q, std::optional<TaskViewState> state,
                                         std::optional<TaskListCursor> after,
                                         std::uint32_t size) override {
    return inner_.list_tasks(std::move(q), state, std::move(after), size);
  }
  Awaitable<Result<std::vector<AcquiredTask>>> take_with(std::string q, std::uint32_t size,
                                                         std::int64_t lease_ms,
                                                         TakeOptions options) override {
    return inner_.take_with(std::move(q), size, lease_ms, std::move(options));
  }
  Awaitable<Result<std::uint32_t>> count_fitting(std::string q, std::uint32_t size,
                                                 TakeOptions options) override {
    return inner_.count_fitting(std::move(q), size, std::move(options));
  }
  Awaitable<Result<std::optional<std::uint64_t>>> progress(
      std::string q, std::string id, TaskResult event,
      std::optional<std::int64_t> lease_ms) override {
    return inner_.progress(std::move(q), std::move(id), std::move(event), lease_ms);
  }
  Awaitable<Result<TaskEvents>> events(std::string q, std::string id,
                                       std::uint64_t after) override {
    return inner_.events(std::move(q), std::move(id), after);
  }

 protected:
  Store& inner_;
};

}  // namespace tc::test
