// The log record codec: round trips, checksums, and what decoding reports for damage.
#include "store/log/record.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "store/log/crc32c.hpp"

namespace tc::log {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  std::string long_input(1000, 'x');
  // Slicing-by-8 and the byte loop agree: split at an odd boundary and chain.
  EXPECT_EQ(crc32c(long_input), crc32c(std::string_view(long_input).substr(3),
                                       crc32c(std::string_view(long_input).substr(0, 3))));
}

TEST(Crc32c, TheInstructionAndTheTablesAgree) {
  EXPECT_EQ(crc32c_portable("123456789"), 0xE3069283u);
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 131 + 7));
    std::string_view all(bytes);
    EXPECT_EQ(crc32c(all), crc32c_portable(all)) << "length " << bytes.size();
    EXPECT_EQ(crc32c(all.substr(1), 0x12345678u), crc32c_portable(all.substr(1), 0x12345678u));
  }
}

Record decode_one(const std::string& bytes) {
  Record record;
  auto decoded = decode_frame(bytes, record);
  EXPECT_EQ(decoded.status, DecodeStatus::ok) << decoded.message;
  EXPECT_EQ(decoded.frame_size, bytes.size());
  return record;
}

TEST(LogRecord, PutRoundTripsEveryField) {
  NewTask tasks[2];
  tasks[0].id = "a";
  tasks[0].info = R"({"k":[1,2]})";
  tasks[0].content = std::string("\0bin\xff", 5);
  tasks[0].config.cache_result_ms = 1234;
  tasks[0].config.max_attempts = 3;
  tasks[0].config.delay_ms = 50;
  tasks[0].config.forward_result_to = "fwd";
  tasks[1].id = "b";
  tasks[1].config.dead_letter_to = "dlq";
  std::string bytes;
  encode_put(bytes, 42, "queue", tasks, 2);
  Record r = decode_one(bytes);
  EXPECT_EQ(r.type, RecordType::put);
  EXPECT_EQ(r.now, 42);
  EXPECT_EQ(r.queue, "queue");
  ASSERT_EQ(r.tasks.size(), 2u);
  EXPECT_EQ(r.tasks[0].id, "a");
  EXPECT_EQ(r.tasks[0].info, tasks[0].info);
  EXPECT_EQ(r.tasks[0].content, tasks[0].content);
  EXPECT_EQ(r.tasks[0].config.cache_result_ms, 1234);
  EXPECT_EQ(r.tasks[0].config.max_attempts, 3u);
  EXPECT_EQ(r.tasks[0].config.delay_ms, 50);
  EXPECT_EQ(r.tasks[0].config.forward_result_to, "fwd");
  EXPECT_FALSE(r.tasks[0].config.dead_letter_to);
  EXPECT_EQ(r.tasks[1].config.dead_letter_to, "dlq");
  EXPECT_FALSE(r.tasks[1].config.forward_result_to);
}

