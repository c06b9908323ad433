// Typed errors of the taskcenter C++ client. Every server err_code of docs/protocol.md has its
// own exception class so callers catch what they can handle (CallTimeout, TaskRemoved,
// Unavailable...) and let the rest propagate.
#pragma once

#include <stdexcept>
#include <string>

namespace taskcenter {

// The wire err_codes ("0000".."0008") plus the failures that happen before or around
// the server's answer (no connection, unreadable response).
enum class ErrorCode {
  ok = 0,
  call_timeout = 1,   // 0001
  bad_request = 2,    // 0002
  too_large = 3,      // 0003
  unauthorized = 4,   // 0004
  unavailable = 5,    // 0005: the server's store is down; nothing was changed
  task_removed = 6,   // 0006
  not_found = 7,      // 0007: unknown path or method
  task_expired = 8,   // 0008: call: the task's deadline passed before any consumer leased it
  transport = 100,    // connect/send/receive failed or timed out
  protocol = 101,     // the response was not HTTP/JSON in the envelope we expect
};

// "0000".."0008" for server codes, "transport"/"protocol" for the client's own.
std::string error_code_name(ErrorCode code);

// Base class of everything the client throws on purpose.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, int http_status, std::string message);
  ErrorCode code() const noexcept { return code_; }
  // HTTP status of the response; 0 when there was no response.
  int http_status() const noexcept { return http_status_; }
  // The server's `message` (or the client's description), without the code prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  int http_status_;
  std::string message_;
};

#define TASKCENTER_DEFINE_ERROR(Name)                              \
  class Name : public Error {                                      \
   public:                                                         \
    using Error::Error;                                            \
  }

TASKCENTER_DEFINE_ERROR(CallTimeout);     // call waited its timeout; the task stays queued
TASKCENTER_DEFINE_ERROR(TaskRemoved);     // call: the task was removed while waiting
// call: the task's deadline passed before any consumer leased it (0008); the task is gone.
// A TaskRemoved, so code that handles removal handles it too.
class TaskExpired : public TaskRemoved {
 public:
  using TaskRemoved::TaskRemoved;
};
TASKCENTER_DEFINE_ERROR(BadRequest);      // the server rejected a field; message() says which
TASKCENTER_DEFINE_ERROR(PayloadTooLarge); // body above the server's limit
TASKCENTER_DEFINE_ERROR(Unauthorized);    // missing or wrong token
TASKCENTER_DEFINE_ERROR(Unavailable);     // the server's store is unreachable; retry later
TASKCENTER_DEFINE_ERROR(NotFound);        // unknown endpoint (server too old?)
TASKCENTER_DEFINE_ERROR(TransportError);  // no answer: connection refused/reset/timed out
TASKCENTER_DEFINE_ERROR(ProtocolError);   // an answer we cannot read (not the API envelope)

#undef TASKCENTER_DEFINE_ERROR

// Throws the exception class that matches `code`. Never returns.
[[noreturn]] void throw_error(ErrorCode code, int http_status, std::string message);

}  // namespace taskcenter
