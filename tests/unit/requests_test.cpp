#include "http/requests.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/base64.hpp"
#include "http/json_span.hpp"

namespace tc {
namespace {

// Asserts that `result` is a 0002 whose message mentions `needle` (the field name).
template <class T>
void expect_bad(const Result<T>& result, std::string_view needle, std::string_view body) {
  ASSERT_FALSE(result.ok()) << "accepted: " << body;
  EXPECT_EQ(result.error().code, Errc::bad_request) << body;
  EXPECT_NE(result.error().message.find(needle), std::string::npos)
      << "message \"" << result.error().message << "\" does not mention " << needle
      << " for body " << body;
}

// ---------------------------------------------------------------- put

TEST(ParsePut, ReadsEveryField) {
  auto r = parse_put(R"({"queue":"q","id":"t1","info":{"a":1},"content":"Zm9v",
      "config":{"cache_result_time":3,"forward_result_to":"q-result","max_attempts":5,
                "dead_letter_to":"dead","delay":1.5}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "q");
  EXPECT_EQ(r->task.id, "t1");
  EXPECT_EQ(r->task.info, R"({"a":1})");
  EXPECT_EQ(r->task.content, "foo");
  EXPECT_EQ(r->task.config.cache_result_ms, 3000);
  EXPECT_EQ(r->task.config.forward_result_to, "q-result");
  EXPECT_EQ(r->task.config.max_attempts, 5u);
  EXPECT_EQ(r->task.config.dead_letter_to, "dead");
  EXPECT_EQ(r->task.config.delay_ms, 1500);
}

TEST(ParsePut, ReadsTheVersion2ConfigFields) {
  auto r = parse_put(R"({"queue":"q","id":"t1","config":{"priority":-1000,"deadline":2.5,
      "cost":0.5,"batch_key":"llama-7b","retry_delay":3}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.config.priority, -1000);
  EXPECT_EQ(r->task.config.deadline_ms, 2500);
  EXPECT_EQ(r->task.config.cost, 0.5);
  EXPECT_EQ(r->task.config.batch_key, "llama-7b");
  EXPECT_EQ(r->task.config.retry_delay_ms, 3000);
  auto defaults = parse_put(R"({"queue":"q","id":"t1","config":{"priority":null,"cost":null,
      "batch_key":null}})");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_TRUE(defaults->task.config.v2_defaults());
  auto whole = parse_put(R"({"queue":"q","id":"t1","config":{"priority":1000.0,"cost":1e9}})");
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole->task.config.priority, 1000);
}

