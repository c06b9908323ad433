#include "store/log/persistence.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "core/ops_metrics.hpp"
#include "store/log/record.hpp"
#include "store/log/segments.hpp"

namespace tc::log {

Persistence::Persistence(PersistOptions options) : options_(std::move(options)) {
  if (!options_.fs) options_.fs = posix_file_system();
}

Persistence::~Persistence() {
  join_compaction();
  writer_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<Persistence>> Persistence::open(PersistOptions options,
                                                       memory::MemoryState& state,
                                                       ReplayReport* report_out) {
  std::unique_ptr<Persistence> p(new Persistence(std::move(options)));
  const std::string& dir = p->options_.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::unavailable, "cannot create data dir " + dir + ": " + ec.message());
  // One process per data directory: two writers would interleave their records.
  std::string lock_path = dir + "/LOCK";
  p->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p->lock_fd_ < 0) return make_error(Errc::unavailable, "cannot open " + lock_path);
  if (::flock(p->lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return make_error(Errc::unavailable,
                      "data dir " + dir + " is in use by another taskcenter process");
  auto report = replay_dir(dir, state);
  if (!report) return std::move(report).error();
  // Leftovers of an interrupted compaction, and files a finished one did not get to delete.
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".tmp") std::filesystem::remove(entry.path(), ec);
  }
  if (report->snapshot) {
    auto listing = list_dir(dir);
    if (listing) {
      for (auto n : listing->segments)
        if (n < *report->snapshot) std::filesystem::remove(dir + "/" + segment_name(n), ec);
      for (auto n : listing->snapshots)
        if (n < *report->snapshot) std::filesystem::remove(dir + "/" + snapshot_name(n), ec);
    }
  }
  LogWriterOptions writer_options{dir, p->options_.fsync, p->options_.segment_bytes,
                                  p->options_.fs};
  auto writer = LogWriter::open(std::move(writer_options), report->next_segment);
  if (!writer) return std::move(writer).error();
  p->writer_ = std::move(*writer);
  p->log_bytes_ = report->snapshot_bytes + report->log_bytes + kFileHeaderSize;
  if (report_out) *report_out = std::move(*report);
  return p;
}

Result<std::uint64_t> Persistence::append(std::string_view frames) {
  auto ticket = writer_->append(frames);
  if (ticket) {
    log_bytes_ += frames.size();
    appended_ += frames.size();
    if (write_failing_.load(std::memory_order_relaxed)) {
      write_failing_ = false;
      logging::info("store: the log can be written again; ready", {{"dir", options_.dir}});
    }
  } else {
    ops_metrics().count_store_error(StoreErrorKind::write);
    if (!write_failing_.exchange(true))
      logging::error("store: the log cannot be written; not ready until a write succeeds",
                     {{"dir", options_.dir}, {"error", ticket.error().message}});
    else
      logging::write_limited(write_failure_log_, logging::Level::warn,
                             "store: the log still cannot be written",
                             {{"dir", options_.dir}, {"error", ticket.error().message}});
  }
  return ticket;
}

std::string Persistence::last_compaction_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

bool Persistence::maybe_compact(const memory::MemoryState& state) {
  std::uint64_t size = log_bytes_.load();
  if (compacting_.load() || size < options_.compact_min_bytes || size < next_compaction_floor_ ||
      static_cast<double>(size) < options_.compact_ratio * static_cast<double>(state.live_bytes()))
    return false;
  return start_compaction().ok();
}

Result<void> Persistence::compact_now(AdaptiveMutex& lock) {
  join_compaction();
  {
    std::lock_guard guard(lock);
    auto started = start_compaction();
    if (!started) return started;
  }
  join_compaction();
  if (auto error = last_compaction_error(); !error.empty())
    return make_error(Errc::unavailable, error);
  return {};
}

Result<void> Persistence::start_compaction() {
  join_compaction();  // the previous one has finished (compacting_ is false)
  // The only work under the store lock: finish the current segment and start S. The
  // segments below S are complete and no longer change, so the thread rebuilds their
  // state from them (the state a restart would replay) without touching the live one.
  auto rotated = writer_->rotate();
  if (!rotated) {
    next_compaction_floor_ = log_bytes_.load() + options_.compact_min_bytes;
    return std::move(rotated).error();
  }
  compacting_ = true;
  compaction_thread_ = std::thread([this, number = *rotated, at = appended_.load()] {
    write_snapshot(number, at);
  });
  return {};
}

std::string Persistence::encode_snapshot(std::uint64_t number, std::string& error) {
  memory::MemoryState state;
  auto replayed = replay_before(options_.dir, number, state);
  if (!replayed) {
    error = "cannot rebuild the state before " + segment_name(number) + ": " +
            replayed.error().message;
    return {};
  }
  std::int64_t now = replayed->last_now;
  std::string bytes = file_header();
  bytes.reserve(state.live_bytes() + state.task_count() * 64 + 4096);
  state.export_images([&](const QueueImage& q) { encode_snap_queue(bytes, now, q); },
                      [&](const TaskImage& t) { encode_snap_task(bytes, now, t); });
  encode_snap_end(bytes, now);
  return bytes;
}

void Persistence::write_snapshot(std::uint64_t number, std::uint64_t appended_at_start) {
  const std::string& dir = options_.dir;
  std::string final_path = dir + "/" + snapshot_name(number);
  std::string tmp_path = final_path + ".tmp";
  std::error_code ec;
  std::filesystem::remove(tmp_path, ec);
  auto fail = [&](const std::string& what) {
    std::filesystem::remove(tmp_path, ec);
    {
      std::lock_guard lock(error_mutex_);
      last_error_ = "compaction failed: " + what;
    }
    ops_metrics().count_store_error(StoreErrorKind::compaction);
    logging::write_limited(compaction_failure_log_, logging::Level::warn,
                           "store: log compaction failed (retried when the log has grown)",
                           {{"dir", dir}, {"error", what}});
    next_compaction_floor_ = log_bytes_.load() + options_.compact_min_bytes;
    compacting_ = false;
  };
  const auto started = std::chrono::steady_clock::now();
  std::string why;
  std::string bytes = encode_snapshot(number, why);
  if (!why.empty()) return fail(why);
  auto file = options_.fs->open_append(tmp_path, ec);
  if (ec) return fail("cannot create " + tmp_path + ": " + ec.message());
  if ((ec = file->append(bytes))) return fail("cannot write " + tmp_path + ": " + ec.message());
  if ((ec = file->finish())) return fail("cannot sync " + tmp_path + ": " + ec.message());
  file.reset();
  std::filesystem::rename(tmp_path, final_path, ec);
  if (ec) return fail("cannot rename " + tmp_path + ": " + ec.message());
  if ((ec = sync_directory(dir))) return fail("cannot sync " + dir + ": " + ec.message());
  // The snapshot is in place: what it replaces can go.
  if (auto listing = list_dir(dir)) {
    for (auto n : listing->segments)
      if (n < number) std::filesystem::remove(dir + "/" + segment_name(n), ec);
    for (auto n : listing->snapshots)
      if (n < number) std::filesystem::remove(dir + "/" + snapshot_name(n), ec);
  }
  log_bytes_ = bytes.size() + kFileHeaderSize + (appended_.load() - appended_at_start);
  {
    std::lock_guard lock(error_mutex_);
    last_error_.clear();
  }
  ++compactions_;
  ops_metrics().compaction_seconds.observe_us(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                            started)
          .count()));
  compacting_ = false;
}

void Persistence::join_compaction() {
  if (compaction_thread_.joinable()) compaction_thread_.join();
}

}  // namespace tc::log
