// Store conformance, incarnations: call_begin tells which task of an id exists (or was
// created), and that task's on_finished event carries the same tag, on every backend, so
// a call can ignore the late event of the task the id named before (same fixture as
// store_conformance_test.cpp, store_conformance.hpp).
#include <map>
#include <set>
#include <string>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id, std::int64_t cache_result_ms = 5000) {
  TaskConfig config;
  config.cache_result_ms = cache_result_ms;
  return NewTask{std::move(id), "null", "", std::move(config)};
}

}  // namespace

TEST_P(StoreConformance, CallBeginReportsTheIncarnationItsEventsCarry) {
  auto first = call_begin("q", task("a", 0), true);
  ASSERT_TRUE(first.created);
  ASSERT_FALSE(first.incarnation.empty());
  EXPECT_EQ(call_begin("q", task("a", 0), true).incarnation, first.incarnation);  // exists
  EXPECT_EQ(call_begin("q", task("a"), false).incarnation, first.incarnation);
  EXPECT_TRUE(reply("q", "a", "1"));  // cache 0: the id is free at once
  EXPECT_TRUE(eventually([&] { return events_.finished().size() == 1; }));
  EXPECT_EQ(events_.finished()[0].incarnation, first.incarnation);

  // The id's next task is another incarnation; its removal carries the new tag.
  auto second = call_begin("q", task("a"), true);
  ASSERT_TRUE(second.created);
  EXPECT_NE(second.incarnation, first.incarnation);
  EXPECT_TRUE(remove("q", "a"));
  EXPECT_TRUE(eventually([&] { return events_.finished().size() == 2; }));
  EXPECT_EQ(events_.finished()[1].incarnation, second.incarnation);
  EXPECT_FALSE(events_.finished()[1].result);
}

TEST_P(StoreConformance, EveryWayOfEndingATaskCarriesItsIncarnation) {
  // A lease keeps the incarnation; a lease-0 acquire ends the task.
  auto leased = call_begin("q", task("l"), true);
  ASSERT_EQ(acquire("q", {"l"}, 1000).size(), 1u);
  EXPECT_EQ(call_begin("q", task("l"), true).incarnation, leased.incarnation);
  EXPECT_TRUE(reply("q", "l", "2"));
  auto taken = call_begin("q", task("z"), true);
  ASSERT_EQ(acquire("q", {"z"}, 0).size(), 1u);
  auto cleared = call_begin("q", task("c"), true);
  EXPECT_TRUE(clear("q"));
  // A cleared queue that comes back numbers its tasks afresh, yet never repeats a tag.
  auto again = call_begin("q", task("c"), true);
  ASSERT_TRUE(again.created);
  EXPECT_NE(again.incarnation, cleared.incarnation);
  // (The memory store also reports the clearing of the done task "l"; Redis does not.)
  const std::map<std::string, std::string> expected = {
      {"l", leased.incarnation}, {"z", taken.incarnation}, {"c", cleared.incarnation}};
  std::set<std::string> seen;
  EXPECT_TRUE(eventually([&] {
    seen.clear();
    for (const auto& f : events_.finished()) seen.insert(f.id);
    return seen.size() == 3;
  }));
  for (const auto& f : events_.finished()) {
    ASSERT_TRUE(expected.contains(f.id)) << f.id;
    EXPECT_EQ(f.incarnation, expected.at(f.id)) << f.id;
  }
}

TEST_P(StoreConformance, ADeadLetteredTaskIsANewIncarnation) {
  if (no_manual_clock()) return;
  NewTask t = task("a");
  t.config.max_attempts = 1;
  t.config.dead_letter_to = "q";  // its own queue: the same (queue, id) again
  auto first = call_begin("q", std::move(t), true);
  ASSERT_EQ(acquire("q", {"a"}, 1000).size(), 1u);
  advance(1000);
  reap();
  auto dead = call_begin("q", task("a"), false);
  ASSERT_TRUE(dead.exists);
  EXPECT_NE(dead.incarnation, first.incarnation);
  EXPECT_TRUE(eventually([&] { return events_.finished().size() == 1; }));
  EXPECT_EQ(events_.finished()[0].incarnation, first.incarnation);
}

}  // namespace tc::test