TEST(ParsePut, AppliesDefaults) {
  auto r = parse_put(R"({"queue":"q","id":"t1"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.info, "null");
  EXPECT_EQ(r->task.content, "");
  EXPECT_EQ(r->task.config.cache_result_ms, 60'000);
  EXPECT_FALSE(r->task.config.forward_result_to);
  EXPECT_EQ(r->task.config.max_attempts, 0u);
  EXPECT_FALSE(r->task.config.dead_letter_to);
  EXPECT_EQ(r->task.config.delay_ms, 0);
}

TEST(ParsePut, NullOptionalFieldsTakeDefaults) {
  auto r = parse_put(R"({"queue":"q","id":"t1","info":null,"content":null,"config":{
      "cache_result_time":null,"forward_result_to":null,"max_attempts":null,"dead_letter_to":null,
      "delay":null}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.info, "null");
  EXPECT_EQ(r->task.config.cache_result_ms, 60'000);
  EXPECT_FALSE(r->task.config.forward_result_to);
  auto no_config = parse_put(R"({"queue":"q","id":"t1","config":null})");
  ASSERT_TRUE(no_config.ok());
}

TEST(ParsePut, RefusesADefaultConstructedEmptyBody) {
  // string_view{} holds a null pointer: the parser must not hand it to memcpy (UBSan).
  expect_bad(parse_put(std::string_view{}), "empty", "string_view{}");
}

TEST(ParsePut, IgnoresUnknownFields) {
  auto r = parse_put(R"({"queue":"q","id":"t","future":{"x":[1,2]},"config":{"priority":9}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(ParsePut, KeepsInfoByteForByte) {
  const std::vector<std::string> infos = {
      R"({"a": 1.50})",
      R"({ "nested" : [ 1 , {"b" :"c"} , [ ] , { } ] , "n":-0.0e+1 })",
      R"("with \"escaped\" quotes \\ and \u00e9 and \n")",
      "\"raw \xC3\xA9 utf-8 \xF0\x9F\x98\x80\"",
      R"([1, 2.0, 3e10, -4E-2, true, false, null])",
      R"("ends with backslash \\")",
      R"({"}":"{","]":"[","\"":"\\"})",
      "12345678901234567890",  // fits in uint64
      "true",
      "null",
      "0",
      R"("")",
  };
  for (const auto& info : infos) {
    for (const char* layout : {"{\"queue\":\"q\",\"id\":\"t\",\"info\":%s}",
                               "{ \"info\" :\n\t%s\r\n , \"queue\":\"q\",\"id\":\"t\" }",
                               "{\"queue\":\"q\",\"info\":%s,\"id\":\"t\",\"content\":\"\"}"}) {
      std::string body(layout);
      body.replace(body.find("%s"), 2, info);
      auto r = parse_put(body);
      ASSERT_TRUE(r.ok()) << body << ": " << r.error().message;
      EXPECT_EQ(r->task.info, info) << body;
    }
  }
}

TEST(ParsePut, KeepsNumbersBeyondSimdjsonsRangeInsideInfo) {
  // Valid JSON that simdjson 3.0.1 cannot represent: fine inside info, echoed as sent.
  const std::string info = R"({"big": 123456789012345678901234567890, "huge": [1e400, -2E+999], "s": "1e400"})";
  auto r = parse_put(R"({"queue":"q","id":"t","info": )" + info + "}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.info, info);
  auto batch = parse_put_batch(R"({"queue":"q","tasks":[{"id":"a","info":1e400},{"id":"b","info":[99999999999999999999]}]})");
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->tasks[0].info, "1e400");
  EXPECT_EQ(batch->tasks[1].info, "[99999999999999999999]");
  auto reply = parse_reply(R"({"queue":"q","id":"t","info":-1e999})");
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->result.info, "-1e999");
  // ... but not in any other field, and invalid numbers stay invalid.
  expect_bad(parse_put(R"({"queue":"q","id":"t","info":1e400,"config":{"delay":1e400}})"), "config", "");
  expect_bad(parse_peek(R"({"queue":"q","info":1,"timeout":1e400})"), "timeout", "");
  expect_bad(parse_put(R"({"queue":"q","id":"t","info":[01, 1e400]})"), "\"info\" holds a number that is malformed", "");
  expect_bad(parse_put(R"({"queue":"q","id":"t","info":-1e400x})"), "\"info\" holds a number that is malformed", "");
}

