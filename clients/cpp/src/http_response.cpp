#include "http_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace taskcenter::detail {
namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

ResponseReader::Status ResponseReader::fail(std::string message) {
  error_ = std::move(message);
  status_ = Status::error;
  return status_;
}

ResponseReader::Status ResponseReader::feed(std::string_view bytes) {
  if (status_ != Status::need_more) {
    if (status_ == Status::done && !bytes.empty()) {
      trailing_bytes_ = true;
      buffer_.append(bytes);  // kept for leftover()
    }
    return status_;
  }
  if (!bytes.empty()) received_any_ = true;
  buffer_.append(bytes);
  return parse();
}

ResponseReader::Status ResponseReader::finish() {
  if (status_ != Status::need_more) return status_;
  if (stage_ == Stage::until_close) {
    body_.append(buffer_, pos_);
    stage_ = Stage::done;
    keep_alive_ = false;
    return status_ = Status::done;
  }
  return fail(buffer_.empty() ? "connection closed before a response"
                              : "connection closed in the middle of a response");
}

bool ResponseReader::parse_head(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT SP reason
  auto line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1.") return false;
  bool http10 = line[7] == '0';
  auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, http_status_);
  if (ec != std::errc() || p != line.data() + 12 || http_status_ < 100) return false;
  keep_alive_ = !http10;

  std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!rest.empty()) {
    auto end = rest.find("\r\n");
    std::string_view field = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
    if (field.empty()) continue;
    auto colon = field.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view name = trim(field.substr(0, colon));
    std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || q != value.data() + value.size()) return false;
      has_length_ = true;
      content_length_ = n;
    } else if (iequals(name, "transfer-encoding")) {
      chunked_ = has_token(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (has_token(value, "close")) keep_alive_ = false;
      if (has_token(value, "keep-alive")) keep_alive_ = true;
    } else if (iequals(name, "content-type")) {
      content_type_ = std::string(value);
    }
  }
  return true;
}

ResponseReader::Status ResponseReader::parse() {
  for (;;) {
    std::string_view rest(buffer_.data() + pos_, buffer_.size() - pos_);
    switch (stage_) {
      case Stage::head: {
        auto end = rest.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (rest.size() > kMaxHeadBytes) return fail("response head too large");
          return Status::need_more;
        }
        if (!parse_head(rest.substr(0, end + 2))) return fail("malformed response head");
        pos_ += end + 4;
        if (http_status_ < 200) {  // 1xx interim response: skip it, read the real one
          http_status_ = 0;
          has_length_ = chunked_ = false;
          continue;
        }
        if (http_status_ == 204 || http_status_ == 304) {
          stage_ = Stage::done;
        } else if (chunked_) {
          stage_ = Stage::chunk_size;
        } else if (has_length_) {
          stage_ = Stage::length_body;
        } else {
          stage_ = Stage::until_close;
          keep_alive_ = false;
        }
        continue;
      }
      case Stage::length_body: {
        if (rest.size() < content_length_) return Status::need_more;
        body_.assign(rest.substr(0, content_length_));
        pos_ += content_length_;
        stage_ = Stage::done;
        continue;
      }
      case Stage::chunk_size: {
        auto end = rest.find("\r\n");
        if (end == std::string_view::npos) return rest.size() > 1024 ? fail("bad chunk size") : Status::need_more;
        std::string_view size_text = rest.substr(0, end);
        size_text = size_text.substr(0, size_text.find(';'));  // drop chunk extensions
        size_text = trim(size_text);
        std::size_t n = 0;
        auto [q, e] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), n, 16);
        if (size_text.empty() || e != std::errc() || q != size_text.data() + size_text.size()) {
          return fail("bad chunk size");
        }
        pos_ += end + 2;
        chunk_remaining_ = n;
        stage_ = n == 0 ? Stage::trailers : Stage::chunk_data;
        continue;
      }
      case Stage::chunk_data: {
        std::size_t n = std::min(chunk_remaining_, rest.size());
        body_.append(rest.substr(0, n));
        pos_ += n;
        chunk_remaining_ -= n;
        if (chunk_remaining_ > 0) return Status::need_more;
        stage_ = Stage::chunk_data_crlf;
        continue;
      }
      case Stage::chunk_data_crlf: {
        if (rest.size() < 2) return Status::need_more;
        if (rest.substr(0, 2) != "\r\n") return fail("missing CRLF after chunk");
        pos_ += 2;
        stage_ = Stage::chunk_size;
        continue;
      }
      case Stage::trailers: {
        // Trailer fields end with an empty line; we ignore their content.
        auto end = rest.find("\r\n");
        if (end == std::string_view::npos) return Status::need_more;
        pos_ += end + 2;
        if (end == 0) stage_ = Stage::done;
        continue;
      }
      case Stage::until_close:
        return Status::need_more;
      case Stage::done:
        if (pos_ < buffer_.size()) trailing_bytes_ = true;  // unsolicited bytes: do not reuse
        return status_ = Status::done;
    }
  }
}

}  // namespace taskcenter::detail
