// The append-only log of one MemoryStore: owns the data directory (locked against a
// second process), replays it on open, appends records, and compacts in the
// background when the log has grown much larger than the live data.
//
// Compaction: under the store's lock, the writer only finishes its segment and moves to
// a new one, S (two fsyncs, no work proportional to the data). A background thread
// then rebuilds the state before S from the files (the previous snapshot and the
// segments below S, which no longer change) into a private MemoryState, encodes it
// as snapshot records to S.snap.tmp, syncs, renames to S.snap, syncs the directory and
// only then deletes the segments and snapshots before S. Requests go on meanwhile; the
// price is a second copy of the state in memory while the thread works. A crash at
// any point leaves either the old files or the new snapshot complete: no window loses data.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/adaptive_mutex.hpp"
#include "core/errors.hpp"
#include "core/logger.hpp"
#include "store/log/fsync_policy.hpp"
#include "store/log/log_file.hpp"
#include "store/log/log_writer.hpp"
#include "store/log/replay.hpp"
#include "store/memory/memory_state.hpp"

namespace tc::log {

struct PersistOptions {
  std::string dir;  // the data directory (created if missing)
  FsyncPolicy fsync = FsyncPolicy::everysec;
  std::uint64_t segment_bytes = 64ull << 20;
  // Compact when the log exceeds both this size and compact_ratio x the live data.
  std::uint64_t compact_min_bytes = 64ull << 20;
  double compact_ratio = 2.0;
  std::shared_ptr<FileSystem> fs;  // null: the real file system (tests inject faults)
};

class Persistence {
 public:
  // Locks `options.dir`, replays it into `state` (empty) and opens a new segment.
  static Result<std::unique_ptr<Persistence>> open(PersistOptions options,
                                                   memory::MemoryState& state,
                                                   ReplayReport* report = nullptr);
  ~Persistence();

  // Scratch space for encoding a record; the caller holds the store lock.
  std::string& buffer() noexcept { return buffer_; }
  // Appends encoded frames (caller holds the store lock). Error: nothing was logged.
  Result<std::uint64_t> append(std::string_view frames);
  // Whether durable() can suspend (fsync always); else the caller may skip it.
  bool waits_for_sync() const noexcept { return options_.fsync == FsyncPolicy::always; }
  // Waits until `ticket` is durable under the fsync policy.
  Awaitable<Result<void>> durable(std::uint64_t ticket) { return writer_->durable(ticket); }

  // Starts a background compaction when the log is large enough compared with the
  // live data of `state` (caller holds the store lock). Returns true if one started.
  bool maybe_compact(const memory::MemoryState& state);
  // Compacts now, and waits for it (tests, shutdown tools). Caller must NOT hold the
  // store lock; `lock` is the store's mutex, taken to switch segments.
  Result<void> compact_now(AdaptiveMutex& lock);

  // Bytes of log (snapshot + segments) a replay would read now.
  std::uint64_t log_bytes() const noexcept { return log_bytes_.load(); }
  std::uint64_t compactions() const noexcept { return compactions_.load(); }
  // The last compaction error, empty if none.
  std::string last_compaction_error() const;
  // Whether the last append failed (disk full, I/O error); false again after one succeeds.
  bool write_failing() const noexcept { return write_failing_.load(std::memory_order_relaxed); }

 private:
  explicit Persistence(PersistOptions options);
  // Rotates (store lock held) and starts the thread that writes the snapshot.
  Result<void> start_compaction();
  // The snapshot of the state before segment `number`, rebuilt from the files.
  std::string encode_snapshot(std::uint64_t number, std::string& error);
  void write_snapshot(std::uint64_t number, std::uint64_t appended_at_start);
  void join_compaction();

  PersistOptions options_;
  int lock_fd_ = -1;
  std::unique_ptr<LogWriter> writer_;
  std::string buffer_;
  std::atomic<std::uint64_t> log_bytes_{0};
  std::atomic<std::uint64_t> appended_{0};
  std::atomic<std::uint64_t> compactions_{0};
  std::atomic<bool> compacting_{false};
  std::atomic<bool> write_failing_{false};
  logging::RateLimit write_failure_log_;
  logging::RateLimit compaction_failure_log_;
  std::atomic<std::uint64_t> next_compaction_floor_{0};  // after a failure: wait for growth
  std::thread compaction_thread_;
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

}  // namespace tc::log
