// What happens after each request is answered: the access log line (--access-log) and
// the slow-request warning (--slow-request-ms). The transport calls finished() once per
// answered request; nothing here reads request bodies, so content, info and tokens
// never reach a log.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/logger.hpp"

namespace tc {

struct FinishedRequest {
  std::string_view peer;    // "127.0.0.1:50312"
  std::string_view method;  // "POST"
  std::string_view target;  // path and query; only the path is logged
  int status = 0;
  std::string_view response_body;         // only its leading err_code is read
  std::uint64_t bytes = 0;                // response bytes written, head and body
  std::chrono::microseconds duration{0};  // request read -> response written
};

class RequestLog {
 public:
  // `where`: "" = no access log, "-" or "stderr" = stderr, else a file opened for
  // appending (created 0640). `slow_ms` 0 = no slow-request warnings.
  static Result<std::unique_ptr<RequestLog>> open(const std::string& where, std::int64_t slow_ms);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Whether finished() does anything at all (else the transport skips the bookkeeping).
  bool active() const noexcept { return fd_ >= 0 || slow_ms_ > 0; }
  void finished(const FinishedRequest& request) noexcept;

  // The access log line of `request` as written (for tests), without the newline.
  static std::string format_line(const FinishedRequest& request, logging::Format format,
                                 std::chrono::system_clock::time_point now);
  // The err_code at the start of an API envelope ({"err_code":"0000",...}), else "".
  static std::string_view err_code_of(std::string_view body) noexcept;

 private:
  RequestLog(int fd, bool owns_fd, std::int64_t slow_ms)
      : fd_(fd), owns_fd_(owns_fd), slow_ms_(slow_ms) {}

  int fd_ = -1;
  bool owns_fd_ = false;
  std::int64_t slow_ms_ = 0;
  std::mutex write_mutex_;
  logging::RateLimit slow_limit_{std::chrono::seconds(10)};
};

}  // namespace tc
