#include "store/log/log_writer.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "core/logger.hpp"
#include "core/ops_metrics.hpp"
#include "store/log/segments.hpp"

namespace tc::log {
namespace {

logging::RateLimit g_fsync_failure_log{std::chrono::seconds(10)};

}  // namespace

Result<std::unique_ptr<LogWriter>> LogWriter::open(LogWriterOptions options,
                                                   std::uint64_t first_segment) {
  if (!options.fs) options.fs = posix_file_system();
  std::unique_ptr<LogWriter> writer(new LogWriter(std::move(options)));
  if (auto ec = writer->start_segment(first_segment))
    return make_error(Errc::unavailable, "cannot create log segment " +
                                             segment_name(first_segment) + " in " +
                                             writer->options_.dir + ": " + ec.message());
  if (writer->options_.fsync != FsyncPolicy::no)
    writer->sync_thread_ = std::thread([w = writer.get()] { w->sync_loop(); });
  return writer;
}

LogWriter::LogWriter(LogWriterOptions options) : options_(std::move(options)) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  // A clean stop leaves nothing unsynced, whatever the policy.
  std::error_code ec;
  if (file_) ec = file_->finish();
  std::lock_guard lock(mutex_);
  for (auto& waiter : waiters_) waiter->complete(ec ? ec.value() : 0);
  waiters_.clear();
}

std::error_code LogWriter::start_segment(std::uint64_t number) {
  std::string path = options_.dir + "/" + segment_name(number);
  std::error_code ec;
  std::shared_ptr<LogFile> file = options_.fs->open_append(path, ec);
  if (ec) return ec;
  if ((ec = file->append(file_header()))) return ec;
  // The new file must survive a crash before records that depend on it are acknowledged.
  if ((ec = file->sync())) return ec;
  if ((ec = sync_directory(options_.dir))) return ec;
  std::lock_guard lock(mutex_);
  file_ = std::move(file);
  segment_number_ = number;
  segment_size_ = kFileHeaderSize;
  dirty_tail_ = false;
  return {};
}

Result<std::uint64_t> LogWriter::append(std::string_view frames) {
  // Only this (serialised) side replaces file_, so reading it here needs no lock.
  if (dirty_tail_) {
    if (auto ec = file_->truncate(segment_size_))
      return make_error(Errc::unavailable, "the log cannot be written (" + ec.message() +
                                               "); nothing was changed");
    dirty_tail_ = false;
  }
  if (segment_size_ + frames.size() > options_.segment_bytes && segment_size_ > kFileHeaderSize) {
    auto rotated = rotate();
    if (!rotated) return std::move(rotated).error();
  }
  if (auto ec = file_->append(frames)) {
    // Cut the partial frame off so that later records do not follow garbage.
    if (file_->truncate(segment_size_)) dirty_tail_ = true;
    return make_error(Errc::unavailable,
                      "the log cannot be written (" + ec.message() + "); nothing was changed");
  }
  segment_size_ += frames.size();
  appended_ += frames.size();
  std::lock_guard lock(mutex_);
  written_ += frames.size();
  return written_;
}

Result<std::uint64_t> LogWriter::rotate() {
  if (auto ec = file_->finish())
    return make_error(Errc::unavailable, "cannot sync the log: " + ec.message());
  {
    std::lock_guard lock(mutex_);
    synced_ = written_;  // everything written so far was in this segment or earlier ones
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if ((*it)->ticket <= synced_) {
        (*it)->complete(0);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (auto ec = start_segment(segment_number_ + 1))
    return make_error(Errc::unavailable, "cannot start a new log segment: " + ec.message());
  return segment_number_;
}

Awaitable<Result<void>> LogWriter::durable(std::uint64_t ticket) {
  if (options_.fsync != FsyncPolicy::always) co_return Result<void>{};
  {
    std::lock_guard lock(mutex_);
    if (synced_ >= ticket) co_return Result<void>{};
  }
  int error = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(int)>(
      [this, ticket](auto handler) {
        auto waiter = std::make_unique<WaiterFor<decltype(handler)>>(std::move(handler));
        waiter->ticket = ticket;
        register_waiter(std::move(waiter));
      },
      boost::asio::use_awaitable);
  if (error)
    co_return make_error(Errc::unavailable,
                         "the log could not be synced to disk (" +
                             std::error_code(error, std::generic_category()).message() + ")");
  co_return Result<void>{};
}

void LogWriter::register_waiter(std::unique_ptr<Waiter> waiter) {
  {
    std::lock_guard lock(mutex_);
    if (synced_ < waiter->ticket && !stopping_) {
      waiters_.push_back(std::move(waiter));
      wake_.notify_one();
      return;
    }
  }
  waiter->complete(synced_ >= waiter->ticket ? 0 : EIO);
}

void LogWriter::sync_loop() {
  using namespace std::chrono;
  std::unique_lock lock(mutex_);
  auto next_periodic = steady_clock::now() + seconds(1);
  for (;;) {
    if (options_.fsync == FsyncPolicy::always) {
      wake_.wait(lock, [&] { return stopping_ || (!waiters_.empty() && written_ > synced_); });
    } else {
      wake_.wait_until(lock, next_periodic, [&] { return stopping_; });
      next_periodic = steady_clock::now() + seconds(1);
    }
    if (stopping_) return;
    if (written_ == synced_) continue;
    // Everything written up to now rides on this one fsync (group commit).
    std::uint64_t target = written_;
    std::shared_ptr<LogFile> file = file_;
    lock.unlock();
    const auto sync_started = steady_clock::now();
    std::error_code ec = file->sync();
    ops_metrics().fsync_seconds.observe_us(static_cast<std::uint64_t>(
        duration_cast<microseconds>(steady_clock::now() - sync_started).count()));
    if (ec) {
      ops_metrics().count_store_error(StoreErrorKind::fsync);
      logging::write_limited(g_fsync_failure_log, logging::Level::error,
                             "store: fsync of the log failed",
                             {{"dir", options_.dir}, {"error", ec.message()}});
    } else if (sync_error_ != 0) {
      logging::info("store: fsync of the log works again", {{"dir", options_.dir}});
    }
    lock.lock();
    if (!ec) {
      synced_ = std::max(synced_, target);
      sync_error_ = 0;
    } else {
      sync_error_ = ec.value();
    }
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if ((*it)->ticket <= synced_) {
        (*it)->complete(0);
      } else if (ec && (*it)->ticket <= target) {
        (*it)->complete(ec.value());
      } else {
        ++it;
        continue;
      }
      it = waiters_.erase(it);
    }
  }
}

}  // namespace tc::log
