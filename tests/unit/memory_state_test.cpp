// MemoryState's task nodes and id index: a task's bytes live inside its node, the index
// grows and shrinks its buckets, a cached result may move the task to a new node. These
// tests drive those paths through the public API (the conformance suite covers the
// contract itself).
#include "store/memory/memory_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc::test {
namespace {

using memory::MemoryState;
using memory::TaskState;

NewTask task(std::string id, std::string info = "null", std::string content = "",
             TaskConfig config = {}) {
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

std::string id_of(int i) { return "id-" + std::to_string(i); }

// Thousands of tasks make the index double its buckets many times, removing them halves
// them again; every id must be found (or not) throughout.
TEST(MemoryStateIndex, FindsEveryTaskWhileGrowingAndShrinking) {
  MemoryState state;
  constexpr int kTasks = 5000;
  for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(state.put(0, "q", task(id_of(i))));
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(state.task_state("q", id_of(i)), TaskState::pending) << i;
    ASSERT_FALSE(state.put(0, "q", task(id_of(i)))) << "duplicate " << i;
  }
  EXPECT_EQ(state.task_state("q", "absent"), std::nullopt);
  for (int i = 0; i < kTasks; i += 2) ASSERT_TRUE(state.remove(0, "q", id_of(i)));
  for (int i = 0; i < kTasks; ++i) {
    if (i % 2 == 0) {
      ASSERT_EQ(state.task_state("q", id_of(i)), std::nullopt) << i;
    } else {
      ASSERT_EQ(state.task_state("q", id_of(i)), TaskState::pending) << i;
    }
  }
  auto taken = state.take(0, "q", kTasks, 0);
  ASSERT_EQ(taken.size(), static_cast<std::size_t>(kTasks / 2));
  EXPECT_EQ(taken.front().id, id_of(1));
  EXPECT_EQ(taken.back().id, id_of(kTasks - 1));
  EXPECT_EQ(state.task_count(), 0u);
  EXPECT_EQ(state.live_bytes(), 0u);
  // The same ids can come back once their tasks are gone.
  for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(state.put(0, "q", task(id_of(i))));
  EXPECT_EQ(state.task_count(), static_cast<std::size_t>(kTasks));
}

// id, info and content keep their exact bytes (NULs, empty strings, large content).
TEST(MemoryStateNode, KeepsEveryByteOfIdInfoAndContent) {
  MemoryState state;
  std::string binary("a\0b\xff", 4);
  std::string large(100'000, 'x');
  ASSERT_TRUE(state.put(0, "q", task(binary, "{\"k\":1}", binary)));
  ASSERT_TRUE(state.put(0, "q", task("", "", "")));
  ASSERT_TRUE(state.put(0, "q", task("big", "[]", large)));
  auto peeked = state.peek("q", std::nullopt, 10);
  ASSERT_EQ(peeked.size(), 3u);
  EXPECT_EQ(peeked[0].id, binary);
  EXPECT_EQ(peeked[0].info, "{\"k\":1}");
  EXPECT_EQ(peeked[1].id, "");
  EXPECT_EQ(peeked[1].info, "");
  auto taken = state.take(0, "q", 3, 1000);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].id, binary);
  EXPECT_EQ(taken[0].content, binary);
  EXPECT_EQ(taken[1].content, "");
  EXPECT_EQ(taken[2].content, large);
  EXPECT_EQ(taken[2].attempt, 1u);
}

