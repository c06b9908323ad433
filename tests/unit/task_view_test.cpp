// TaskListCursor's wire form, the get / list_tasks request parsers and the encoding of a
// task view (src/core/task_view.hpp, src/http/requests.hpp, src/http/responses.hpp).
#include <gtest/gtest.h>

#include "core/task_view.hpp"
#include "http/requests.hpp"
#include "http/responses.hpp"

namespace tc {
namespace {

TEST(TaskListCursor, RoundTripsAndRejectsWhatListTasksNeverHandsOut) {
  auto pending = TaskListCursor::parse("p:1700000000000-7");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->state, TaskViewState::pending);
  EXPECT_EQ(pending->to_string(), "p:1700000000000-7");
  EXPECT_EQ(TaskListCursor::parse("p:5")->to_string(), "p:5-0") << "one spelling per position";
  auto leased = TaskListCursor::parse("l:a:b ü");
  ASSERT_TRUE(leased);
  EXPECT_EQ(leased->state, TaskViewState::leased);
  EXPECT_EQ(leased->key, "a:b ü");
  EXPECT_EQ(TaskListCursor::parse("d:x")->state, TaskViewState::delayed);
  EXPECT_EQ(TaskListCursor::parse("f:x")->state, TaskViewState::done);
  for (const char* bad : {"", "p", "p:", "l:", "x:abc", "pp:1-0", "p:abc", "p:-1", "P:1-0"})
    EXPECT_FALSE(TaskListCursor::parse(bad)) << bad;
}

TEST(TaskViewRequests, ParseGet) {
  auto get = parse_get(R"({"queue":"q","id":"a","with_content":true})");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->queue, "q");
  EXPECT_EQ(get->id, "a");
  EXPECT_TRUE(get->with_content);
  EXPECT_FALSE(parse_get(R"({"queue":"q","id":"a","with_content":null})")->with_content);
  EXPECT_FALSE(parse_get(R"({"queue":"q","id":"a","with_content":1})"));
  EXPECT_FALSE(parse_get(R"({"queue":"q"})"));
}

TEST(TaskViewRequests, ParseListTasks) {
  auto all = parse_list_tasks(R"({"queue":"q"})");
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->state);
  EXPECT_FALSE(all->cursor);
  EXPECT_EQ(all->size, 100u);
  auto leased = parse_list_tasks(R"({"queue":"q","state":"leased","cursor":"l:x","size":7})");
  ASSERT_TRUE(leased);
  EXPECT_EQ(leased->state, TaskViewState::leased);
  EXPECT_EQ(leased->cursor->key, "x");
  EXPECT_EQ(leased->size, 7u);
  EXPECT_FALSE(parse_list_tasks(R"({"queue":"q","cursor":""})")->cursor) << "\"\" = first page";
  for (const char* bad :
       {R"({"queue":"q","state":"running"})", R"({"queue":"q","state":3})",
        R"({"queue":"q","cursor":"zz"})", R"({"queue":"q","cursor":7})",
        R"({"queue":"q","state":"done","cursor":"l:x"})", R"({"queue":"q","size":0})",
        R"({"queue":"q","size":1001})", R"({"state":"done"})"}) {
    auto parsed = parse_list_tasks(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, Errc::bad_request);
  }
}

TEST(TaskViewResponses, EncodeEveryField) {
  EXPECT_EQ(responses::task_view(std::nullopt), R"({"err_code":"0000","data":null})");
  TaskView view;
  view.id = "a";
  view.state = TaskViewState::leased;
  view.info = R"({"n":1})";
  view.attempt = 2;
  view.age_ms = 61'250;
  view.lease_left_ms = 5000;
  view.content = std::string("hi");
  EXPECT_EQ(responses::task_view(view),
            R"({"err_code":"0000","data":{"id":"a","state":"leased","info":{"n":1},"priority":0,)"
            R"("batch_key":null,"cost":1,"attempt":2,"age":61.25,"lease_left":5,"content":"aGk="}})");
  TaskView done;
  done.id = "b";
  done.state = TaskViewState::done;
  done.cost = 2.5;
  done.batch_key = "k";
  done.age_ms = 7;
  done.result = TaskResult{"true", "x"};
  TaskPage page;
  page.tasks = {done};
  page.next_cursor = TaskListCursor{TaskViewState::done, "b"};
  EXPECT_EQ(responses::task_page(page),
            R"({"err_code":"0000","data":[{"id":"b","state":"done","info":null,"priority":0,)"
            R"("batch_key":"k","cost":2.5,"attempt":0,"age":0.007,"result_info":true,)"
            R"("result_content":"eA=="}],"cursor":"f:b"})");
}

}  // namespace
}  // namespace tc
