#include "store/log/replay.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "store/log/segments.hpp"

namespace tc::log {
namespace {

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

ApiError corrupt(const std::string& path, std::size_t offset, const std::string& why) {
  return make_error(Errc::unavailable,
                    "corrupt log record in " + path + " at offset " + std::to_string(offset) +
                        ": " + why +
                        ". Refusing to start rather than drop the records after it; restore the "
                        "file from a backup, or truncate it to " +
                        std::to_string(offset) + " bytes to give up what follows");
}

// Whether `rest`, which starts with a frame that failed to decode, is a frame cut short
// by a crash: nothing but zeros after the extent its length field claims (or that
// extent runs past the end). The writer copies frames front to back into zeroed space,
// so a crash mid-copy leaves exactly that; a damaged record followed by more records
// does not look like it.
bool only_zeros_after_frame(std::string_view rest) {
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < 4 && i < rest.size(); ++i)
    length |= std::uint64_t(static_cast<unsigned char>(rest[i])) << (8 * i);
  std::uint64_t extent = kFrameHeader + length;
  return extent >= rest.size() || all_zero(rest.substr(static_cast<std::size_t>(extent)));
}

}  // namespace

bool apply_record(memory::MemoryState& state, Record&& r) {
  switch (r.type) {
    case RecordType::put:
      state.put_batch(r.now, r.queue, std::move(r.tasks));
      return true;
    case RecordType::acquire:
      state.acquire(r.now, r.queue, r.ids, r.lease_ms);
      return true;
    case RecordType::take:
      state.take(r.now, r.queue, r.size, r.lease_ms);
      return true;
    case RecordType::reply:
      state.reply(r.now, r.queue, r.id, std::move(r.result));
      return true;
    case RecordType::touch:
      state.touch(r.now, r.queue, r.id, r.lease_ms);
      return true;
    case RecordType::remove:
      state.remove(r.now, r.queue, r.id);
      return true;
    case RecordType::clear:
      state.clear_queue(r.now, r.queue);
      return true;
    case RecordType::tick:
      state.apply_due(r.now);
      return true;
    case RecordType::config_queue:
      state.config_queue(r.now, r.queue, r.settings);
      return true;
    case RecordType::fail:
      state.fail(r.now, r.queue, r.id, std::move(r.result));
      return true;
    case RecordType::release:
      state.release(r.now, r.queue, r.id, r.lease_ms);
      return true;
    case RecordType::redrive:
      state.redrive(r.now, r.queue, r.ids, r.size);
      return true;
    case RecordType::snap_queue:
      state.restore_queue(std::move(r.queue_image));
      return true;
    case RecordType::snap_task:
      return state.restore_task(std::move(r.task_image));
    case RecordType::snap_end:
      return true;
    case RecordType::reply_batch:
      state.reply_batch(r.now, r.queue, std::move(r.replies));
      return true;
    case RecordType::progress:
      state.progress(r.now, r.queue, r.id, std::move(r.result),
                     r.lease_given ? std::optional<std::int64_t>(r.lease_ms) : std::nullopt);
      return true;
    case RecordType::take_v2:
      state.take_with(r.now, r.queue, r.size, r.lease_ms, r.take_options);
      return true;
  }
  return false;
}