TEST(LogRecord, PutRoundTripsTheVersion2Fields) {
  NewTask tasks[2];
  tasks[0].id = "a";
  tasks[0].config.priority = -1000;
  tasks[0].config.cost = 0.25;
  tasks[0].config.batch_key = "model|a";
  tasks[0].config.retry_delay_ms = 1500;
  tasks[0].config.deadline_ms = 30'000;
  tasks[1].id = "b";  // all defaults: one byte of tags
  std::string bytes;
  encode_put(bytes, 42, "queue", tasks, 2);
  Record r = decode_one(bytes);
  ASSERT_EQ(r.tasks.size(), 2u);
  const TaskConfig& c = r.tasks[0].config;
  EXPECT_EQ(c.priority, -1000);
  EXPECT_EQ(c.cost, 0.25);
  EXPECT_EQ(c.batch_key, "model|a");
  EXPECT_EQ(c.retry_delay_ms, 1500);
  EXPECT_EQ(c.deadline_ms, 30'000);
  EXPECT_TRUE(r.tasks[1].config.v2_defaults());
}

TEST(LogRecord, SnapshotTaskRoundTripsTheVersion2Fields) {
  TaskImage image;
  image.queue = "q";
  image.id = "t";
  image.state = 2;
  image.deadline = 77;
  image.priority = 7;
  image.cost = 3.5;
  image.batch_key = "k";
  image.retry_delay_ms = 10;
  image.expires_at = 1'000'000;
  std::string bytes;
  encode_snap_task(bytes, 5, image);
  Record r = decode_one(bytes);
  EXPECT_EQ(r.task_image.priority, 7);
  EXPECT_EQ(r.task_image.cost, 3.5);
  EXPECT_EQ(r.task_image.batch_key, "k");
  EXPECT_EQ(r.task_image.retry_delay_ms, 10);
  EXPECT_EQ(r.task_image.expires_at, 1'000'000);
  EXPECT_EQ(r.task_image.lease_start_ms, std::nullopt);  // not written when not known
  image.lease_start_ms = 1'700'000'000'123;
  bytes.clear();
  encode_snap_task(bytes, 5, image);
  EXPECT_EQ(decode_one(bytes).task_image.lease_start_ms, 1'700'000'000'123);  // tag 12
}

TEST(LogRecord, RefusesAnUnknownTagAndAnOutOfRangeField) {
  NewTask task;
  task.id = "a";
  task.config.priority = 5;
  std::string bytes;
  encode_put(bytes, 1, "q", &task, 1);
  // The priority tag (1) is the first tag after the v1 fields; make it tag 99.
  std::string unknown = bytes;
  std::size_t tag_at = unknown.size() - 1 /*end*/ - 8 /*value*/ - 4 /*length*/ - 1 /*tag*/;
  ASSERT_EQ(unknown[tag_at], 1);
  unknown[tag_at] = 99;
  std::string payload = unknown.substr(kFrameHeader);
  auto crc = crc32c(payload);
  for (int i = 0; i < 4; ++i) unknown[4 + i] = static_cast<char>(crc >> (8 * i));
  Record r;
  EXPECT_EQ(decode_frame(unknown, r).status, DecodeStatus::bad_record);
  task.config.priority = 1001;
  std::string out_of_range;
  encode_put(out_of_range, 1, "q", &task, 1);
  EXPECT_EQ(decode_frame(out_of_range, r).status, DecodeStatus::bad_record);
}

TEST(LogRecord, EveryOtherTypeRoundTrips) {
  std::string b;
  encode_acquire(b, 1, "q", {"x", "y"}, 500);
  Record r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::acquire);
  EXPECT_EQ(r.ids, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(r.lease_ms, 500);

  b.clear();
  encode_take(b, 2, "q", 7, 0);
  r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::take);
  EXPECT_EQ(r.size, 7u);

  b.clear();
  encode_reply(b, 3, "q", "id", TaskResult{"[1]", "out"});
  r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::reply);
  EXPECT_EQ(r.id, "id");
  EXPECT_EQ(r.result.info, "[1]");
  EXPECT_EQ(r.result.content, "out");

  b.clear();
  encode_reply_batch(b, 8, "q", {TaskReply{"a", TaskResult{"[1]", "out"}}, TaskReply{"b", {}}});
  r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::reply_batch);
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_EQ(r.replies[0].id, "a");
  EXPECT_EQ(r.replies[0].result.info, "[1]");
  EXPECT_EQ(r.replies[0].result.content, "out");
  EXPECT_EQ(r.replies[1].id, "b");
  EXPECT_EQ(r.replies[1].result.info, "null");

  b.clear();
  encode_touch(b, 4, "q", "id", 900);
  r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::touch);
  EXPECT_EQ(r.lease_ms, 900);

  b.clear();
  encode_remove(b, 5, "q", "id");
  EXPECT_EQ(decode_one(b).type, RecordType::remove);
  b.clear();
  encode_clear(b, 6, "q");
  EXPECT_EQ(decode_one(b).queue, "q");
  b.clear();
  encode_tick(b, -7);
  EXPECT_EQ(decode_one(b).now, -7);

  b.clear();
  TaskImage t;
  t.queue = "q";
  t.id = "i";
  t.state = 2;
  t.cursor = Cursor{10, 3};
  t.deadline = 99;
  t.attempts = 2;
  t.dead_letter_to = "d";
  encode_snap_task(b, 8, t);
  r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::snap_task);
  EXPECT_EQ(r.task_image.cursor, (Cursor{10, 3}));
  EXPECT_EQ(r.task_image.deadline, 99);
  EXPECT_EQ(r.task_image.dead_letter_to, "d");

  b.clear();
  QueueImage q;
  q.name = "q";
  q.last_cursor = Cursor{5, 5};
  q.total_dead = 11;
  encode_snap_queue(b, 9, q);
  r = decode_one(b);
  EXPECT_EQ(r.queue_image.total_dead, 11u);
  EXPECT_EQ(r.queue_image.last_cursor, (Cursor{5, 5}));
}

