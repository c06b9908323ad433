// The records of the append-only log and their binary codec.
//
// A record is one mutation of MemoryState with the time it ran at: replaying the
// records in order through the same MemoryState methods rebuilds the same state.
// Frame on disk (little-endian):
//
//   u32 payload_length | u32 crc32c(payload) | payload
//   payload = u8 format_version | u8 type | i64 now_ms | fields of the type
//
// Strings are u32 length + bytes. docs/storage.md documents every type and the
// version history; bump kRecordVersion (and keep decoding old versions) on any change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/queue_settings.hpp"
#include "core/task.hpp"
#include "store/memory/images.hpp"

namespace tc::log {

// 2: task config and snapshot images end with tagged optional fields (record.cpp,
// TagWriter); 1: without them (still decoded: every missing field has its default).
inline constexpr std::uint8_t kRecordVersion = 2;
inline constexpr std::size_t kFrameHeader = 8;
// A larger length field is corruption, not a record (bounds a bad length's allocation).
inline constexpr std::uint32_t kMaxPayload = 1u << 30;

enum class RecordType : std::uint8_t {
  put = 1,      // queue, tasks: put / put_batch / call's put (put-if-absent each)
  acquire = 2,  // queue, ids, lease_ms
  take = 3,     // queue, size, lease_ms
  reply = 4,    // queue, id, result info, result content
  touch = 5,    // queue, id, lease_ms
  remove = 6,   // queue, id
  clear = 7,    // queue
  tick = 8,     // nothing: applies what was due at now (lease expiry, delays, TTLs)
  config_queue = 12,  // queue, settings change (u8 mask, paused, max_leased, rate, burst)
  reply_batch = 14,  // queue, u32 count, then id, result info, result content per reply
  fail = 9,     // queue, id, error info, error content
  release = 10, // queue, id, delay_ms (in lease_ms)
  redrive = 11, // queue, ids, size
  // A take with options (a plain take keeps record 3): queue, size, lease_ms, max_cost
  // (u8 present, f64), batch_key (optional string), group_by_key (u8).
  take_v2 = 15,
  // queue, id, event info, event content, u8 lease given, i64 lease_ms (0 when not given)
  progress = 13,
  // Snapshot records (written by compaction: Persistence::encode_snapshot, persistence.cpp).
  snap_queue = 32,
  snap_task = 33,
  snap_end = 34,
};

using memory::QueueImage;
using memory::TaskImage;

// A decoded record: the fields its type uses are set, the others stay empty.
struct Record {
  RecordType type = RecordType::tick;
  std::int64_t now = 0;
  std::string queue;
  std::vector<NewTask> tasks;    // put
  std::vector<std::string> ids;  // acquire
  std::string id;                // reply, touch, remove, fail, release
  TaskResult result;             // reply; fail: the error
  std::int64_t lease_ms = 0;     // acquire, take, touch; release: its delay
  std::uint32_t size = 0;        // take
  QueueImage queue_image;        // snap_queue
  TaskImage task_image;          // snap_task
  std::vector<TaskReply> replies;  // reply_batch
  QueueSettingsChange settings;  // config_queue
  TakeOptions take_options;      // take_v2
  bool lease_given = false;      // progress: lease_ms extends the lease
};

// Encoders append one complete frame to `out`.
void encode_put(std::string& out, std::int64_t now, std::string_view queue, const NewTask* tasks,
                std::size_t count);
void encode_acquire(std::string& out, std::int64_t now, std::string_view queue,
                    const std::vector<std::string>& ids, std::int64_t lease_ms);
void encode_take(std::string& out, std::int64_t now, std::string_view queue, std::uint32_t size,
                 std::int64_t lease_ms);
void encode_reply(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                  const TaskResult& result);
// A take with options: record take_v2 (encode_take when there are none).
void encode_take_v2(std::string& out, std::int64_t now, std::string_view queue,
                    std::uint32_t size, std::int64_t lease_ms, const TakeOptions& options);
void encode_touch(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                  std::int64_t lease_ms);
void encode_remove(std::string& out, std::int64_t now, std::string_view queue,
                   std::string_view id);
void encode_clear(std::string& out, std::int64_t now, std::string_view queue);
void encode_tick(std::string& out, std::int64_t now);
void encode_config_queue(std::string& out, std::int64_t now, std::string_view queue,
                         const QueueSettingsChange& change);
void encode_snap_queue(std::string& out, std::int64_t now, const QueueImage& image);
void encode_snap_task(std::string& out, std::int64_t now, const TaskImage& image);
void encode_snap_end(std::string& out, std::int64_t now);
void encode_reply_batch(std::string& out, std::int64_t now, std::string_view queue,
                        const std::vector<TaskReply>& replies);
void encode_fail(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                 const TaskResult& error);
void encode_release(std::string& out, std::int64_t now, std::string_view queue,
                    std::string_view id, std::int64_t delay_ms);
void encode_redrive(std::string& out, std::int64_t now, std::string_view queue,
                    const std::vector<std::string>& ids, std::uint32_t size);

// progress: `event` as reply's result; lease_ms nullopt: the lease is left as it is.
void encode_progress(std::string& out, std::int64_t now, std::string_view queue,
                     std::string_view id, const TaskResult& event,
                     std::optional<std::int64_t> lease_ms);

enum class DecodeStatus {
  ok,
  truncated,     // the bytes end inside the frame
  bad_checksum,  // the payload does not match its checksum
  bad_record,    // checksum fine but the payload makes no sense (or a newer version)
};

struct Decoded {
  DecodeStatus status = DecodeStatus::ok;
  std::size_t frame_size = 0;  // bytes the frame occupies (valid when status == ok)
  std::string message;         // why, when status != ok
};

// Decodes the frame at the start of `bytes` into `record`.
Decoded decode_frame(std::string_view bytes, Record& record);

}  // namespace tc::log
