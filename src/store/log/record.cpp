#include "store/log/record.hpp"

#include <cmath>
#include <cstring>

#include "store/log/crc32c.hpp"

namespace tc::log {
namespace {

// --- writing ---

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
void put_u32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}
void put_u64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
void put_i64(std::string& out, std::int64_t v) { put_u64(out, static_cast<std::uint64_t>(v)); }
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}
void put_opt(std::string& out, const std::optional<std::string>& s) {
  put_u8(out, s ? 1 : 0);
  if (s) put_str(out, *s);
}
void put_cursor(std::string& out, const Cursor& c) {
  put_u64(out, c.ms);
  put_u64(out, c.seq);
}

// Opens a frame: reserves the header and writes the common payload prefix.
std::size_t begin(std::string& out, RecordType type, std::int64_t now) {
  std::size_t start = out.size();
  out.append(kFrameHeader, '\0');
  put_u8(out, kRecordVersion);
  put_u8(out, static_cast<std::uint8_t>(type));
  put_i64(out, now);
  return start;
}

// Closes a frame: fills in length and checksum.
void end(std::string& out, std::size_t start) {
  std::string_view payload(out.data() + start + kFrameHeader, out.size() - start - kFrameHeader);
  std::uint32_t length = static_cast<std::uint32_t>(payload.size());
  std::uint32_t crc = crc32c(payload);
  for (int i = 0; i < 4; ++i) {
    out[start + i] = static_cast<char>(length >> (8 * i));
    out[start + 4 + i] = static_cast<char>(crc >> (8 * i));
  }
}

void put_f64(std::string& out, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  put_u64(out, bits);
}

// Tagged optional fields (format version 2): a list of (u8 tag, u32 length, bytes) that
// ends with tag 0. A field is written only when it differs from its default, so most
// records carry one byte of it, and a new field gets a new tag rather than a new layout.
class TagWriter {
 public:
  explicit TagWriter(std::string& out) : out_(out) {}
  void i64(std::uint8_t tag, std::int64_t v) {
    head(tag, 8);
    put_i64(out_, v);
  }
  void f64(std::uint8_t tag, double v) {
    head(tag, 8);
    put_f64(out_, v);
  }
  void str(std::uint8_t tag, std::string_view v) {
    head(tag, v.size());
    out_.append(v);
  }
  void end() { put_u8(out_, 0); }

 private:
  void head(std::uint8_t tag, std::size_t size) {
    put_u8(out_, tag);
    put_u32(out_, static_cast<std::uint32_t>(size));
  }
  std::string& out_;
};

