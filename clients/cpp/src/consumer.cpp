#include "taskcenter/consumer.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <set>
#include <optional>
#include <thread>

#include "json_writer.hpp"
#include "stop_signals.hpp"

namespace taskcenter {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The task this worker thread's process() works on (Consumer::progress).
thread_local const Task* t_current_task = nullptr;
struct CurrentTask {
  explicit CurrentTask(const Task* task) : previous(t_current_task) { t_current_task = task; }
  ~CurrentTask() { t_current_task = previous; }
  CurrentTask(const CurrentTask&) = delete;
  CurrentTask& operator=(const CurrentTask&) = delete;
  const Task* previous;
};

// A pause that ends early when the consumer is asked to stop.
template <class StopFn>
void pause_unless(Seconds how_long, StopFn&& stopping) {
  auto until = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(how_long);
  while (!stopping() && SteadyClock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

bool retriable(const Error& e) {
  return e.code() == ErrorCode::transport || e.code() == ErrorCode::unavailable;
}

}  // namespace

// The tasks the workers hold right now, with when their lease was last extended; the
// heartbeat thread touches the ones that have been held for a heartbeat interval.
struct Consumer::Held {
  std::mutex mutex;
  std::condition_variable wake;
  bool stop_heartbeat = false;
  std::map<std::string, SteadyClock::time_point> leased_at;  // by task id
  std::set<std::string> lost;  // held ids whose touch answered false
};

Consumer::Consumer(Client& client, ConsumerOptions options) : Consumer(nullptr, &client, std::move(options)) {}

Consumer::Consumer(const std::string& url, ConsumerOptions options)
    : Consumer(std::make_unique<Client>(url), nullptr, std::move(options)) {}

Consumer::Consumer(std::unique_ptr<Client> owned, Client* shared, ConsumerOptions options)
    : owned_client_(std::move(owned)),
      client_(owned_client_ ? owned_client_.get() : shared),
      options_(std::move(options)),
      held_(std::make_unique<Held>()) {
  if (options_.queue.empty()) throw std::invalid_argument("taskcenter::Consumer: options.queue is empty");
  if (options_.workers < 1) options_.workers = 1;
  if (options_.batch_size < 1) options_.batch_size = 1;
}

Consumer::~Consumer() = default;

bool Consumer::accept(const Task&) {
  default_accept_seen_.store(true, std::memory_order_relaxed);
  return true;
}

Reply Consumer::process(const Task&) {
  throw std::logic_error("taskcenter::Consumer: override process() or process_batch()");
}

std::vector<Reply> Consumer::process_batch(const std::vector<Task>& tasks) {
  std::vector<Reply> replies;
  replies.reserve(tasks.size());
  for (const auto& task : tasks) {
    if (stopping()) {  // not started: give it back untried
      release_quietly(task);
      replies.push_back(Reply::none());
      continue;
    }
    if (lease_lost(task.id)) {
      replies.push_back(Reply::none());
      continue;
    }
    try {
      CurrentTask current(&task);
      replies.push_back(process(task));
    } catch (...) {
      {
        std::lock_guard lock(stats_mutex_);
        ++stats_.failed;
      }
      if (options_.reply_on_error) {
        replies.push_back(safe_error_reply(task, std::current_exception()));
      } else {
        report_failure(task, std::current_exception());
        replies.push_back(Reply::none());
      }
    }
  }
  return replies;
}

void Consumer::report_failure(const Task& task, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(std::move(error));
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  try {
    detail::JsonWriter w;
    w.begin_object().key("error").string(what).end_object();
    client_->fail(options_.queue, task.id, w.str());
  } catch (const Error&) {
    std::lock_guard lock(stats_mutex_);
    ++stats_.errors;
  }
}

void Consumer::release_quietly(const Task& task) {
  try {
    client_->release(options_.queue, task.id);
  } catch (const Error&) {
    std::lock_guard lock(stats_mutex_);
    ++stats_.errors;
  }
}

bool Consumer::lease_lost(const std::string& id) const {
  std::lock_guard lock(held_->mutex);
  return held_->lost.count(id) != 0;
}

Reply Consumer::error_reply(const Task&, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  detail::JsonWriter w;
  w.begin_object().key("error").string(what).end_object();
  return Reply{std::move(w.str()), {}};
}

Reply Consumer::safe_error_reply(const Task& task, std::exception_ptr error) {
  try {
    return error_reply(task, std::move(error));
  } catch (...) {
    return Reply::none();  // an override that throws: leave the task to redelivery
  }
}

void Consumer::stop() { stop_requested_.store(true); }

bool Consumer::stopping() const {
  return stop_requested_.load() || (options_.handle_signals && detail::StopSignalGuard::signalled());
}

ConsumerStats Consumer::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void Consumer::run() {
  std::optional<detail::StopSignalGuard> signals;
  if (options_.handle_signals) signals.emplace();
  {
    std::lock_guard lock(held_->mutex);
    held_->stop_heartbeat = false;
  }

  std::thread heartbeat;
  if (options_.heartbeat_interval.count() >= 0) heartbeat = std::thread([this] { heartbeat_loop(); });
  std::vector<std::thread> workers;
  for (int i = 0; i < options_.workers; ++i) workers.emplace_back([this] { worker_loop(); });
  for (auto& worker : workers) worker.join();

  if (heartbeat.joinable()) {
    {
      std::lock_guard lock(held_->mutex);
      held_->stop_heartbeat = true;
    }
    held_->wake.notify_all();
    heartbeat.join();
  }
  // Cleared on the way out, not on the way in, so that a stop() racing with the start
  // of run() is not lost; the next run() starts afresh.
  stop_requested_.store(false);
}

void Consumer::worker_loop() {
  while (!stopping()) {
    std::vector<Task> tasks;
    try {
      tasks = fetch();
    } catch (const Error&) {
      {
        std::lock_guard lock(stats_mutex_);
        ++stats_.errors;
      }
      pause_unless(options_.error_backoff, [this] { return stopping(); });
      continue;
    }
    // Tasks in hand are processed and replied even when a stop came meanwhile.
    if (!tasks.empty()) handle(tasks);
  }
}

std::vector<Task> Consumer::fetch() {
  FetchMode mode = options_.fetch;
  if (mode == FetchMode::automatic) {
    mode = default_accept_seen_.load(std::memory_order_relaxed) ? FetchMode::take : FetchMode::peek_acquire;
  }
  if (mode == FetchMode::peek_acquire) return fetch_by_peek();
  TakeOptions take;
  take.size = options_.batch_size;
  take.timeout = options_.poll_timeout;
  take.promise_reply_time = options_.promise_reply_time;
  take.batch_window = options_.batch_window;
  take.max_cost = options_.max_cost;
  take.batch_key = options_.batch_key;
  take.group_by_key = options_.group_by_key;
  return client_->take(options_.queue, take);
}

std::vector<Task> Consumer::fetch_by_peek() {
  PeekResult peeked;
  std::optional<std::string> cursor_before;
  {
    // One peek at a time: workers share the cursor, so each window is looked at once.
    std::lock_guard lock(peek_mutex_);
    if (stopping()) return {};
    cursor_before = cursor_;
    PeekOptions peek;
    peek.cursor = cursor_;
    peek.size = options_.batch_size;
    peek.timeout = options_.poll_timeout;
    peek.batch_window = options_.batch_window;
    peeked = client_->peek(options_.queue, peek);
    if (peeked.cursor) cursor_ = peeked.cursor;
  }
  std::vector<std::string> ids;
  std::uint64_t rejected = 0;
  for (const auto& task : peeked.tasks) {
    bool accepted = false;
    try {
      accepted = accept(task);
    } catch (...) {
      accepted = false;  // a filter that throws declines the task
    }
    if (accepted) {
      ids.push_back(task.id);
    } else {
      ++rejected;
    }
  }
  if (rejected > 0) {
    std::lock_guard lock(stats_mutex_);
    stats_.rejected += rejected;
  }
  // Peek changed nothing, so tasks not acquired now stay pending; the cursor must then
  // go back, or this consumer would never look at them again.
  auto rewind = [&] {
    std::lock_guard lock(peek_mutex_);
    cursor_ = cursor_before;
  };
  if (ids.empty()) return {};
  if (stopping()) {  // take nothing new
    rewind();
    return {};
  }
  try {
    // Others may win some of them; we process the subset we got.
    return client_->acquire(options_.queue, ids, options_.promise_reply_time);
  } catch (const Error&) {
    rewind();  // re-peeking is harmless: acquired tasks are no longer pending
    throw;
  }
}

std::vector<std::optional<Reply>> Consumer::process_guarded(const std::vector<Task>& tasks) {
  std::vector<std::optional<Reply>> out(tasks.size());
  try {
    CurrentTask current(tasks.size() == 1 ? &tasks[0] : nullptr);
    auto replies = process_batch(tasks);
    for (std::size_t i = 0; i < tasks.size() && i < replies.size(); ++i) {
      if (!replies[i].skip) out[i] = std::move(replies[i]);
    }
  } catch (...) {
    auto error = std::current_exception();
    {
      std::lock_guard lock(stats_mutex_);
      stats_.failed += tasks.size();
    }
    if (options_.reply_on_error) {
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        Reply reply = safe_error_reply(tasks[i], error);
        if (!reply.skip) out[i] = std::move(reply);
      }
    } else {
      for (const auto& task : tasks) report_failure(task, error);
    }
  }
  // A reply for a task whose lease is gone could complete the redelivered task another
  // consumer now holds: none is sent.
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (out[i] && lease_lost(tasks[i].id)) out[i].reset();
  return out;
}

void Consumer::handle(std::vector<Task>& tasks) {
  auto now = SteadyClock::now();
  {
    std::lock_guard lock(held_->mutex);
    for (const auto& task : tasks) held_->leased_at[task.id] = now;
  }
  {
    std::lock_guard lock(stats_mutex_);
    stats_.fetched += tasks.size();
    ++stats_.batches;
  }

  auto replies = process_guarded(tasks);

  std::uint64_t processed = 0, replied = 0, stale = 0, errors = 0;
  std::vector<TaskReply> batch;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (replies[i]) batch.push_back(TaskReply{tasks[i].id, std::move(replies[i]->info), std::move(replies[i]->content)});
  }
  processed = batch.size();
  bool sent = false;
  if (batch.size() > 1) {
    // One reply_batch request (one store step) for the whole batch; on any trouble, fall
    // back to one-by-one replies with retries (replies are idempotent).
    try {
      for (bool accepted : client_->reply_batch(options_.queue, batch)) ++(accepted ? replied : stale);
      sent = true;
    } catch (const Error&) {
      replied = stale = 0;
    }
  }
  for (std::size_t i = 0; !sent && i < batch.size(); ++i) {
    // A lost reply means the task is processed again after its lease: worth a retry.
    for (int attempt = 0;; ++attempt) {
      try {
        ++(client_->reply(options_.queue, batch[i].id, batch[i].info, batch[i].content) ? replied : stale);
        break;
      } catch (const Error& e) {
        if (!retriable(e) || attempt >= 3) {
          ++errors;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      }
    }
  }
  {
    std::lock_guard lock(held_->mutex);
    for (const auto& task : tasks) {
      held_->leased_at.erase(task.id);
      held_->lost.erase(task.id);
    }
  }
  std::lock_guard lock(stats_mutex_);
  stats_.processed += processed;
  stats_.replied += replied;
  stats_.stale_replies += stale;
  stats_.errors += errors;
}

void Consumer::heartbeat_loop() {
  Seconds interval = options_.heartbeat_interval.count() > 0 ? options_.heartbeat_interval
                                                             : options_.promise_reply_time / 3;
  if (interval.count() <= 0) return;  // promise_reply_time 0: nothing is leased
  auto step = std::chrono::duration_cast<SteadyClock::duration>(interval);
  std::unique_lock lock(held_->mutex);
  for (;;) {
    held_->wake.wait_for(lock, step / 2, [this] { return held_->stop_heartbeat; });
    if (held_->stop_heartbeat) return;
    auto now = SteadyClock::now();
    std::vector<std::string> due;
    for (auto& [id, leased_at] : held_->leased_at) {
      if (now - leased_at >= step) {
        due.push_back(id);
        leased_at = now;
      }
    }
    if (due.empty()) continue;
    lock.unlock();
    std::vector<std::string> gone;
    for (const auto& id : due) {
      try {
        if (!client_->touch(options_.queue, id, options_.promise_reply_time)) gone.push_back(id);
      } catch (const Error&) {
        std::lock_guard stats_lock(stats_mutex_);
        ++stats_.errors;
      }
    }
    lock.lock();
    for (auto& id : gone)
      if (held_->leased_at.count(id)) held_->lost.insert(std::move(id));
  }
}

bool Consumer::progress(std::string_view info, std::string_view content) {
  if (t_current_task == nullptr)
    throw std::logic_error("taskcenter::Consumer::progress: no current task; name the task");
  return progress(*t_current_task, info, content);
}

bool Consumer::progress(const Task& task, std::string_view info, std::string_view content) {
  const bool leased =
      client_->progress(options_.queue, task.id, info, content, options_.promise_reply_time);
  std::lock_guard lock(held_->mutex);
  auto held = held_->leased_at.find(task.id);
  if (held != held_->leased_at.end()) {
    if (leased) {
      held->second = SteadyClock::now();  // the lease was just renewed
    } else {
      held_->lost.insert(task.id);
    }
  }
  return leased;
}

}  // namespace taskcenter
