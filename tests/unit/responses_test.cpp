// The response encoders of responses.cpp that are not covered through api_test: the two
// shapes of a successful call's data (--call-data).
#include "http/responses.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TaskResult result_of(std::string info, std::string content) {
  TaskResult result;
  result.info = std::move(info);
  result.content = std::move(content);
  return result;
}

TEST(CallResult, ListIsTheDefaultShape) {
  auto body = responses::call_result("job \"1\"", result_of(R"({"ok":true})", "hi"));
  EXPECT_EQ(body, R"({"err_code":"0000","data":[{"id":"job \"1\"","result_info":{"ok":true},)"
                  R"("result_content":"aGk="}]})");
  EXPECT_EQ(body, responses::call_result("job \"1\"", result_of(R"({"ok":true})", "hi"),
                                         CallDataShape::list));
}

TEST(CallResult, ObjectShapeIsTheResultItself) {
  EXPECT_EQ(responses::call_result("a", result_of("null", ""), CallDataShape::object),
            R"({"err_code":"0000","data":{"id":"a","result_info":null,"result_content":""}})");
  EXPECT_EQ(responses::call_result("b", result_of("[1,2]", std::string("\xff\x00", 2)),
                                   CallDataShape::object),
            R"({"err_code":"0000","data":{"id":"b","result_info":[1,2],"result_content":"/wA="}})");
}

TEST(CallResult, NoResultIsNullInBothShapes) {
  for (auto shape : {CallDataShape::list, CallDataShape::object})
    EXPECT_EQ(responses::call_result("a", std::nullopt, shape), R"({"err_code":"0000","data":null})");
}

}  // namespace
}  // namespace tc