TEST(ParsePut, FindsKeysWrittenWithEscapes) {
  auto r = parse_put(R"({"\u0071ueue":"q","i\u0064":"t","\u0069nfo":{"x": 2 }})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "q");
  EXPECT_EQ(r->task.id, "t");
  EXPECT_EQ(r->task.info, R"({"x": 2 })");
}

TEST(ParsePut, FirstOfDuplicateKeysWinsForEveryField) {
  auto r = parse_put(R"({"queue":"first","id":"a","info":[1],"queue":"second","info":[2],"id":"b"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "first");
  EXPECT_EQ(r->task.id, "a");
  EXPECT_EQ(r->task.info, "[1]");
  // An escaped spelling of a key is the same key.
  auto escaped = parse_put(R"({"queue":"q","id":"t","\u0069nfo":"one","info":"two"})");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->task.info, R"("one")");
  // The first occurrence is used even when a later one would be valid.
  expect_bad(parse_put(R"({"queue":"","queue":"q","id":"t"})"), "queue", "dup");
}

TEST(ParsePut, AcceptsNamesAtTheLimits) {
  const std::string name256(256, 'x');
  auto r = parse_put("{\"queue\":\"" + name256 + "\",\"id\":\"\xE4\xB8\xAD\"}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue.size(), 256u);
  EXPECT_EQ(r->task.id, "\xE4\xB8\xAD");
}

TEST(ParsePut, DecodesLargeContent) {
  std::string bytes(300'000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  auto r = parse_put("{\"queue\":\"q\",\"id\":\"t\",\"content\":\"" + base64_encode(bytes) + "\"}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.content, bytes);
}

TEST(ParsePut, HandlesBodiesAboveTheSharedParserSize) {
  std::string info = "\"" + std::string(2 << 20, 'a') + "\"";
  auto r = parse_put("{\"queue\":\"q\",\"id\":\"t\",\"info\":" + info + "}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->task.info, info);
  // ... and the shared parser still works afterwards.
  ASSERT_TRUE(parse_put(R"({"queue":"q","id":"t"})").ok());
}

struct BadCase {
  std::string body;
  std::string field;  // the message must mention this
};

// Inputs every endpoint that takes a queue must refuse.
std::vector<BadCase> malformed_bodies() {
  return {
      {"", "empty"},
      {"   ", "empty"},
      {"{", "JSON"},
      {"{\"queue\":\"q\"", "JSON"},
      {"{\"queue\":\"q\",}", "JSON"},
      {"{'queue':'q'}", "JSON"},
      {"[]", "object"},
      {"\"q\"", "object"},
      {"null", "object"},
      {"{\"queue\":\"q\"} trailing", "JSON"},
      {"{\"queue\":\"\xFF\"}", "UTF-8"},
      {"{\"queue\":\"a\nb\"}", "control"},
      {"{\"queue\":\"\\ud800\"}", "string"},
      {"{\"x\":1e400,\"queue\":\"q\"}", "\"x\""},
      {"{\"queue\":\"q\",\"big\":123456789012345678901234567890}", "\"big\""},
      {std::string(1100, '[') + std::string(1100, ']'), "1024"},
  };
}

std::vector<BadCase> bad_queue_fields(const std::string& rest) {
  return {
      {"{\"other\":0" + rest + "}", "queue"},
      {"{\"queue\":null" + rest + "}", "queue"},
      {"{\"queue\":\"\"" + rest + "}", "queue"},
      {"{\"queue\":\"" + std::string(257, 'q') + "\"" + rest + "}", "queue"},
      {"{\"queue\":5" + rest + "}", "queue"},
      {"{\"queue\":true" + rest + "}", "queue"},
      {"{\"queue\":[\"q\"]" + rest + "}", "queue"},
      {"{\"queue\":{}" + rest + "}", "queue"},
      {"{\"queue\":\"a\\u0001b\"" + rest + "}", "queue"},
      {"{\"queue\":\"a\\u007fb\"" + rest + "}", "queue"},
      {"{\"queue\":\"tab\\there\"" + rest + "}", "queue"},
  };
}

// Runs `parse` on every case and checks it is refused with a message naming the field.
template <class Parse>
void expect_all_bad(Parse parse, const std::vector<BadCase>& cases) {
  for (const auto& c : cases) expect_bad(parse(c.body), c.field, c.body);
}

TEST(ParsePut, RefusesBadInput) {
  expect_all_bad(parse_put, malformed_bodies());
  expect_all_bad(parse_put, bad_queue_fields(",\"id\":\"t\""));
  const std::string q = R"({"queue":"q",)";
  expect_all_bad(parse_put, {
      {q + R"("info":1})", "id"},
      {q + R"("id":""})", "id"},
      {q + R"("id":7})", "id"},
      {q + "\"id\":\"" + std::string(257, 'i') + "\"}", "id"},
      {q + R"("id":"a\u0000b"})", "id"},
      {q + R"("id":"t","content":"Zg"})", "content"},
      {q + R"("id":"t","content":"Zm9v\n"})", "content"},
      {q + R"("id":"t","content":"Zm9-"})", "content"},
      {q + R"("id":"t","content":5})", "content"},
      {q + R"("id":"t","content":true})", "content"},
      {q + R"("id":"t","config":[]})", "config"},
      {q + R"("id":"t","config":"x"})", "config"},
      {q + R"("id":"t","config":{"cache_result_time":-1}})", "config.cache_result_time"},
      {q + R"("id":"t","config":{"cache_result_time":"60"}})", "config.cache_result_time"},
      {q + R"("id":"t","config":{"cache_result_time":true}})", "config.cache_result_time"},
      {q + R"("id":"t","config":{"cache_result_time":1e30}})", "config.cache_result_time"},
      {q + R"("id":"t","config":{"cache_result_time":18446744073709551615}})", "config.cache_result_time"},
      {q + R"("id":"t","config":{"forward_result_to":""}})", "config.forward_result_to"},
      {q + R"("id":"t","config":{"forward_result_to":3}})", "config.forward_result_to"},
      {q + R"("id":"t","config":{"max_attempts":-1}})", "config.max_attempts"},
      {q + R"("id":"t","config":{"max_attempts":1.5}})", "config.max_attempts"},
      {q + R"("id":"t","config":{"max_attempts":4294967296}})", "config.max_attempts"},
      {q + R"("id":"t","config":{"max_attempts":false}})", "config.max_attempts"},
      {q + R"("id":"t","config":{"dead_letter_to":{}}})", "config.dead_letter_to"},
      {q + R"("id":"t","config":{"delay":-0.5}})", "config.delay"},
      {q + R"("id":"t","config":{"delay":-1}})", "config.delay"},
      {q + R"("id":"t","config":{"priority":1001}})", "config.priority"},
      {q + R"("id":"t","config":{"priority":-1001}})", "config.priority"},
      {q + R"("id":"t","config":{"priority":1.5}})", "config.priority"},
      {q + R"("id":"t","config":{"priority":"5"}})", "config.priority"},
      {q + R"("id":"t","config":{"priority":18446744073709551615}})", "config.priority"},
      {q + R"("id":"t","config":{"deadline":-1}})", "config.deadline"},
      {q + R"("id":"t","config":{"deadline":"1"}})", "config.deadline"},
      {q + R"("id":"t","config":{"cost":0}})", "config.cost"},
      {q + R"("id":"t","config":{"cost":-1}})", "config.cost"},
      {q + R"("id":"t","config":{"cost":1e10}})", "config.cost"},
      {q + R"("id":"t","config":{"cost":true}})", "config.cost"},
      {q + R"("id":"t","config":{"batch_key":""}})", "config.batch_key"},
      {q + R"("id":"t","config":{"batch_key":7}})", "config.batch_key"},
      {q + "\"id\":\"t\",\"config\":{\"batch_key\":\"" + std::string(257, 'k') + "\"}}", "config.batch_key"},
      {q + R"("id":"t","config":{"retry_delay":-2}})", "config.retry_delay"},
      {q + R"("id":"t","config":{"retry_delay":[]}})", "config.retry_delay"},
  });
}

// ---------------------------------------------------------------- put_batch

TEST(ParsePutBatch, ReadsEveryTaskWithItsRawInfo) {
  auto r = parse_put_batch(R"({"queue":"q","tasks":[
      {"id":"a","info": {"k" : "v"} },
      {"info":[1, "]"],"id":"b","content":"Zm8=","config":{"delay":2}},
      {"id":"c"}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tasks.size(), 3u);
  EXPECT_EQ(r->tasks[0].id, "a");
  EXPECT_EQ(r->tasks[0].info, R"({"k" : "v"})");
  EXPECT_EQ(r->tasks[1].info, R"([1, "]"])");
  EXPECT_EQ(r->tasks[1].content, "fo");
  EXPECT_EQ(r->tasks[1].config.delay_ms, 2000);
  EXPECT_EQ(r->tasks[2].info, "null");
}

TEST(ParsePutBatch, AcceptsAThousandTasks) {
  std::string body = R"({"queue":"q","tasks":[)";
  for (int i = 0; i < 1000; ++i) {
    body += i ? R"(,{"id":")" : R"({"id":")";
    body += std::to_string(i);
    body += R"(","info":)";
    body += std::to_string(i);
    body += "}";
  }
  body += "]}";
  auto r = parse_put_batch(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tasks.size(), 1000u);
  EXPECT_EQ(r->tasks[999].id, "999");
  EXPECT_EQ(r->tasks[999].info, "999");
}

TEST(ParsePutBatch, RefusesBadInput) {
  expect_all_bad(parse_put_batch, malformed_bodies());
  expect_all_bad(parse_put_batch, bad_queue_fields(",\"tasks\":[{\"id\":\"t\"}]"));
  std::string thousand_and_one = R"({"queue":"q","tasks":[)";
  for (int i = 0; i < 1001; ++i) thousand_and_one += i ? R"(,{"id":"x"})" : R"({"id":"x"})";
  thousand_and_one += "]}";
  expect_all_bad(parse_put_batch, {
      {R"({"queue":"q"})", "tasks"},
      {R"({"queue":"q","tasks":null})", "tasks"},
      {R"({"queue":"q","tasks":[]})", "tasks"},
      {R"({"queue":"q","tasks":{}})", "tasks"},
      {thousand_and_one, "tasks"},
      {R"({"queue":"q","tasks":[{"id":"a"},5]})", "tasks[1]"},
      {R"({"queue":"q","tasks":[{"id":"a"},{"info":1}]})", "tasks[1].id"},
      {R"({"queue":"q","tasks":[{"id":"a","content":"!"}]})", "tasks[0].content"},
      {R"({"queue":"q","tasks":[{"id":"a"},{"id":"b","config":{"delay":-1}}]})", "tasks[1].config.delay"},
  });
}

// ---------------------------------------------------------------- peek

TEST(ParsePeek, ReadsFieldsAndDefaults) {
  auto r = parse_peek(R"({"queue":"q"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size, 1u);
  EXPECT_EQ(r->timeout_ms, 0);
  EXPECT_EQ(r->batch_window_ms, 0);
  EXPECT_FALSE(r->cursor);
  auto full = parse_peek(R"({"queue":"q","cursor":"17-3","size":1000,"timeout":2.5,"batch_window":0.01})");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->cursor, (Cursor{17, 3}));
  EXPECT_EQ(full->size, 1000u);
  EXPECT_EQ(full->timeout_ms, 2500);
  EXPECT_EQ(full->batch_window_ms, 10);
  EXPECT_FALSE(parse_peek(R"({"queue":"q","cursor":null})")->cursor);
  EXPECT_FALSE(parse_peek(R"({"queue":"q","cursor":""})")->cursor);
  EXPECT_EQ(parse_peek(R"({"queue":"q","cursor":"5"})")->cursor, (Cursor{5, 0}));
  EXPECT_EQ(parse_peek(R"({"queue":"q","size":10.0})")->size, 10u);
  // A huge long-poll timeout within the accepted range is capped later by the service.
  EXPECT_EQ(parse_peek(R"({"queue":"q","timeout":86400})")->timeout_ms, 86'400'000);
}

TEST(ParsePeek, RefusesBadInput) {
  expect_all_bad(parse_peek, malformed_bodies());
  expect_all_bad(parse_peek, bad_queue_fields(""));
  const std::string q = R"({"queue":"q",)";
  expect_all_bad(parse_peek, {
      {q + R"("cursor":"abc"})", "cursor"},
      {q + R"("cursor":"1-2-3"})", "cursor"},
      {q + R"("cursor":5})", "cursor"},
      {q + R"("cursor":["1-0"]})", "cursor"},
      {q + R"("size":0})", "size"},
      {q + R"("size":1001})", "size"},
      {q + R"("size":-1})", "size"},
      {q + R"("size":2.5})", "size"},
      {q + R"("size":"10"})", "size"},
      {q + R"("size":true})", "size"},
      {q + R"("size":1e30})", "size"},
      {q + R"("timeout":-1})", "timeout"},
      {q + R"("timeout":-0.001})", "timeout"},
      {q + R"("timeout":1e30})", "timeout"},
      {q + R"("timeout":1e400})", "timeout"},
      {q + R"("timeout":true})", "timeout"},
      {q + R"("timeout":"5"})", "timeout"},
      {q + R"("batch_window":-2})", "batch_window"},
      {q + R"("batch_window":[]})", "batch_window"},
  });
}

// ---------------------------------------------------------------- acquire / take / touch

TEST(ParseAcquire, ReadsFields) {
  auto r = parse_acquire(R"({"queue":"q","ids":["a","b","a"],"promise_reply_time":15})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ids, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(r->lease_ms, 15'000);
  auto zero = parse_acquire(R"({"queue":"q","ids":["a"],"promise_reply_time":0})");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->lease_ms, 0);
}

TEST(ParseAcquire, RefusesBadInput) {
  expect_all_bad(parse_acquire, malformed_bodies());
  expect_all_bad(parse_acquire, bad_queue_fields(",\"ids\":[\"a\"],\"promise_reply_time\":1"));
  std::string many = R"({"queue":"q","promise_reply_time":1,"ids":[)";
  for (int i = 0; i < 1001; ++i) many += (i ? ",\"x\"" : "\"x\"");
  many += "]}";
  const std::string q = R"({"queue":"q","promise_reply_time":1,)";
  expect_all_bad(parse_acquire, {
      {R"({"queue":"q","promise_reply_time":1})", "ids"},
      {q + R"("ids":[]})", "ids"},
      {q + R"("ids":"a"})", "ids"},
      {q + R"("ids":null})", "ids"},
      {many, "ids"},
      {q + R"("ids":["a",1]})", "ids[1]"},
      {q + R"("ids":["a",""]})", "ids[1]"},
      {q + R"("ids":["a\u0002"]})", "ids[0]"},
      {R"({"queue":"q","ids":["a"]})", "promise_reply_time"},
      {R"({"queue":"q","ids":["a"],"promise_reply_time":null})", "promise_reply_time"},
      {R"({"queue":"q","ids":["a"],"promise_reply_time":-1})", "promise_reply_time"},
      {R"({"queue":"q","ids":["a"],"promise_reply_time":false})", "promise_reply_time"},
      {R"({"queue":"q","ids":["a"],"promise_reply_time":1e30})", "promise_reply_time"},
  });
}

TEST(ParseTake, ReadsFieldsAndDefaults) {
  auto r = parse_take(R"({"queue":"q","promise_reply_time":0.0001})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size, 1u);
  EXPECT_EQ(r->lease_ms, 1);  // a positive time never rounds down to 0
  EXPECT_EQ(r->timeout_ms, 0);
  auto full = parse_take(R"({"queue":"q","size":50,"timeout":3,"promise_reply_time":30,"batch_window":0.2})");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->size, 50u);
  EXPECT_EQ(full->timeout_ms, 3000);
  EXPECT_EQ(full->lease_ms, 30'000);
  EXPECT_EQ(full->batch_window_ms, 200);
}

TEST(ParseTake, RefusesBadInput) {
  expect_all_bad(parse_take, malformed_bodies());
  expect_all_bad(parse_take, bad_queue_fields(",\"promise_reply_time\":1"));
  expect_all_bad(parse_take, {
      {R"({"queue":"q"})", "promise_reply_time"},
      {R"({"queue":"q","promise_reply_time":1,"size":0})", "size"},
      {R"({"queue":"q","promise_reply_time":1,"timeout":-3})", "timeout"},
      {R"({"queue":"q","promise_reply_time":1,"batch_window":true})", "batch_window"},
  });
}

TEST(ParseTouch, ReadsFieldsAndRefusesBadInput) {
  auto r = parse_touch(R"({"queue":"q","id":"t","promise_reply_time":60})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "t");
  EXPECT_EQ(r->lease_ms, 60'000);
  expect_all_bad(parse_touch, malformed_bodies());
  expect_all_bad(parse_touch, bad_queue_fields(",\"id\":\"t\",\"promise_reply_time\":1"));
  expect_all_bad(parse_touch, {
      {R"({"queue":"q","promise_reply_time":1})", "id"},
      {R"({"queue":"q","id":"t"})", "promise_reply_time"},
      {R"({"queue":"q","id":"t","promise_reply_time":-5})", "promise_reply_time"},
  });
}

// ---------------------------------------------------------------- reply / call / remove

TEST(ParseReply, ReadsFields) {
  auto r = parse_reply(R"({"queue":"q","id":"t","info":  {"r": [1.0, "x"]}  ,"content":"YmFy"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->result.info, R"({"r": [1.0, "x"]})");
  EXPECT_EQ(r->result.content, "bar");
  auto bare = parse_reply(R"({"queue":"q","id":"t"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->result.info, "null");
  EXPECT_EQ(bare->result.content, "");
}

TEST(ParseReply, RefusesBadInput) {
  expect_all_bad(parse_reply, malformed_bodies());
  expect_all_bad(parse_reply, bad_queue_fields(",\"id\":\"t\""));
  expect_all_bad(parse_reply, {
      {R"({"queue":"q"})", "id"},
      {R"({"queue":"q","id":"t","content":"@@@@"})", "content"},
      {R"({"queue":"q","id":"t","info":nul})", "JSON"},
  });
}

TEST(ParseCall, ReadsFields) {
  auto r = parse_call(R"({"queue":"q","id":"t","info":{"p":1},"content":"","config":{"cache_result_time":3},"timeout":10})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "q");
  EXPECT_EQ(r->task.id, "t");
  EXPECT_EQ(r->task.info, R"({"p":1})");
  EXPECT_EQ(r->task.config.cache_result_ms, 3000);
  EXPECT_EQ(r->timeout_ms, 10'000);
  auto check = parse_call(R"({"queue":"q","id":"t","timeout":0})");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->timeout_ms, 0);
}

TEST(ParseCall, RefusesBadInput) {
  expect_all_bad(parse_call, malformed_bodies());
  expect_all_bad(parse_call, bad_queue_fields(",\"id\":\"t\",\"timeout\":1"));
  expect_all_bad(parse_call, {
      {R"({"queue":"q","timeout":1})", "id"},
      {R"({"queue":"q","id":"t"})", "timeout"},
      {R"({"queue":"q","id":"t","timeout":-1})", "timeout"},
      {R"({"queue":"q","id":"t","timeout":true})", "timeout"},
      {R"({"queue":"q","id":"t","timeout":1,"config":{"delay":"soon"}})", "config.delay"},
  });
}

TEST(ParseRemove, ReadsFieldsAndRefusesBadInput) {
  auto r = parse_remove(R"({"queue":"q","id":"t"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "q");
  EXPECT_EQ(r->id, "t");
  expect_all_bad(parse_remove, malformed_bodies());
  expect_all_bad(parse_remove, bad_queue_fields(",\"id\":\"t\""));
  expect_all_bad(parse_remove, {{R"({"queue":"q"})", "id"}, {R"({"queue":"q","id":[]})", "id"}});
}

// ---------------------------------------------------------------- queues

TEST(ParseClearQueue, ReadsBounds) {
  EXPECT_EQ(parse_clear_queue(R"({"queue":"q"})")->max_steps, 0u);
  EXPECT_EQ(parse_clear_queue(R"({"queue":"q","iter_num":3,"step_size":100})")->max_steps, 300u);
  EXPECT_EQ(parse_clear_queue(R"({"queue":"q","step_size":100})")->max_steps, 100u);
  EXPECT_EQ(parse_clear_queue(R"({"queue":"q","iter_num":1000000,"step_size":1000000})")->max_steps,
            UINT32_MAX);
  expect_all_bad(parse_clear_queue, malformed_bodies());
  expect_all_bad(parse_clear_queue, bad_queue_fields(""));
  expect_all_bad(parse_clear_queue, {
      {R"({"queue":"q","iter_num":0})", "iter_num"},
      {R"({"queue":"q","iter_num":-1})", "iter_num"},
      {R"({"queue":"q","step_size":"5"})", "step_size"},
      {R"({"queue":"q","step_size":1e30})", "step_size"},
  });
}

TEST(ParseListQueue, ReadsFieldsAndDefaults) {
  auto r = parse_list_queue("{}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->cursor);
  EXPECT_EQ(r->size, 100u);
  auto page = parse_list_queue(R"({"cursor":"queue-b","size":2})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->cursor, "queue-b");
  EXPECT_EQ(page->size, 2u);
  EXPECT_FALSE(parse_list_queue(R"({"cursor":null})")->cursor);
  EXPECT_FALSE(parse_list_queue(R"({"cursor":""})")->cursor);
  expect_all_bad(parse_list_queue, {
      {"", "empty"},
      {"[]", "object"},
      {R"({"cursor":5})", "cursor"},
      {"{\"cursor\":\"" + std::string(1025, 'c') + "\"}", "cursor"},
      {R"({"size":0})", "size"},
      {R"({"size":1001})", "size"},
  });
}

TEST(ParseStatQueue, ReadsQueueAndRefusesBadInput) {
  auto r = parse_stat_queue(R"({"queue":"q"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->queue, "q");
  expect_all_bad(parse_stat_queue, malformed_bodies());
  expect_all_bad(parse_stat_queue, bad_queue_fields(""));
}

// ---------------------------------------------------------------- helpers

TEST(SecondsToMs, RoundsFractionsUpButNotRoundingNoise) {
  EXPECT_EQ(seconds_to_ms(0), 0);
  EXPECT_EQ(seconds_to_ms(0.0001), 1);
  EXPECT_EQ(seconds_to_ms(0.001), 1);
  EXPECT_EQ(seconds_to_ms(1.1), 1100);
  EXPECT_EQ(seconds_to_ms(0.29), 290);
  EXPECT_EQ(seconds_to_ms(2.0005), 2001);
  EXPECT_EQ(seconds_to_ms(1e9), 1'000'000'000'000);
}

TEST(JsonSpan, FindsRawMembersAndElements) {
  std::vector<json::RawMember> members;
  ASSERT_TRUE(json::object_members(R"( { "a" : 1 , "b\"" : "x\\" , "c":[{"d":"]"}] } )", members));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[1].key, R"("b\"")");
  EXPECT_EQ(members[1].value, R"("x\\")");
  EXPECT_EQ(members[2].value, R"([{"d":"]"}])");
  std::vector<std::string_view> elements;
  ASSERT_TRUE(json::array_elements("[1,\"a,b\" , {}, [[]]]", elements));
  EXPECT_EQ(elements, (std::vector<std::string_view>{"1", "\"a,b\"", "{}", "[[]]"}));
  EXPECT_FALSE(json::member_value("{\"a\":1}", 1));
}

TEST(JsonSpan, NeverReadsPastTheEndOfTruncatedText) {
  const std::string full = R"({"a":[1,{"b":"c\"d"}],"e":"f\\"})";
  std::vector<json::RawMember> members;
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::string cut = full.substr(0, n);  // its own allocation: ASan catches overreads
    EXPECT_FALSE(json::object_members(cut, members)) << cut;
  }
  EXPECT_TRUE(json::object_members(full, members));
}

}  // namespace
}  // namespace tc