// --- reading ---

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(bytes_[pos_++]);
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= std::uint32_t(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= std::uint64_t(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  std::string str() {
    std::uint32_t n = u32();
    if (!need(n)) return {};
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::optional<std::string> opt() {
    std::uint8_t present = u8();
    if (present > 1) ok_ = false;
    if (!present) return std::nullopt;
    return str();
  }
  Cursor cursor() {
    Cursor c;
    c.ms = u64();
    c.seq = u64();
    return c;
  }
  double f64() {
    std::uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // The next n bytes as they are (a tagged field's value).
  std::string_view bytes(std::size_t n) {
    if (!need(n)) return {};
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string rest() { return std::string(bytes(bytes_.size() - pos_)); }
  void fail() { ok_ = false; }

 private:
  bool need(std::size_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Reads a TagWriter list, calling on_field(tag, field_reader) for each field; on_field
// answers false for a tag it does not know, which makes the record bad (a field this
// build cannot honour must not be dropped silently).
template <class OnField>
void read_tags(Reader& r, OnField&& on_field) {
  for (;;) {
    std::uint8_t tag = r.u8();
    if (!r.ok() || tag == 0) return;
    std::uint32_t size = r.u32();
    std::string_view bytes = r.bytes(size);
    if (!r.ok()) return;
    Reader field(bytes);
    if (!on_field(tag, field) || !field.ok() || !field.at_end()) {
      r.fail();
      return;
    }
  }
}

// Task config tags (put records, format 2).
enum : std::uint8_t {
  kTagPriority = 1,
  kTagCost = 2,
  kTagBatchKey = 3,
  kTagRetryDelay = 4,
  kTagDeadline = 5,  // put: config.deadline_ms (relative); snap_task: expires_at (absolute)
  // snap_task only
  kTagLastErrorInfo = 6,
  kTagLastErrorContent = 7,
  kTagSourceQueue = 8,
  kTagCreated = 9,  // the put's time (ms), for get's age
  // u32 count, then per event: u64 seq, string info, string content (oldest first)
  kTagEvents = 10,
  kTagNextEventSeq = 11,  // the seq the next progress event gets (last given + 1)
};

// Queue tags (snap_queue).
enum : std::uint8_t {
  kTagTotalFailed = 5,
  kTagTotalReleased = 6,
  kTagTotalExpired = 7,
};

// Queue tags (snap_queue, format 2): the queue's settings (config_queue).
enum : std::uint8_t {
  kTagPaused = 1,
  kTagMaxLeased = 2,
  kTagRate = 3,
  kTagBurst = 4,
  kTagBucket = 8,  // the token bucket's tat (ms)
};

void put_config_tags(std::string& out, const TaskConfig& c) {
  TagWriter tags(out);
  if (c.priority != 0) tags.i64(kTagPriority, c.priority);
  if (c.cost != 1) tags.f64(kTagCost, c.cost);
  if (c.batch_key) tags.str(kTagBatchKey, *c.batch_key);
  if (c.retry_delay_ms != 0) tags.i64(kTagRetryDelay, c.retry_delay_ms);
  if (c.deadline_ms != 0) tags.i64(kTagDeadline, c.deadline_ms);
  tags.end();
}

void read_config_tags(Reader& r, TaskConfig& c) {
  read_tags(r, [&](std::uint8_t tag, Reader& field) {
    switch (tag) {
      case kTagPriority: c.priority = static_cast<std::int32_t>(field.i64()); return true;
      case kTagCost: c.cost = field.f64(); return true;
      case kTagBatchKey: c.batch_key = field.rest(); return true;
      case kTagRetryDelay: c.retry_delay_ms = field.i64(); return true;
      case kTagDeadline: c.deadline_ms = field.i64(); return true;
      default: return false;
    }
  });
}

void put_task(std::string& out, const NewTask& t) {
  put_str(out, t.id);
  put_str(out, t.info);
  put_str(out, t.content);
  put_i64(out, t.config.cache_result_ms);
  put_u32(out, t.config.max_attempts);
  put_i64(out, t.config.delay_ms);
  put_opt(out, t.config.forward_result_to);
  put_opt(out, t.config.dead_letter_to);
  put_config_tags(out, t.config);
}

NewTask read_task(Reader& r, std::uint8_t version) {
  NewTask t;
  t.id = r.str();
  t.info = r.str();
  t.content = r.str();
  t.config.cache_result_ms = r.i64();
  t.config.max_attempts = r.u32();
  t.config.delay_ms = r.i64();
  t.config.forward_result_to = r.opt();
  t.config.dead_letter_to = r.opt();
  if (version >= 2) read_config_tags(r, t.config);
  return t;
}

}  // namespace

void encode_put(std::string& out, std::int64_t now, std::string_view queue, const NewTask* tasks,
                std::size_t count) {
  auto start = begin(out, RecordType::put, now);
  put_str(out, queue);
  put_u32(out, static_cast<std::uint32_t>(count));
  for (std::size_t i = 0; i < count; ++i) put_task(out, tasks[i]);
  end(out, start);
}

void encode_acquire(std::string& out, std::int64_t now, std::string_view queue,
                    const std::vector<std::string>& ids, std::int64_t lease_ms) {
  auto start = begin(out, RecordType::acquire, now);
  put_str(out, queue);
  put_u32(out, static_cast<std::uint32_t>(ids.size()));
  for (const auto& id : ids) put_str(out, id);
  put_i64(out, lease_ms);
  end(out, start);
}

void encode_take(std::string& out, std::int64_t now, std::string_view queue, std::uint32_t size,
                 std::int64_t lease_ms) {
  auto start = begin(out, RecordType::take, now);
  put_str(out, queue);
  put_u32(out, size);
  put_i64(out, lease_ms);
  end(out, start);
}

void encode_take_v2(std::string& out, std::int64_t now, std::string_view queue,
                    std::uint32_t size, std::int64_t lease_ms, const TakeOptions& options) {
  auto start = begin(out, RecordType::take_v2, now);
  put_str(out, queue);
  put_u32(out, size);
  put_i64(out, lease_ms);
  put_u8(out, options.max_cost ? 1 : 0);
  if (options.max_cost) put_f64(out, *options.max_cost);
  put_opt(out, options.batch_key);
  put_u8(out, options.group_by_key ? 1 : 0);
  end(out, start);
}

void encode_reply(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                  const TaskResult& result) {
  auto start = begin(out, RecordType::reply, now);
  put_str(out, queue);
  put_str(out, id);
  put_str(out, result.info);
  put_str(out, result.content);
  end(out, start);
}

void encode_touch(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                  std::int64_t lease_ms) {
  auto start = begin(out, RecordType::touch, now);
  put_str(out, queue);
  put_str(out, id);
  put_i64(out, lease_ms);
  end(out, start);
}

void encode_remove(std::string& out, std::int64_t now, std::string_view queue,
                   std::string_view id) {
  auto start = begin(out, RecordType::remove, now);
  put_str(out, queue);
  put_str(out, id);
  end(out, start);
}

void encode_clear(std::string& out, std::int64_t now, std::string_view queue) {
  auto start = begin(out, RecordType::clear, now);
  put_str(out, queue);
  end(out, start);
}

// config_queue: u8 mask (1 paused, 2 max_leased, 4 bucket), then u8 paused, u32
// max_leased, f64 rate, f64 burst (all written; the mask says which apply).
void encode_config_queue(std::string& out, std::int64_t now, std::string_view queue,
                         const QueueSettingsChange& change) {
  auto start = begin(out, RecordType::config_queue, now);
  put_str(out, queue);
  put_u8(out, static_cast<std::uint8_t>((change.paused ? 1 : 0) | (change.max_leased ? 2 : 0) |
                                        (change.bucket ? 4 : 0)));
  put_u8(out, change.paused.value_or(false) ? 1 : 0);
  put_u32(out, change.max_leased.value_or(0));
  const auto bucket = change.bucket.value_or(QueueSettingsChange::Bucket{});
  put_f64(out, bucket.rate);
  put_f64(out, bucket.burst);
  end(out, start);
}

void encode_tick(std::string& out, std::int64_t now) { end(out, begin(out, RecordType::tick, now)); }

void encode_snap_queue(std::string& out, std::int64_t now, const QueueImage& q) {
  auto start = begin(out, RecordType::snap_queue, now);
  put_str(out, q.name);
  put_cursor(out, q.last_cursor);
  for (auto v : {q.total_put, q.total_acquired, q.total_replied, q.total_redelivered, q.total_dead,
                 q.total_removed})
    put_u64(out, v);
  // The queue's settings (queue tags): 1 paused, 2 max_leased, 3 rate, 4 burst (0 = the
  // default), 8 the token bucket's tat; each only when not its default.
  const QueueSettings& settings = q.settings;
  TagWriter tags(out);
  if (settings.paused) tags.i64(kTagPaused, 1);
  if (settings.max_leased > 0) tags.i64(kTagMaxLeased, settings.max_leased);
  if (settings.rate > 0) tags.f64(kTagRate, settings.rate);
  if (settings.burst > 0) tags.f64(kTagBurst, settings.burst);
  if (q.bucket_tat != 0) tags.f64(kTagBucket, q.bucket_tat);
  // failure counters (tags 5, 6) and total_expired (tag 7)
  if (q.total_failed != 0) tags.i64(kTagTotalFailed, static_cast<std::int64_t>(q.total_failed));
  if (q.total_released != 0)
    tags.i64(kTagTotalReleased, static_cast<std::int64_t>(q.total_released));
  if (q.total_expired != 0) tags.i64(kTagTotalExpired, static_cast<std::int64_t>(q.total_expired));
  tags.end();
  end(out, start);
}

void encode_snap_task(std::string& out, std::int64_t now, const TaskImage& t) {
  auto start = begin(out, RecordType::snap_task, now);
  put_str(out, t.queue);
  put_str(out, t.id);
  put_str(out, t.info);
  put_str(out, t.content);
  put_u8(out, t.state);
  put_cursor(out, t.cursor);
  put_i64(out, t.deadline);
  put_i64(out, t.cache_result_ms);
  put_u32(out, t.attempts);
  put_u32(out, t.max_attempts);
  put_opt(out, t.forward_result_to);
  put_opt(out, t.dead_letter_to);
  TagWriter tags(out);
  if (t.priority != 0) tags.i64(kTagPriority, t.priority);
  if (t.cost != 1) tags.f64(kTagCost, t.cost);
  if (t.batch_key) tags.str(kTagBatchKey, *t.batch_key);
  if (t.retry_delay_ms != 0) tags.i64(kTagRetryDelay, t.retry_delay_ms);
  if (t.expires_at != 0) tags.i64(kTagDeadline, t.expires_at);
  if (t.last_error_info) tags.str(kTagLastErrorInfo, *t.last_error_info);
  if (!t.last_error_content.empty()) tags.str(kTagLastErrorContent, t.last_error_content);
  // "<source_attempts>:<source_queue>"
  if (t.source_queue)
    tags.str(kTagSourceQueue, std::to_string(t.source_attempts) + ":" + *t.source_queue);
  if (t.created_ms != 0) tags.i64(kTagCreated, t.created_ms);
  if (!t.events.empty()) {
    std::string events;
    put_u32(events, static_cast<std::uint32_t>(t.events.size()));
    for (const TaskEvent& event : t.events) {
      put_u64(events, event.seq);
      put_str(events, event.info);
      put_str(events, event.content);
    }
    tags.str(kTagEvents, events);
  }
  if (t.last_event_seq != 0)
    tags.i64(kTagNextEventSeq, static_cast<std::int64_t>(t.last_event_seq + 1));
  tags.end();
  end(out, start);
}

void encode_snap_end(std::string& out, std::int64_t now) {
  end(out, begin(out, RecordType::snap_end, now));
}

void encode_reply_batch(std::string& out, std::int64_t now, std::string_view queue,
                        const std::vector<TaskReply>& replies) {
  auto start = begin(out, RecordType::reply_batch, now);
  put_str(out, queue);
  put_u32(out, static_cast<std::uint32_t>(replies.size()));
  for (const auto& reply : replies) {
    put_str(out, reply.id);
    put_str(out, reply.result.info);
    put_str(out, reply.result.content);
  }
  end(out, start);
}

void encode_fail(std::string& out, std::int64_t now, std::string_view queue, std::string_view id,
                 const TaskResult& error) {
  auto start = begin(out, RecordType::fail, now);
  put_str(out, queue);
  put_str(out, id);
  put_str(out, error.info);
  put_str(out, error.content);
  end(out, start);
}

void encode_redrive(std::string& out, std::int64_t now, std::string_view queue,
                    const std::vector<std::string>& ids, std::uint32_t size) {
  auto start = begin(out, RecordType::redrive, now);
  put_str(out, queue);
  put_u32(out, static_cast<std::uint32_t>(ids.size()));
  for (const auto& id : ids) put_str(out, id);
  put_u32(out, size);
  end(out, start);
}

void encode_progress(std::string& out, std::int64_t now, std::string_view queue,
                     std::string_view id, const TaskResult& event,
                     std::optional<std::int64_t> lease_ms) {
  auto start = begin(out, RecordType::progress, now);
  put_str(out, queue);
  put_str(out, id);
  put_str(out, event.info);
  put_str(out, event.content);
  put_u8(out, lease_ms ? 1 : 0);
  put_i64(out, lease_ms.value_or(0));
  end(out, start);
}

void encode_release(std::string& out, std::int64_t now, std::string_view queue,
                    std::string_view id, std::int64_t delay_ms) {
  auto start = begin(out, RecordType::release, now);
  put_str(out, queue);
  put_str(out, id);
  put_i64(out, delay_ms);
  end(out, start);
}

namespace {

// A time the server can never write (a duration below zero, or any time beyond 1e15 ms,
// about 31,700 years) is corruption that a matching checksum let through (a crafted or
// foreign file). Refusing it here keeps replay from computing `now + delay` beyond the
// range of int64 (found by fuzzing: tests/fuzz/corpus/log_record/regression-time-overflow.bin).
constexpr std::int64_t kMaxRecordMs = 1'000'000'000'000'000;

bool times_in_range(const Record& record) {
  auto instant = [](std::int64_t ms) { return ms >= -kMaxRecordMs && ms <= kMaxRecordMs; };
  auto duration = [](std::int64_t ms) { return ms >= 0 && ms <= kMaxRecordMs; };
  if (!instant(record.now) || !duration(record.lease_ms)) return false;
  auto priority = [](std::int32_t p) { return p >= -1000 && p <= 1000; };
  auto cost = [](double c) { return c > 0 && c <= 1e9; };  // false for NaN too
  for (const auto& task : record.tasks) {
    const TaskConfig& c = task.config;
    if (!duration(c.cache_result_ms) || !duration(c.delay_ms) || !duration(c.deadline_ms) ||
        !duration(c.retry_delay_ms) || !priority(c.priority) || !cost(c.cost))
      return false;
  }
  const TaskImage& t = record.task_image;
  return instant(t.deadline) && duration(t.cache_result_ms) && instant(t.expires_at) &&
         duration(t.retry_delay_ms) && priority(t.priority) && cost(t.cost);
}

}  // namespace

Decoded decode_frame(std::string_view bytes, Record& record) {
  Decoded d;
  if (bytes.size() < kFrameHeader) {
    d.status = DecodeStatus::truncated;
    d.message = "the frame header is cut short";
    return d;
  }
  Reader header(bytes.substr(0, kFrameHeader));
  std::uint32_t length = header.u32();
  std::uint32_t crc = header.u32();
  if (length > kMaxPayload) {
    d.status = DecodeStatus::bad_record;
    d.message = "record length " + std::to_string(length) + " is out of range";
    return d;
  }
  if (bytes.size() - kFrameHeader < length) {
    d.status = DecodeStatus::truncated;
    d.message = "the record is cut short";
    return d;
  }
  std::string_view payload = bytes.substr(kFrameHeader, length);
  if (crc32c(payload) != crc) {
    d.status = DecodeStatus::bad_checksum;
    d.message = "checksum mismatch";
    return d;
  }
  Reader r(payload);
  std::uint8_t version = r.u8();
  if (version < 1 || version > kRecordVersion) {
    d.status = DecodeStatus::bad_record;
    d.message = "record format version " + std::to_string(version) + " is unknown to this build";
    return d;
  }
  record = Record{};
  record.type = static_cast<RecordType>(r.u8());
  record.now = r.i64();
  switch (record.type) {
    case RecordType::put: {
      record.queue = r.str();
      std::uint32_t n = r.u32();
      for (std::uint32_t i = 0; i < n && r.ok(); ++i)
        record.tasks.push_back(read_task(r, version));
      break;
    }
    case RecordType::acquire: {
      record.queue = r.str();
      std::uint32_t n = r.u32();
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) record.ids.push_back(r.str());
      record.lease_ms = r.i64();
      break;
    }
    case RecordType::take:
      record.queue = r.str();
      record.size = r.u32();
      record.lease_ms = r.i64();
      break;
    case RecordType::reply:
      record.queue = r.str();
      record.id = r.str();
      record.result.info = r.str();
      record.result.content = r.str();
      break;
    case RecordType::touch:
      record.queue = r.str();
      record.id = r.str();
      record.lease_ms = r.i64();
      break;
    case RecordType::remove:
      record.queue = r.str();
      record.id = r.str();
      break;
    case RecordType::fail:
      record.queue = r.str();
      record.id = r.str();
      record.result.info = r.str();
      record.result.content = r.str();
      break;
    case RecordType::release:
      record.queue = r.str();
      record.id = r.str();
      record.lease_ms = r.i64();
      break;
    case RecordType::redrive: {
      record.queue = r.str();
      std::uint32_t n = r.u32();
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) record.ids.push_back(r.str());
      record.size = r.u32();
      break;
    }
    case RecordType::clear:
      record.queue = r.str();
      break;
    case RecordType::progress: {
      record.queue = r.str();
      record.id = r.str();
      record.result.info = r.str();
      record.result.content = r.str();
      const std::uint8_t given = r.u8();
      if (given > 1) r.fail();
      record.lease_given = given == 1;
      record.lease_ms = r.i64();
      break;
    }
    case RecordType::config_queue: {
      record.queue = r.str();
      const std::uint8_t mask = r.u8();
      const bool paused = r.u8() != 0;
      const std::uint32_t max_leased = r.u32();
      QueueSettingsChange::Bucket bucket;
      bucket.rate = r.f64();
      bucket.burst = r.f64();
      if (mask & 1) record.settings.paused = paused;
      if (mask & 2) record.settings.max_leased = max_leased;
      if (mask & 4) record.settings.bucket = bucket;
      if (mask > 7 || !(bucket.rate >= 0) || !(bucket.burst >= 0)) {
        d.status = DecodeStatus::bad_record;
        d.message = "config_queue record with unknown settings";
        return d;
      }
      break;
    }
    case RecordType::tick:
    case RecordType::snap_end:
      break;
    case RecordType::snap_queue: {
      auto& q = record.queue_image;
      q.name = r.str();
      q.last_cursor = r.cursor();
      for (auto* v : {&q.total_put, &q.total_acquired, &q.total_replied, &q.total_redelivered,
                      &q.total_dead, &q.total_removed})
        *v = r.u64();
      if (version >= 2) {
        read_tags(r, [&](std::uint8_t tag, Reader& field) {
          switch (tag) {
            case kTagPaused: q.settings.paused = field.i64() != 0; return true;
            case kTagMaxLeased: {
              const std::int64_t cap = field.i64();
              if (cap < 0 || cap > UINT32_MAX) return false;
              q.settings.max_leased = static_cast<std::uint32_t>(cap);
              return true;
            }
            case kTagRate: q.settings.rate = field.f64(); return true;
            case kTagBurst: q.settings.burst = field.f64(); return true;
            case kTagBucket: q.bucket_tat = field.f64(); return true;
            case kTagTotalFailed: q.total_failed = field.u64(); return true;
            case kTagTotalReleased: q.total_released = field.u64(); return true;
            case kTagTotalExpired: q.total_expired = field.u64(); return true;
            default: return false;
          }
        });
      }
      if (!(q.settings.rate >= 0) || !(q.settings.burst >= 0) || !std::isfinite(q.bucket_tat)) {
        d.status = DecodeStatus::bad_record;
        d.message = "snap_queue record with a negative rate or burst";
        return d;
      }
      break;
    }
    case RecordType::snap_task: {
      auto& t = record.task_image;
      t.queue = r.str();
      t.id = r.str();
      t.info = r.str();
      t.content = r.str();
      t.state = r.u8();
      t.cursor = r.cursor();
      t.deadline = r.i64();
      t.cache_result_ms = r.i64();
      t.attempts = r.u32();
      t.max_attempts = r.u32();
      t.forward_result_to = r.opt();
      t.dead_letter_to = r.opt();
      if (version >= 2) {
        read_tags(r, [&](std::uint8_t tag, Reader& field) {
          switch (tag) {
            case kTagPriority: t.priority = static_cast<std::int32_t>(field.i64()); return true;
            case kTagCost: t.cost = field.f64(); return true;
            case kTagBatchKey: t.batch_key = field.rest(); return true;
            case kTagRetryDelay: t.retry_delay_ms = field.i64(); return true;
            case kTagDeadline: t.expires_at = field.i64(); return true;
            case kTagLastErrorInfo: t.last_error_info = field.rest(); return true;
            case kTagLastErrorContent: t.last_error_content = field.rest(); return true;
            case kTagCreated: t.created_ms = field.i64(); return true;
            case kTagEvents: {
              const std::uint32_t n = field.u32();
              if (n > kTaskEventsKept) return false;
              for (std::uint32_t i = 0; i < n && field.ok(); ++i) {
                TaskEvent event;
                event.seq = field.u64();
                event.info = field.str();
                event.content = field.str();
                t.events.push_back(std::move(event));
              }
              return true;
            }
            case kTagNextEventSeq: {
              const std::int64_t next = field.i64();
              if (next < 2) return false;
              t.last_event_seq = static_cast<std::uint64_t>(next - 1);
              return true;
            }
            case kTagSourceQueue: {
              std::string text = field.rest();
              auto colon = text.find(':');
              if (colon == std::string::npos || colon == 0 || colon > 10) return false;
              std::uint64_t attempts = 0;
              for (std::size_t i = 0; i < colon; ++i) {
                if (text[i] < '0' || text[i] > '9') return false;
                attempts = attempts * 10 + static_cast<std::uint64_t>(text[i] - '0');
              }
              if (attempts > 0xffffffffu) return false;
              t.source_attempts = static_cast<std::uint32_t>(attempts);
              t.source_queue = text.substr(colon + 1);
              return true;
            }
            default: return false;
          }
        });
      }
      break;
    }
    case RecordType::take_v2: {
      record.queue = r.str();
      record.size = r.u32();
      record.lease_ms = r.i64();
      std::uint8_t has_max_cost = r.u8();
      if (has_max_cost > 1) r.fail();
      if (has_max_cost == 1) record.take_options.max_cost = r.f64();
      record.take_options.batch_key = r.opt();
      std::uint8_t group_by_key = r.u8();
      if (group_by_key > 1) r.fail();
      record.take_options.group_by_key = group_by_key == 1;
      break;
    }
    case RecordType::reply_batch: {
      record.queue = r.str();
      std::uint32_t n = r.u32();
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        TaskReply reply;
        reply.id = r.str();
        reply.result.info = r.str();
        reply.result.content = r.str();
        record.replies.push_back(std::move(reply));
      }
      break;
    }
    default:
      d.status = DecodeStatus::bad_record;
      d.message = "unknown record type " + std::to_string(static_cast<int>(record.type));
      return d;
  }
  if (!r.ok() || !r.at_end()) {
    d.status = DecodeStatus::bad_record;
    d.message = "the record's fields do not match its length";
    return d;
  }
  if (!times_in_range(record)) {
    d.status = DecodeStatus::bad_record;
    d.message = "a time in the record is out of range";
    return d;
  }
  d.frame_size = kFrameHeader + length;
  return d;
}

}  // namespace tc::log