// A cached result replaces info and content: in place when it fits the node, in a new
// node when it is larger or much smaller. Either way the done task is found by id,
// answers call_begin with the result, expires on time and leaves no bytes behind.
TEST(MemoryStateNode, CachesResultsOfEverySize) {
  MemoryState state;
  const std::string content(200, 'c');
  struct Case {
    std::string id;
    std::string info;
    std::string content;
  };
  std::vector<Case> cases = {
      {"same", "null", content},                      // same size: in place
      {"slightly-smaller", "1", std::string(180, 'r')},  // fits: in place
      {"larger", "{\"big\":true}", std::string(5000, 'r')},  // new node
      {"tiny", "0", ""},                              // mostly unused: new node
  };
  TaskConfig cached;
  cached.cache_result_ms = 1000;
  for (const auto& c : cases) ASSERT_TRUE(state.put(0, "q", task(c.id, "null", content, cached)));
  ASSERT_EQ(state.take(0, "q", 10, 5000).size(), cases.size());
  for (const auto& c : cases)
    ASSERT_TRUE(state.reply(10, "q", c.id, TaskResult{c.info, c.content})) << c.id;
  EXPECT_EQ(state.stat_queue("q")->done, cases.size());
  for (const auto& c : cases) {
    EXPECT_EQ(state.task_state("q", c.id), TaskState::done) << c.id;
    EXPECT_FALSE(state.reply(20, "q", c.id, TaskResult{})) << "second reply " << c.id;
    EXPECT_FALSE(state.touch(20, "q", c.id, 100)) << c.id;
    auto begin = state.call_begin(20, "q", task(c.id), true);
    EXPECT_TRUE(begin.exists) << c.id;
    EXPECT_FALSE(begin.created) << c.id;
    ASSERT_TRUE(begin.cached) << c.id;
    EXPECT_EQ(begin.cached->info, c.info) << c.id;
    EXPECT_EQ(begin.cached->content, c.content) << c.id;
  }
  EXPECT_FALSE(state.has_due(1009));
  EXPECT_EQ(state.apply_due(1010), cases.size());
  for (const auto& c : cases) EXPECT_EQ(state.task_state("q", c.id), std::nullopt) << c.id;
  EXPECT_EQ(state.task_count(), 0u);
  EXPECT_EQ(state.live_bytes(), 0u);
}

// A done task that moved to a new node can still be removed, and its queue cleared.
TEST(MemoryStateNode, RemovesAndClearsDoneTasksThatMoved) {
  MemoryState state;
  for (const char* id : {"a", "b"}) ASSERT_TRUE(state.put(0, "q", task(id)));
  state.take(0, "q", 2, 1000);
  ASSERT_TRUE(state.reply(0, "q", "a", TaskResult{"null", std::string(1000, 'r')}));
  ASSERT_TRUE(state.reply(0, "q", "b", TaskResult{"null", std::string(1000, 'r')}));
  EXPECT_TRUE(state.remove(0, "q", "a"));
  EXPECT_EQ(state.task_state("q", "a"), std::nullopt);
  EXPECT_EQ(state.stat_queue("q")->done, 1u);
  state.clear_queue(0, "q");
  EXPECT_EQ(state.task_count(), 0u);
  EXPECT_EQ(state.live_bytes(), 0u);
  EXPECT_FALSE(state.has_due(1'000'000));
}

// Dead-lettering into the task's own queue: the corpse leaves the index before the moved
// task is created, so the task comes back as a fresh one with the same bytes.
TEST(MemoryStateNode, DeadLettersIntoItsOwnQueue) {
  MemoryState state;
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "q";
  ASSERT_TRUE(state.put(0, "q", task("t", "{\"n\":1}", "payload", config)));
  ASSERT_EQ(state.take(0, "q", 1, 100).size(), 1u);
  state.apply_due(100);
  EXPECT_EQ(state.task_state("q", "t"), TaskState::pending);
  EXPECT_EQ(state.stat_queue("q")->total_dead, 1u);
  auto again = state.take(200, "q", 1, 100);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].info, "{\"n\":1}");
  EXPECT_EQ(again[0].content, "payload");
  EXPECT_EQ(again[0].attempt, 1u);
  // The fresh task has no max_attempts: it is redelivered, not dead-lettered again.
  state.apply_due(300);
  EXPECT_EQ(state.task_state("q", "t"), TaskState::pending);
  EXPECT_EQ(state.stat_queue("q")->total_dead, 1u);
}

// Forwarding a result into the task's own queue finds the id still taken (as before
// nodes held their bytes inline): nothing is created.
TEST(MemoryStateNode, ForwardsIntoItsOwnQueueWithoutDuplicating) {
  MemoryState state;
  TaskConfig config;
  config.forward_result_to = "q";
  config.cache_result_ms = 0;
  ASSERT_TRUE(state.put(0, "q", task("t", "null", "", config)));
  state.take(0, "q", 1, 100);
  ASSERT_TRUE(state.reply(0, "q", "t", TaskResult{"1", "r"}));
  EXPECT_EQ(state.task_state("q", "t"), std::nullopt);
  EXPECT_EQ(state.stat_queue("q")->total_put, 1u);
}

