#include "taskcenter/errors.hpp"

namespace taskcenter {

std::string error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::transport: return "transport";
    case ErrorCode::protocol: return "protocol";
    default: return "000" + std::to_string(static_cast<int>(code));
  }
}

Error::Error(ErrorCode code, int http_status, std::string message)
    : std::runtime_error(error_code_name(code) + ": " + message),
      code_(code),
      http_status_(http_status),
      message_(std::move(message)) {}

void throw_error(ErrorCode code, int http_status, std::string message) {
  switch (code) {
    case ErrorCode::call_timeout: throw CallTimeout(code, http_status, std::move(message));
    case ErrorCode::task_removed: throw TaskRemoved(code, http_status, std::move(message));
    case ErrorCode::task_expired: throw TaskExpired(code, http_status, std::move(message));
    case ErrorCode::bad_request: throw BadRequest(code, http_status, std::move(message));
    case ErrorCode::too_large: throw PayloadTooLarge(code, http_status, std::move(message));
    case ErrorCode::unauthorized: throw Unauthorized(code, http_status, std::move(message));
    case ErrorCode::unavailable: throw Unavailable(code, http_status, std::move(message));
    case ErrorCode::not_found: throw NotFound(code, http_status, std::move(message));
    case ErrorCode::transport: throw TransportError(code, http_status, std::move(message));
    case ErrorCode::ok:
    case ErrorCode::protocol: break;
  }
  throw ProtocolError(ErrorCode::protocol, http_status, std::move(message));
}

}  // namespace taskcenter
