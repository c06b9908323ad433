// A minimal JSON writer for request bodies: objects, arrays, escaped strings, numbers
// and raw JSON (the caller's `info`) spliced in as is. Requests are small and flat, so
// this beats pulling a DOM library into the client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace taskcenter::detail {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  // Writes `json` unchanged; empty text is written as null.
  JsonWriter& raw(std::string_view json);
  // Writes the base64 encoding of `bytes` as a JSON string.
  JsonWriter& base64(std::string_view bytes);
  JsonWriter& number(double value);
  JsonWriter& number(std::uint64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  std::string& str() { return out_; }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

// Appends `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace taskcenter::detail
