// The store-level conformance suite: every Store backend must pass the tests of
// tests/unit/store_conformance_test.cpp. A backend joins by defining a StoreFactory and
// instantiating the suite in its own test file:
//
//   INSTANTIATE_TEST_SUITE_P(Redis, StoreConformance,
//                            ::testing::Values(StoreBackend{"Redis", [] {
//                              return std::unique_ptr<StoreFactory>(new RedisFactory);
//                            }}),
//                            StoreBackendName{});
//
// Time: tests move a ManualClock instead of sleeping. The clock passed to make() is the
// one to read for every time-dependent step (the Redis store passes its now to the Lua
// scripts); a backend that cannot follow a manual clock says so and the tests that move
// time are skipped for it.
#pragma once

#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/store.hpp"
#include "test_util.hpp"

namespace tc::test {

class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  // Empty string when the backend can run here; else why not (the test is skipped),
  // e.g. "redis-server not found".
  virtual std::string unavailable_reason() { return {}; }
  // A fresh, empty store reading `clock`. `io` is the context the test runs the store's
  // coroutines on (single-threaded except in the race test, where 8 threads run it).
  virtual std::unique_ptr<Store> make(const Clock& clock, boost::asio::io_context& io) = 0;
  // Whether the store follows the ManualClock passed to make(); false skips the tests
  // that move time.
  virtual bool supports_manual_clock() const { return true; }
};

struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<StoreFactory>()> make_factory;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

struct StoreBackendName {
  std::string operator()(const ::testing::TestParamInfo<StoreBackend>& info) const {
    return info.param.name;
  }
};

// Records every StoreEvents call, for tests that check wake-ups and completions.
class RecordingEvents final : public StoreEvents {
 public:
  struct Finished {
    std::string queue;
    std::string id;
    std::optional<TaskResult> result;  // nullopt: removed / dead / dropped
    std::string incarnation;
  };

  void on_pending(std::string_view queue) override {
    std::lock_guard lock(mutex_);
    pending_.emplace_back(queue);
  }
  void on_events_lost() override {}
  void on_finished(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskResult* result) override {
    std::lock_guard lock(mutex_);
    finished_.push_back(Finished{std::string(queue), std::string(id),
                                 result ? std::optional<TaskResult>(*result) : std::nullopt,
                                 std::string(incarnation)});
  }

  // Also recorded in finished() as a removal (no result), as the default would.
  void on_expired(std::string_view queue, std::string_view id,
                  std::string_view incarnation) override {
    {
      std::lock_guard lock(mutex_);
      expired_.push_back(std::string(queue) + "/" + std::string(id));
    }
    on_finished(queue, id, incarnation, nullptr);
  }
  // "queue/id" of every on_expired, in order.
  std::vector<std::string> expired() const {
    std::lock_guard lock(mutex_);
    return expired_;
  }

  struct Progress {
    std::string queue;
    std::string id;
    std::string incarnation;
    TaskEvent event;
  };
  void on_progress(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskEvent& event) override {
    std::lock_guard lock(mutex_);
    progress_.push_back(
        Progress{std::string(queue), std::string(id), std::string(incarnation), event});
  }
  std::vector<Progress> progress() const {
    std::lock_guard lock(mutex_);
    return progress_;
  }

  std::vector<std::string> pending() const {
    std::lock_guard lock(mutex_);
    return pending_;
  }
  std::vector<Finished> finished() const {
    std::lock_guard lock(mutex_);
    return finished_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    pending_.clear();
    finished_.clear();
    expired_.clear();
    progress_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> pending_;
  std::vector<Finished> finished_;
  std::vector<std::string> expired_;
  std::vector<Progress> progress_;
};

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs one store coroutine to completion and returns its value.
  template <class T>
  T run(boost::asio::awaitable<T> awaitable) {
    return run_sync(io_, std::move(awaitable));
  }
  // True (and the test is marked skipped) unless the backend follows the manual clock.
  bool no_manual_clock();
  void advance(std::int64_t ms) { clock_.advance(ms); }
  // Runs the io_context until `condition` holds or ~2 s passed (events of a networked
  // backend arrive asynchronously; the memory store fires them synchronously).
  bool eventually(const std::function<bool()>& condition);

  // Shorthands that fail the test on a store error.
  bool put(const std::string& queue, NewTask task);
  std::vector<PeekedTask> peek(const std::string& queue, std::optional<Cursor> after = {},
                               std::uint32_t size = 1000);
  std::vector<std::string> peek_ids(const std::string& queue);
  std::vector<AcquiredTask> acquire(const std::string& queue, std::vector<std::string> ids,
                                    std::int64_t lease_ms);
  std::vector<AcquiredTask> take(const std::string& queue, std::uint32_t size,
                                 std::int64_t lease_ms);
  bool reply(const std::string& queue, const std::string& id, std::string info = "null",
             std::string content = "");
  CallBegin call_begin(const std::string& queue, NewTask task, bool put_if_absent);
  bool touch(const std::string& queue, const std::string& id, std::int64_t lease_ms);
  bool remove(const std::string& queue, const std::string& id);
  bool clear(const std::string& queue);
  QueuePage list(std::optional<std::string> cursor, std::uint32_t size);
  std::optional<QueueStats> stat(const std::string& queue);
  std::uint64_t reap();

  ManualClock clock_;
  boost::asio::io_context io_;
  std::unique_ptr<StoreFactory> factory_;
  std::unique_ptr<Store> store_;
  RecordingEvents events_;
};

}  // namespace tc::test
