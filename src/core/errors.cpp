#include "core/errors.hpp"

namespace tc {

std::string_view errc_wire_code(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "0000";
    case Errc::call_timeout: return "0001";
    case Errc::bad_request: return "0002";
    case Errc::too_large: return "0003";
    case Errc::unauthorized: return "0004";
    case Errc::unavailable: return "0005";
    case Errc::removed: return "0006";
    case Errc::not_found:
    case Errc::method_not_allowed: return "0007";
    case Errc::forbidden: return "0009";
    case Errc::internal: return "0010";
    case Errc::expired: return "0008";
  }
  return "0002";
}

int errc_http_status(Errc code) noexcept {
  switch (code) {
    case Errc::ok:
    case Errc::call_timeout:
    case Errc::removed:
    case Errc::expired: return 200;
    case Errc::bad_request: return 400;
    case Errc::too_large: return 413;
    case Errc::unauthorized: return 401;
    case Errc::unavailable: return 503;
    case Errc::not_found: return 404;
    case Errc::method_not_allowed: return 405;
    case Errc::forbidden: return 403;
    case Errc::internal: return 500;
  }
  return 500;
}

}  // namespace tc