namespace {

// Loads snapshot `path`: it must be complete (end with snap_end); it was renamed into
// place only after it was fully written and synced.
Result<void> load_snapshot(const std::string& path, memory::MemoryState& state,
                           ReplayReport& report) {
  auto bytes = read_file(path);
  if (!bytes) return std::move(bytes).error();
  if (auto bad = check_file_header(*bytes)) return corrupt(path, 0, *bad);
  std::size_t offset = kFileHeaderSize;
  Record record;
  bool ended = false;
  while (offset < bytes->size() && !ended) {
    auto decoded = decode_frame(std::string_view(*bytes).substr(offset), record);
    if (decoded.status != DecodeStatus::ok) return corrupt(path, offset, decoded.message);
    ended = record.type == RecordType::snap_end;
    report.last_now = std::max(report.last_now, record.now);
    if (record.type != RecordType::snap_queue && record.type != RecordType::snap_task && !ended)
      return corrupt(path, offset, "a snapshot holds only snapshot records");
    if (!apply_record(state, std::move(record)))
      return corrupt(path, offset, "the task does not fit the snapshot's state");
    ++report.records;
    offset += decoded.frame_size;
  }
  if (!ended) return corrupt(path, offset, "the snapshot ends before its end record");
  report.snapshot_bytes = bytes->size();
  return {};
}

Result<void> replay_segment(const std::string& path, bool last, memory::MemoryState& state,
                            ReplayReport& report) {
  auto bytes = read_file(path);
  if (!bytes) return std::move(bytes).error();
  std::string_view all(*bytes);
  auto cut_tail = [&](std::size_t offset, const std::string& why) -> Result<void> {
    if (::truncate(path.c_str(), static_cast<off_t>(offset)) != 0)
      return make_error(Errc::unavailable, "cannot truncate the torn tail of " + path);
    report.truncated_bytes += all.size() - offset;
    report.warnings.push_back("log " + path + ": cut " + std::to_string(all.size() - offset) +
                              " bytes of a torn record at offset " + std::to_string(offset) +
                              " (" + why + "), left by a crash mid-write");
    return {};
  };
  // Space the writer reserved and never used (a crash before it cut it off): no loss.
  auto cut_unused = [&](std::size_t offset) -> Result<void> {
    if (::truncate(path.c_str(), static_cast<off_t>(offset)) != 0)
      return make_error(Errc::unavailable, "cannot truncate the unused end of " + path);
    report.log_bytes += offset;
    ++report.segments;
    return {};
  };
  if (all.size() < kFileHeaderSize && last) {
    // Created but never completed its header: a crash right at rotation.
    // Rewritten as a valid empty segment, so that it is no gap and no corruption for
    // the next start, when it is no longer the last segment.
    if (all.empty() || all_zero(all) || file_header().starts_with(all)) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << file_header();
      out.close();
      if (!out) return make_error(Errc::unavailable, "cannot repair the header of " + path);
      report.warnings.push_back("log " + path + ": rewrote an incomplete file header left by a crash");
      ++report.segments;
      return {};
    }
  }
  if (auto bad = check_file_header(all)) return corrupt(path, 0, *bad);
  std::size_t offset = kFileHeaderSize;
  Record record;
  while (offset < all.size()) {
    auto rest = all.substr(offset);
    auto decoded = decode_frame(rest, record);
    if (decoded.status != DecodeStatus::ok) {
      if (last && all_zero(rest)) return cut_unused(offset);
      if (last && only_zeros_after_frame(rest)) return cut_tail(offset, decoded.message);
      return corrupt(path, offset, decoded.message);
    }
    if (record.type == RecordType::snap_queue || record.type == RecordType::snap_task ||
        record.type == RecordType::snap_end)
      return corrupt(path, offset, "a segment holds no snapshot records");
    report.last_now = std::max(report.last_now, record.now);
    apply_record(state, std::move(record));
    ++report.records;
    offset += decoded.frame_size;
  }
  report.log_bytes += all.size();
  ++report.segments;
  return {};
}

}  // namespace

namespace {

// Replays the newest snapshot below `end` and the segments after it below `end`
// (everything when `end` is 0). Only an open-ended replay may cut a torn last segment:
// the segments below a compaction's `end` were finished before it began.
Result<ReplayReport> replay_files(const std::string& dir, std::uint64_t end,
                                  memory::MemoryState& state) {
  ReplayReport report;
  auto listing = list_dir(dir);
  if (!listing) return std::move(listing).error();
  auto below_end = [end](std::uint64_t n) { return end == 0 || n < end; };
  std::uint64_t first = 0;
  for (auto n : listing->snapshots)
    if (below_end(n)) first = n;
  if (first != 0) {
    auto loaded = load_snapshot(dir + "/" + snapshot_name(first), state, report);
    if (!loaded) return std::move(loaded).error();
    report.snapshot = first;
  }
  std::vector<std::uint64_t> segments;
  for (auto n : listing->segments)
    if (n >= first && below_end(n)) segments.push_back(n);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::uint64_t expected = i == 0 ? (report.snapshot ? first : segments[0]) : segments[i - 1] + 1;
    if (segments[i] != expected)
      return make_error(Errc::unavailable, "log segment " + segment_name(expected) +
                                               " is missing from " + dir +
                                               "; refusing to start with a gap in the log");
    bool last = end == 0 && i + 1 == segments.size();
    auto replayed = replay_segment(dir + "/" + segment_name(segments[i]), last, state, report);
    if (!replayed) return std::move(replayed).error();
  }
  std::uint64_t highest = first;
  if (!listing->segments.empty()) highest = std::max(highest, listing->segments.back());
  report.next_segment = highest + 1;
  return report;
}

}  // namespace

Result<ReplayReport> replay_dir(const std::string& dir, memory::MemoryState& state) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::unavailable, "cannot create data dir " + dir + ": " + ec.message());
  return replay_files(dir, 0, state);
}

Result<ReplayReport> replay_before(const std::string& dir, std::uint64_t end,
                                   memory::MemoryState& state) {
  return replay_files(dir, end, state);
}

}  // namespace tc::log
