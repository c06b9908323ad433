#include "http/request_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/ops_metrics.hpp"

namespace tc {
namespace {

std::string_view path_of(std::string_view target) {
  const auto query = target.find('?');
  return query == std::string_view::npos ? target : target.substr(0, query);
}

void append_uint(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// Milliseconds with microsecond precision: "12.345".
void append_ms(std::string& out, std::chrono::microseconds d) {
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0));
  append_uint(out, us / 1000);
  out.push_back('.');
  const auto frac = us % 1000;
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

// The endpoints whose answer waits by request (long-poll timeout, call timeout).
bool waits_by_request(std::string_view path) {
  return path == "/task/peek" || path == "/task/take" || path == "/task/call";
}

}  // namespace

Result<std::unique_ptr<RequestLog>> RequestLog::open(const std::string& where,
                                                     std::int64_t slow_ms) {
  if (where.empty()) return std::unique_ptr<RequestLog>(new RequestLog(-1, false, slow_ms));
  if (where == "-" || where == "stderr")
    return std::unique_ptr<RequestLog>(new RequestLog(STDERR_FILENO, false, slow_ms));
  const int fd = ::open(where.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return make_error(Errc::unavailable, "--access-log: cannot open " + where +
                                             " for appending: " + std::strerror(errno));
  return std::unique_ptr<RequestLog>(new RequestLog(fd, true, slow_ms));
}

RequestLog::~RequestLog() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

std::string_view RequestLog::err_code_of(std::string_view body) noexcept {
  constexpr std::string_view kPrefix = "{\"err_code\":\"";
  if (body.size() < kPrefix.size() + 5 || body.substr(0, kPrefix.size()) != kPrefix) return {};
  std::string_view code = body.substr(kPrefix.size(), 4);
  for (char c : code)
    if (c < '0' || c > '9') return {};
  return body[kPrefix.size() + 4] == '"' ? code : std::string_view{};
}

std::string RequestLog::format_line(const FinishedRequest& r, logging::Format format,
                                    std::chrono::system_clock::time_point now) {
  std::string line;
  line.reserve(160);
  const std::string_view path = path_of(r.target);
  const std::string_view err_code = err_code_of(r.response_body);
  if (format == logging::Format::json) {
    line.append("{\"time\":\"");
    logging::append_rfc3339_ms(line, now);
    line.append("\",\"peer\":\"");
    logging::append_json_escaped(line, r.peer);
    line.append("\",\"method\":\"");
    logging::append_json_escaped(line, r.method);
    line.append("\",\"path\":\"");
    logging::append_json_escaped(line, path);
    line.append("\",\"status\":");
    append_uint(line, static_cast<std::uint64_t>(r.status));
    line.append(",\"err_code\":");
    if (err_code.empty()) {
      line.append("null");
    } else {
      line.push_back('"');
      line.append(err_code);
      line.push_back('"');
    }
    line.append(",\"bytes\":");
    append_uint(line, r.bytes);
    line.append(",\"duration_ms\":");
    append_ms(line, r.duration);
    line.push_back('}');
  } else {
    // Space-separated, one field per column; the path is escaped like a JSON string
    // so that a request line with spaces or control bytes stays one column.
    logging::append_rfc3339_ms(line, now);
    line.push_back(' ');
    line.append(r.peer);
    line.push_back(' ');
    logging::append_json_escaped(line, r.method);
    line.push_back(' ');
    std::string escaped;
    logging::append_json_escaped(escaped, path);
    for (char& c : escaped)
      if (c == ' ') c = '+';
    line.append(escaped.empty() ? "-" : escaped);
    line.push_back(' ');
    append_uint(line, static_cast<std::uint64_t>(r.status));
    line.push_back(' ');
    line.append(err_code.empty() ? "-" : err_code);
    line.push_back(' ');
    append_uint(line, r.bytes);
    line.push_back(' ');
    append_ms(line, r.duration);
    line.append("ms");
  }
  return line;
}

void RequestLog::finished(const FinishedRequest& request) noexcept {
  try {
    if (slow_ms_ > 0 && request.duration >= std::chrono::milliseconds(slow_ms_) &&
        !waits_by_request(path_of(request.target))) {
      ops_metrics().slow_requests.fetch_add(1, std::memory_order_relaxed);
      logging::write_limited(
          slow_limit_, logging::Level::warn, "slow request",
          {{"method", request.method},
           {"path", path_of(request.target)},
           {"status", request.status},
           {"duration_ms", static_cast<std::int64_t>(request.duration.count() / 1000)}});
    }
    if (fd_ < 0) return;
    std::string line = format_line(request, logging::format(), std::chrono::system_clock::now());
    line.push_back('\n');
    std::lock_guard lock(write_mutex_);
    std::string_view rest = line;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n <= 0) return;  // a full disk loses access lines, never requests
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  } catch (...) {
    // Out of memory formatting a log line: the request was answered; drop the line.
  }
}

}  // namespace tc
