// Fuzz target for the pure parsers of the HTTP layer: every request parser, the raw-span
// scanner, base64 and the JSON writer, with invariants checked on every input:
//  - a parser either refuses with 0002 or returns values within the documented limits,
//    and any `info` it returns is valid JSON;
//  - base64 accepts only canonical text (decode then encode gives the input back);
//  - the JSON writer always produces a valid JSON string that reads back as its input
//    (when the input is valid UTF-8).
// Built two ways: with clang's libFuzzer (tests/fuzz/run_libfuzzer.sh) and, for CTest, with
// a small deterministic mutation driver (fuzz_driver.cpp) so it runs with g++ and ASan too.
// Seeds: tests/fuzz/corpus/requests/.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "http/json_span.hpp"
#include "http/json_writer.hpp"
#include "http/requests.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

bool valid_json(std::string_view text) {
  static thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  const auto error = parser.parse(padded).error();
  if (error != simdjson::NUMBER_ERROR) return !error;
  // Numbers simdjson cannot represent (1e400) are valid JSON and allowed in info: check
  // the text is one complete JSON value by parsing it as the info of a reply.
  return tc::parse_reply("{\"queue\":\"q\",\"id\":\"i\",\"info\":" + std::string(text) + "}").ok();
}

void check_name(std::string_view name, std::string_view input) {
  if (name.empty() || name.size() > tc::kMaxNameBytes) fail("name length", input);
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) fail("control character in a name", input);
  }
}

void check_task(const tc::NewTask& task, std::string_view input) {
  check_name(task.id, input);
  if (!valid_json(task.info)) fail("info is not valid JSON", input);
  if (task.config.cache_result_ms < 0 || task.config.delay_ms < 0) fail("negative time", input);
}

template <class T>
bool refused_properly(const tc::Result<T>& result, std::string_view input) {
  if (result.ok()) return false;
  if (result.error().code != tc::Errc::bad_request) fail("error other than 0002", input);
  if (result.error().message.empty()) fail("empty message", input);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto r = tc::parse_put(input); !refused_properly(r, input)) {
    check_name(r->queue, input);
    check_task(r->task, input);
  }
  if (auto r = tc::parse_put_batch(input); !refused_properly(r, input)) {
    if (r->tasks.empty() || r->tasks.size() > tc::kMaxListEntries) fail("batch size", input);
    for (const auto& task : r->tasks) check_task(task, input);
  }
  if (auto r = tc::parse_peek(input); !refused_properly(r, input)) {
    if (r->size < 1 || r->size > tc::kMaxListEntries || r->timeout_ms < 0) fail("peek ranges", input);
  }
  if (auto r = tc::parse_acquire(input); !refused_properly(r, input)) {
    if (r->ids.empty() || r->ids.size() > tc::kMaxListEntries) fail("ids size", input);
    for (const auto& id : r->ids) check_name(id, input);
  }
  if (auto r = tc::parse_reply(input); !refused_properly(r, input)) {
    if (!valid_json(r->result.info)) fail("reply info is not valid JSON", input);
  }
  if (auto r = tc::parse_call(input); !refused_properly(r, input)) check_task(r->task, input);
  (void)refused_properly(tc::parse_take(input), input);
  (void)refused_properly(tc::parse_touch(input), input);
  (void)refused_properly(tc::parse_remove(input), input);
  (void)refused_properly(tc::parse_clear_queue(input), input);
  (void)refused_properly(tc::parse_list_queue(input), input);
  (void)refused_properly(tc::parse_stat_queue(input), input);

  // The scanner must stay in bounds on any input.
  std::vector<tc::json::RawMember> members;
  (void)tc::json::object_members(input, members);
  std::vector<std::string_view> elements;
  (void)tc::json::array_elements(input, elements);

  std::string decoded;
  if (tc::base64_decode(input, decoded) && tc::base64_encode(decoded) != input)
    fail("base64 accepted non-canonical text", input);

  std::string written;
  tc::json::append_string(written, input);
  static thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(written);
  std::string_view back;
  if (parser.parse(padded).get_string().get(back)) fail("writer produced invalid JSON", input);
  if (simdjson::validate_utf8(input.data(), input.size()) && back != input)
    fail("writer changed a valid UTF-8 string", input);
  return 0;
}
