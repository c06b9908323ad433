// Appends record frames to the current segment of a data directory and makes them
// durable according to the fsync policy:
//
//   always    a request is answered after an fsync that covers its record. One thread
//             fsyncs for every writer waiting at that moment (group commit), so the
//             cost of an fsync is shared by all concurrent requests.
//   everysec  the same thread fsyncs once a second; a crash loses at most ~1 s.
//   no        the kernel writes back when it likes.
//
// Writes happen before the state changes (the caller holds its lock around
// append + apply): a failed write (ENOSPC, EIO) is cut back off the file and reported,
// and the caller leaves its state alone. The writer retries on the next append, so
// service resumes when space returns.
#pragma once

#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "store/log/fsync_policy.hpp"
#include "store/log/log_file.hpp"
#include "store/store.hpp"

namespace tc::log {

struct LogWriterOptions {
  std::string dir;
  FsyncPolicy fsync = FsyncPolicy::everysec;
  std::uint64_t segment_bytes = 64ull << 20;  // start a new segment beyond this size
  std::shared_ptr<FileSystem> fs;             // null: the real file system
};

class LogWriter {
 public:
  // Writes from segment number `first_segment` on (a new file).
  static Result<std::unique_ptr<LogWriter>> open(LogWriterOptions options,
                                                 std::uint64_t first_segment);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends complete frames. Callers serialise appends. Returns a ticket for durable();
  // on error nothing of `frames` stays in the log.
  Result<std::uint64_t> append(std::string_view frames);

  // Completes once the bytes up to `ticket` are durable (policy always), at once for
  // the other policies. Error: the fsync failed (the record may or may not survive).
  Awaitable<Result<void>> durable(std::uint64_t ticket);

  // Closes the current segment and continues in a new one; returns the new number.
  // Compaction snapshots everything before it. Callers serialise with append().
  Result<std::uint64_t> rotate();

  std::uint64_t current_segment() const noexcept { return segment_number_; }
  // Bytes appended since open (all segments).
  std::uint64_t bytes_appended() const noexcept { return appended_; }
  FsyncPolicy policy() const noexcept { return options_.fsync; }

 private:
  struct Waiter {
    virtual ~Waiter() = default;
    virtual void complete(int error) = 0;
    std::uint64_t ticket = 0;
  };
  template <class Handler>
  struct WaiterFor;

  explicit LogWriter(LogWriterOptions options);
  std::error_code start_segment(std::uint64_t number);
  void register_waiter(std::unique_ptr<Waiter> waiter);
  void sync_loop();

  LogWriterOptions options_;
  // Appender's side (serialised by the caller).
  std::uint64_t segment_number_ = 0;
  std::uint64_t segment_size_ = 0;
  std::uint64_t appended_ = 0;
  bool dirty_tail_ = false;  // a failed write could not be cut back yet

  // Shared with the sync thread.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<LogFile> file_;
  std::uint64_t written_ = 0;  // bytes appended (the tickets' unit)
  std::uint64_t synced_ = 0;   // bytes known durable
  int sync_error_ = 0;         // errno of the last failed fsync, 0 after a good one
  std::vector<std::unique_ptr<Waiter>> waiters_;
  bool stopping_ = false;
  std::thread sync_thread_;
};

template <class Handler>
struct LogWriter::WaiterFor final : LogWriter::Waiter {
  using Work = decltype(boost::asio::prefer(
      boost::asio::get_associated_executor(std::declval<Handler&>()),
      boost::asio::execution::outstanding_work.tracked));
  explicit WaiterFor(Handler h)
      : handler(std::move(h)),
        work(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                 boost::asio::execution::outstanding_work.tracked)) {}
  // Runs the handler on its own executor, never on the sync thread. Nothing that
  // refers to the handler's io_context stays behind here: once posted, the handler may
  // run, finish, and its io_context go away before this waiter is destroyed.
  void complete(int error) override {
    auto target = boost::asio::prefer(work, boost::asio::execution::outstanding_work.untracked);
    boost::asio::post(target, [h = std::move(handler), w = std::move(work), error]() mutable {
      std::move(h)(error);
    });
  }
  Handler handler;
  Work work;  // keeps the handler's io_context running while it waits
};

}  // namespace tc::log