struct Images {
  std::vector<std::string> lines;
  void add(const memory::QueueImage& q) {
    lines.push_back("queue " + q.name + " " + q.last_cursor.to_string() + " " +
                    std::to_string(q.total_put) + " " + std::to_string(q.total_replied));
  }
  void add(const memory::TaskImage& t) {
    lines.push_back("task " + t.queue + " " + t.id + " " + t.info + " " + t.content + " " +
                    std::to_string(t.state) + " " + t.cursor.to_string() + " " +
                    std::to_string(t.deadline) + " " + std::to_string(t.cache_result_ms) + " " +
                    std::to_string(t.attempts) + "/" + std::to_string(t.max_attempts) + " " +
                    t.forward_result_to.value_or("-") + " " + t.dead_letter_to.value_or("-") +
                    " v2 " + std::to_string(t.priority) + " " + std::to_string(t.cost) + " " +
                    t.batch_key.value_or("-") + " " + std::to_string(t.retry_delay_ms) + " " +
                    std::to_string(t.expires_at));
  }
};

Images export_of(const MemoryState& state) {
  Images images;
  state.export_images([&](const memory::QueueImage& q) { images.add(q); },
                      [&](const memory::TaskImage& t) { images.add(t); });
  return images;
}

// Snapshot images of every state round-trip: exporting what was restored gives the same
// images (pending tasks carry their cursor, the others their deadline).
TEST(MemoryStateNode, ExportsAndRestoresEveryState) {
  MemoryState state;
  TaskConfig routed;
  routed.forward_result_to = "fwd";
  routed.dead_letter_to = "dlq";
  routed.max_attempts = 3;
  TaskConfig delayed;
  delayed.delay_ms = 500;
  TaskConfig v2;
  v2.priority = -3;
  v2.cost = 2.5;
  v2.batch_key = "k";
  v2.retry_delay_ms = 700;
  v2.deadline_ms = 9000;
  ASSERT_TRUE(state.put(10, "q", task("pending", "1", "a")));
  ASSERT_TRUE(state.put(10, "q", task("pending-v2", "6", "f", v2)));
  ASSERT_TRUE(state.put(10, "q", task("done-v2", "7", "g", v2)));
  ASSERT_EQ(state.acquire(11, "q", {"done-v2"}, 1000).size(), 1u);
  ASSERT_TRUE(state.reply(12, "q", "done-v2", TaskResult{"null", std::string(500, 'x')}));
  ASSERT_TRUE(state.put(10, "q", task("leased", "2", "b", routed)));
  ASSERT_TRUE(state.put(10, "q", task("done", "3", "c")));
  ASSERT_TRUE(state.put(10, "q", task("delayed", "4", "d", delayed)));
  ASSERT_TRUE(state.put(10, "q", task("pending2", "5", "e")));
  ASSERT_EQ(state.acquire(20, "q", {"leased", "done"}, 1000).size(), 2u);
  ASSERT_TRUE(state.reply(30, "q", "done", TaskResult{"{\"ok\":1}", std::string(300, 'r')}));
  Images first = export_of(state);
  ASSERT_EQ(first.lines.size(), 8u);  // one queue, seven tasks
  // The Version 2 fields are kept in every state, a moved done node included.
  std::size_t with_v2 = 0;
  for (const auto& line : first.lines)
    if (line.find(" v2 -3 2.500000 k 700 9010") != std::string::npos) ++with_v2;
  EXPECT_EQ(with_v2, 2u);

  MemoryState restored;
  state.export_images(
      [&](const memory::QueueImage& q) { restored.restore_queue(memory::QueueImage(q)); },
      [&](const memory::TaskImage& t) { ASSERT_TRUE(restored.restore_task(memory::TaskImage(t))); });
  EXPECT_EQ(export_of(restored).lines, first.lines);
  EXPECT_EQ(restored.task_count(), state.task_count());
  EXPECT_EQ(restored.live_bytes(), state.live_bytes());
  // A second restore of the same id is refused and changes nothing.
  memory::TaskImage again;
  again.queue = "q";
  again.id = "leased";
  again.state = static_cast<std::uint8_t>(TaskState::leased);
  again.deadline = 5;
  EXPECT_FALSE(restored.restore_task(std::move(again)));
  EXPECT_EQ(export_of(restored).lines, first.lines);
}

}  // namespace
}  // namespace tc::test
