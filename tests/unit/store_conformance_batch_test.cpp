// Store conformance, batches: reply_batch answers each reply exactly as reply would, in
// one step, on every backend (same fixture as store_conformance_test.cpp,
// store_conformance.hpp).
#include <string>
#include <vector>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), "null", "", std::move(config)};
}

TaskReply reply_of(std::string id, std::string info = "null", std::string content = "") {
  return TaskReply{std::move(id), TaskResult{std::move(info), std::move(content)}};
}

}  // namespace

TEST_P(StoreConformance, ReplyBatchAnswersEachReplyAsReplyWould) {
  ASSERT_TRUE(put("q", task("pending")));
  ASSERT_TRUE(put("q", task("leased")));
  ASSERT_TRUE(put("q", task("done")));
  ASSERT_EQ(acquire("q", {"leased"}, 60'000).size(), 1u);
  ASSERT_TRUE(reply("q", "done", "\"first\""));
  events_.clear();

  std::vector<TaskReply> replies;
  replies.push_back(reply_of("pending", R"({"r":1})", std::string("\0bin", 4)));
  replies.push_back(reply_of("leased", "2"));
  replies.push_back(reply_of("done", "\"second\""));
  replies.push_back(reply_of("nosuch"));
  replies.push_back(reply_of("pending", "\"again\""));  // repeated: the first wins
  auto answered = run(store_->reply_batch("q", std::move(replies)));
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(*answered, (std::vector<bool>{true, true, false, false, false}));

  auto pending = call_begin("q", task("pending"), false);
  ASSERT_TRUE(pending.cached);
  EXPECT_EQ(pending.cached->info, R"({"r":1})");
  EXPECT_EQ(pending.cached->content, std::string("\0bin", 4));
  EXPECT_EQ(call_begin("q", task("leased"), false).cached->info, "2");
  EXPECT_EQ(call_begin("q", task("done"), false).cached->info, "\"first\"");
  auto stats = stat("q");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->length, 0u);
  EXPECT_EQ(stats->leased, 0u);
  EXPECT_EQ(stats->done, 3u);
  EXPECT_EQ(stats->total_replied, 3u);
  // Each completed task finished once, with its own result.
  EXPECT_TRUE(eventually([&] { return events_.finished().size() == 2; }));
  auto finished = events_.finished();
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished[0].id, "pending");
  EXPECT_EQ(finished[1].id, "leased");
  ASSERT_TRUE(finished[1].result);
  EXPECT_EQ(finished[1].result->info, "2");
}

TEST_P(StoreConformance, ReplyBatchForgetsUncachedTasksAndForwardsResults) {
  TaskConfig forget;
  forget.cache_result_ms = 0;
  TaskConfig forward;
  forward.forward_result_to = "results";
  ASSERT_TRUE(put("q", task("x", forget)));
  ASSERT_TRUE(put("q", task("f", forward)));
  std::vector<TaskReply> replies;
  replies.push_back(reply_of("x", "1"));
  replies.push_back(reply_of("x", "2"));  // the task is gone already: false
  replies.push_back(reply_of("f", "\"fwd\"", "c"));
  auto answered = run(store_->reply_batch("q", std::move(replies)));
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(*answered, (std::vector<bool>{true, false, true}));
  EXPECT_FALSE(call_begin("q", task("x"), false).exists);  // forgotten: the id is free
  EXPECT_TRUE(put("q", task("x")));
  EXPECT_TRUE(eventually([&] { return peek_ids("results") == std::vector<std::string>{"f"}; }));
  auto forwarded = take("results", 1, 0);
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0].info, "\"fwd\"");
  EXPECT_EQ(forwarded[0].content, "c");
}

TEST_P(StoreConformance, ReplyBatchOnAnUnknownQueueAnswersFalseForEachAndCreatesNothing) {
  std::vector<TaskReply> replies;
  replies.push_back(reply_of("a"));
  replies.push_back(reply_of("b"));
  auto answered = run(store_->reply_batch("nosuch", std::move(replies)));
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(*answered, (std::vector<bool>{false, false}));
  EXPECT_FALSE(stat("nosuch"));
}

// put_batch finds an id taken in every state (pending, delayed, leased, done), and an id
// repeated in the batch itself, and changes none of those tasks. (The Redis script asks
// for a batch's ids with one read, where a single put asks with its own write.)
TEST_P(StoreConformance, PutBatchFindsAnIdTakenInAnyStateAndChangesNothing) {
  TaskConfig later;
  later.delay_ms = 60'000;
  ASSERT_TRUE(put("q", task("pending")));
  ASSERT_TRUE(put("q", task("delayed", later)));
  ASSERT_TRUE(put("q", task("leased")));
  ASSERT_TRUE(put("q", task("done")));
  ASSERT_EQ(acquire("q", {"leased"}, 60'000).size(), 1u);
  ASSERT_TRUE(reply("q", "done", "\"result\""));

  std::vector<NewTask> batch;
  for (const char* id : {"pending", "delayed", "leased", "done", "new", "new"}) {
    batch.push_back(NewTask{id, R"({"second":1})", "other", {}});
  }
  auto created = run(store_->put_batch("q", std::move(batch)));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*created, (std::vector<bool>{false, false, false, false, true, false}));

  EXPECT_EQ(peek_ids("q"), (std::vector<std::string>{"pending", "new"}));
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(peeked[0].info, "null");  // the first put's, not the batch's
  EXPECT_EQ(peeked[1].info, R"({"second":1})");
  EXPECT_EQ(call_begin("q", task("done"), false).cached->info, "\"result\"");
  auto stats = stat("q");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->length, 2u);
  EXPECT_EQ(stats->delayed, 1u);
  EXPECT_EQ(stats->leased, 1u);
  EXPECT_EQ(stats->done, 1u);
  EXPECT_EQ(stats->total_put, 5u);
}

}  // namespace tc::test
