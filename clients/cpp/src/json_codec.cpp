#include "json_codec.hpp"

#include <simdjson.h>

#include "base64.hpp"
#include "taskcenter/errors.hpp"

namespace taskcenter::detail {
namespace od = simdjson::ondemand;
namespace {

// One parser per thread: parsers are not thread-safe and allocate on first use.
od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

[[noreturn]] void protocol_error(std::string what) {
  throw ProtocolError(ErrorCode::protocol, 0, "unexpected response: " + std::move(what));
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// The exact JSON text of a value (consumes it).
std::string_view raw_of(od::value value) {
  switch (value.type()) {
    case od::json_type::object: {
      od::object object = value.get_object();
      return object.raw_json();
    }
    case od::json_type::array: {
      od::array array = value.get_array();
      return array.raw_json();
    }
    default:
      return trim(value.raw_json_token());
  }
}

// `raw` is a slice of a buffer that has at least SIMDJSON_PADDING readable bytes after
// the slice's end (Envelope reserves them), so it can be parsed in place.
od::document parse_slice(std::string_view raw) {
  return thread_parser().iterate(simdjson::padded_string_view(raw.data(), raw.size(), raw.size() + simdjson::SIMDJSON_PADDING));
}

std::string decode_content(std::string_view base64) {
  auto bytes = base64_decode(base64);
  if (!bytes) protocol_error("content is not valid base64");
  return std::move(*bytes);
}

template <class Fn>
auto guarded(std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const simdjson::simdjson_error& e) {
    protocol_error(std::string(what) + ": " + e.what());
  }
}

}  // namespace

Envelope::Envelope(HttpResult response) : body_(std::move(response.body)) {
  int status = response.status;
  body_.reserve(body_.size() + simdjson::SIMDJSON_PADDING);
  std::string err_code;
  std::string message;
  bool is_envelope = false;
  try {
    od::document doc = parse_slice(body_);
    od::object root = doc.get_object();
    for (od::field field : root) {
      std::string_view key = field.unescaped_key();
      if (key == "err_code") {
        err_code = std::string(std::string_view(field.value().get_string()));
        is_envelope = true;
      } else if (key == "message") {
        od::value v = field.value();
        if (v.type() == od::json_type::string) message = std::string(std::string_view(v.get_string()));
      } else if (key == "data" || key == "cursor") {
        std::string_view raw = raw_of(field.value());
        Span span{static_cast<std::size_t>(raw.data() - body_.data()), raw.size()};
        (key == "data" ? data_ : cursor_) = span;
      }
    }
  } catch (const simdjson::simdjson_error&) {
    is_envelope = false;
  }
  if (!is_envelope) {
    std::string excerpt = body_.substr(0, 200);
    if (status == 404 || status == 405) throw NotFound(ErrorCode::not_found, status, "HTTP " + std::to_string(status) + ": " + excerpt);
    throw ProtocolError(ErrorCode::protocol, status, "HTTP " + std::to_string(status) + " without the API envelope: " + excerpt);
  }
  if (err_code == "0000") return;
  if (err_code.size() == 4 && err_code.compare(0, 3, "000") == 0 && err_code[3] >= '1' && err_code[3] <= '8') {
    if (message.empty()) message = "err_code " + err_code;
    throw_error(static_cast<ErrorCode>(err_code[3] - '0'), status, std::move(message));
  }
  throw ProtocolError(ErrorCode::protocol, status, "unknown err_code " + err_code + ": " + message);
}

bool decode_bool(std::string_view raw) {
  raw = trim(raw);
  if (raw == "true") return true;
  if (raw == "false") return false;
  protocol_error("expected true or false, got " + std::string(raw.substr(0, 100)));
}

std::vector<bool> decode_bool_list(std::string_view raw) {
  return guarded("list of booleans", [&] {
    std::vector<bool> out;
    od::document doc = parse_slice(raw);
    for (od::value v : doc.get_array()) out.push_back(v.get_bool());
    return out;
  });
}

std::vector<Task> decode_tasks(std::string_view raw, std::string_view queue) {
  return guarded("list of tasks", [&] {
    std::vector<Task> out;
    if (trim(raw) == "null") return out;
    od::document doc = parse_slice(raw);
    for (od::object item : doc.get_array()) {
      Task task;
      task.queue = std::string(queue);
      for (od::field field : item) {
        std::string_view key = field.unescaped_key();
        od::value v = field.value();
        if (key == "id") {
          task.id = std::string(std::string_view(v.get_string()));
        } else if (key == "info") {
          task.info = std::string(raw_of(v));
        } else if (key == "content") {
          if (v.type() == od::json_type::string) task.content = decode_content(v.get_string());
        } else if (key == "cursor") {
          if (v.type() == od::json_type::string) task.cursor = std::string(std::string_view(v.get_string()));
        } else if (key == "attempt" || key == "attempts") {
          if (v.type() == od::json_type::number) task.attempt = static_cast<std::uint32_t>(std::uint64_t(v.get_uint64()));
        } else if (key == "priority") {
          if (v.type() == od::json_type::number) task.priority = static_cast<std::int32_t>(std::int64_t(v.get_int64()));
        } else if (key == "batch_key") {
          if (v.type() == od::json_type::string) task.batch_key = std::string(std::string_view(v.get_string()));
        } else if (key == "cost") {
          if (v.type() == od::json_type::number) task.cost = double(v.get_double());
        }
      }
      out.push_back(std::move(task));
    }
    return out;
  });
}

namespace {
// {"id","result_info","result_content"}: one call result.
CallResult read_call_result(od::object item) {
  CallResult result;
  for (od::field field : item) {
    std::string_view key = field.unescaped_key();
    od::value v = field.value();
    if (key == "id") {
      result.id = std::string(std::string_view(v.get_string()));
    } else if (key == "result_info") {
      result.info = std::string(raw_of(v));
    } else if (key == "result_content") {
      if (v.type() == od::json_type::string) result.content = decode_content(v.get_string());
    }
  }
  return result;
}
}  // namespace

std::optional<CallResult> decode_call_result(std::string_view raw) {
  return guarded("call result", [&]() -> std::optional<CallResult> {
    if (trim(raw) == "null") return std::nullopt;
    od::document doc = parse_slice(raw);
    // The object itself, as the running original service (and a server started with
    // --call-data object) answers it; else the list of one of the seed's README.
    if (doc.type() == od::json_type::object) return read_call_result(doc.get_object());
    std::optional<CallResult> out;
    for (od::object item : doc.get_array()) {
      CallResult result = read_call_result(item);
      if (!out) out = std::move(result);
    }
    if (!out) protocol_error("call answered an empty list");
    return out;
  });
}

std::vector<std::string> decode_string_list(std::string_view raw) {
  return guarded("list of strings", [&] {
    std::vector<std::string> out;
    if (trim(raw) == "null") return out;
    od::document doc = parse_slice(raw);
    for (od::value v : doc.get_array()) out.emplace_back(std::string_view(v.get_string()));
    return out;
  });
}

std::optional<std::string> decode_optional_string(std::string_view raw) {
  return guarded("string or null", [&]() -> std::optional<std::string> {
    if (trim(raw) == "null") return std::nullopt;
    od::document doc = parse_slice(raw);
    return std::string(std::string_view(doc.get_string()));
  });
}

namespace {

// The members of a settings object (unknown ones are skipped: fields added later).
QueueSettings settings_of(od::object object) {
  QueueSettings settings;
  for (od::field field : object) {
    std::string key(std::string_view(field.unescaped_key()));
    od::value v = field.value();
    if (key == "paused") settings.paused = v.get_bool();
    else if (key == "max_leased") settings.max_leased = static_cast<std::uint32_t>(v.get_double());
    else if (key == "rate") settings.rate = v.get_double();
    else if (key == "burst") settings.burst = v.get_double();
  }
  return settings;
}

}  // namespace

QueueSettings decode_settings(std::string_view raw) {
  return guarded("queue settings", [&]() -> QueueSettings {
    od::document doc = parse_slice(raw);
    return settings_of(doc.get_object());
  });
}

std::optional<QueueStat> decode_stat(std::string_view raw) {
  return guarded("queue statistics", [&]() -> std::optional<QueueStat> {
    if (trim(raw) == "null") return std::nullopt;
    QueueStat stat;
    stat.json = std::string(trim(raw));
    od::document doc = parse_slice(raw);
    for (od::field field : doc.get_object()) {
      std::string key(std::string_view(field.unescaped_key()));
      od::value v = field.value();
      od::json_type type = v.type();
      if (key == "oldest_cursor" || key == "newest_cursor") {
        if (type == od::json_type::string) {
          (key == "oldest_cursor" ? stat.oldest_cursor : stat.newest_cursor) = std::string(std::string_view(v.get_string()));
        }
      } else if (key == "settings" && type == od::json_type::object) {
        stat.settings = settings_of(v.get_object());
      } else if (type == od::json_type::number) {
        double number = v.get_double();
        if (key == "length") stat.length = static_cast<std::uint64_t>(number);
        stat.counters[key] = number;
      }
    }
    return std::optional<QueueStat>(std::move(stat));
  });
}

bool decode_stream_line(std::string line, ProgressEvent& event) {
  return guarded("stream line", [&] {
    line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    od::document doc = parse_slice(line);
    bool progress = false;
    for (od::field field : doc.get_object()) {
      std::string_view key = field.unescaped_key();
      od::value v = field.value();
      if (key == "event") {
        progress = std::string_view(v.get_string()) == "progress";
        if (!progress) return false;
      } else if (key == "seq") {
        event.seq = v.get_uint64();
      } else if (key == "info") {
        event.info = std::string(raw_of(v));
      } else if (key == "content") {
        event.content = decode_content(v.get_string());
      }
    }
    return progress;
  });
}

}  // namespace taskcenter::detail
