// Rebuilds a MemoryState from a data directory on start: the newest snapshot, then the
// segments after it, record by record through the same MemoryState mutations.
//
// A torn tail (the last segment ends inside a record, or in a checksum-failing record
// that runs to the end of the file, or in zeros) is what a crash mid-write leaves: it
// is cut off with a warning. Anything else that fails to decode refuses the start with
// the file and offset, never silently dropping what follows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "store/log/record.hpp"
#include "store/memory/memory_state.hpp"

namespace tc::log {

struct ReplayReport {
  std::optional<std::uint64_t> snapshot;  // number of the snapshot loaded
  std::uint64_t snapshot_bytes = 0;
  std::uint64_t segments = 0;            // segment files replayed
  std::uint64_t records = 0;             // records applied (snapshot records included)
  std::uint64_t log_bytes = 0;           // bytes of the segments replayed
  std::uint64_t truncated_bytes = 0;     // torn tail cut off
  std::vector<std::string> warnings;     // one line each, for the server log
  std::int64_t last_now = 0;             // latest time a record ran at
  std::uint64_t next_segment = 1;        // where the writer continues
};

// Creates `dir` if needed, then replays it into `state` (which must be empty).
// Errors (Errc::unavailable) name the file and offset and say what to do.
Result<ReplayReport> replay_dir(const std::string& dir, memory::MemoryState& state);

// Rebuilds into `state` (empty) what segment `end` starts from: the newest snapshot
// below `end` and the segments after it below `end`, all of them complete. Compaction
// uses it to build its snapshot from the files, away from the live state and its lock.
Result<ReplayReport> replay_before(const std::string& dir, std::uint64_t end,
                                   memory::MemoryState& state);

// Applies one decoded log record to the state. False for a snapshot record that does
// not fit the state (an inconsistent snapshot).
bool apply_record(memory::MemoryState& state, Record&& record);

}  // namespace tc::log