TEST(LogRecord, TakeWithOptionsRoundTrips) {
  std::string b;
  TakeOptions options;
  options.max_cost = 2.5;
  options.batch_key = "model-a";
  options.group_by_key = true;
  encode_take_v2(b, 2, "q", 7, 300, options);
  Record r = decode_one(b);
  EXPECT_EQ(r.type, RecordType::take_v2);
  EXPECT_EQ(r.queue, "q");
  EXPECT_EQ(r.size, 7u);
  EXPECT_EQ(r.lease_ms, 300);
  EXPECT_EQ(r.take_options, options);
  b.clear();
  TakeOptions only_cost;
  only_cost.max_cost = 1e9;
  encode_take_v2(b, 3, "q", 1, 0, only_cost);
  EXPECT_EQ(decode_one(b).take_options, only_cost);
}

// The fuzz driver's seeds of record 15 (tests/fuzz/corpus/log_record) are frames this
// decoder accepts, so mutations start from a valid take_v2.
TEST(LogRecord, TheTakeWithOptionsFuzzSeedsDecode) {
  for (const char* name : {"frame-09-type15.bin", "frame-10-type15.bin"}) {
    std::ifstream in(std::string(TC_SOURCE_DIR) + "/tests/fuzz/corpus/log_record/" + name,
                     std::ios::binary);
    std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(frame.empty()) << name;
    Record r;
    auto decoded = decode_frame(frame, r);
    ASSERT_EQ(decoded.status, DecodeStatus::ok) << name << ": " << decoded.message;
    EXPECT_EQ(decoded.frame_size, frame.size()) << name;
    EXPECT_EQ(r.type, RecordType::take_v2) << name;
  }
}

TEST(LogRecord, DecodesFramesOneAfterAnother) {
  std::string b;
  encode_remove(b, 1, "q", "a");
  encode_clear(b, 2, "q");
  Record r;
  auto first = decode_frame(b, r);
  ASSERT_EQ(first.status, DecodeStatus::ok);
  EXPECT_EQ(r.type, RecordType::remove);
  auto second = decode_frame(std::string_view(b).substr(first.frame_size), r);
  ASSERT_EQ(second.status, DecodeStatus::ok);
  EXPECT_EQ(r.type, RecordType::clear);
  EXPECT_EQ(first.frame_size + second.frame_size, b.size());
}

TEST(LogRecord, ReportsACutFrameAsTruncated) {
  std::string b;
  encode_reply(b, 3, "q", "id", TaskResult{"[1]", "out"});
  Record r;
  for (std::size_t cut = 0; cut < b.size(); ++cut)
    EXPECT_EQ(decode_frame(std::string_view(b).substr(0, cut), r).status, DecodeStatus::truncated)
        << cut;
}

TEST(LogRecord, ReportsAFlippedBitAsABadChecksum) {
  std::string b;
  encode_reply(b, 3, "q", "id", TaskResult{"[1]", "out"});
  Record r;
  for (std::size_t i = kFrameHeader; i < b.size(); ++i) {
    std::string damaged = b;
    damaged[i] ^= 0x10;
    EXPECT_EQ(decode_frame(damaged, r).status, DecodeStatus::bad_checksum) << i;
  }
}

TEST(LogRecord, RefusesUnknownVersionsAndTypes) {
  // A frame with a valid checksum around an unknown version / type.
  auto frame = [](std::string payload) {
    std::string b(kFrameHeader, '\0');
    auto len = static_cast<std::uint32_t>(payload.size());
    auto crc = crc32c(payload);
    for (int i = 0; i < 4; ++i) {
      b[i] = static_cast<char>(len >> (8 * i));
      b[4 + i] = static_cast<char>(crc >> (8 * i));
    }
    return b + payload;
  };
  Record r;
  auto newer = decode_frame(frame(std::string("\x03\x01", 2) + std::string(8, '\0')), r);
  EXPECT_EQ(newer.status, DecodeStatus::bad_record);
  EXPECT_NE(newer.message.find("version"), std::string::npos);
  auto unknown = decode_frame(frame(std::string("\x01\x63", 2) + std::string(8, '\0')), r);
  EXPECT_EQ(unknown.status, DecodeStatus::bad_record);
  // Fields that overrun the payload.
  auto overrun = decode_frame(frame(std::string("\x01\x07", 2) + std::string(8, '\0') + "\xff"), r);
  EXPECT_EQ(overrun.status, DecodeStatus::bad_record);
}

}  // namespace
}  // namespace tc::log
