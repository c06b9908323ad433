// One error vocabulary for the whole server: the err_codes of docs/protocol.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tc {

// The numeric value is the wire err_code (0000..0007, 0009, 0010), except method_not_allowed
// and expired (0008), which came after.
enum class Errc {
  ok = 0,
  call_timeout = 1,      // 0001: call waited `timeout` without a reply
  bad_request = 2,       // 0002: malformed JSON, wrong type, out of range
  too_large = 3,         // 0003: body above --max-body
  unauthorized = 4,      // 0004: missing or wrong bearer token
  unavailable = 5,       // 0005: the store cannot be reached / written
  removed = 6,           // 0006: call: the task was removed while waiting
  not_found = 7,         // 0007: unknown path (HTTP 404)
  method_not_allowed = 8, // 0007 too, but HTTP 405
  forbidden = 9,         // 0009: a known token outside its scope (HTTP 403)
  internal = 10,         // 0010: a broken invariant or a failing store script (HTTP 500);
                         // never retried as an outage, unlike 0005
  expired = 11           // 0008: call: the task's deadline passed before any consumer
                         // leased it (HTTP 200); the last value (metrics count up to it)
};

// "0000".."0010" as written on the wire.
std::string_view errc_wire_code(Errc code) noexcept;
// The HTTP status docs/protocol.md assigns to the code.
int errc_http_status(Errc code) noexcept;

struct ApiError {
  Errc code = Errc::bad_request;
  std::string message;  // one sentence a person can act on
};

inline ApiError make_error(Errc code, std::string message) {
  return ApiError{code, std::move(message)};
}

// Value or ApiError. Deliberately small: no monadic helpers we do not use.
template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit by design. By reference, not by value: a value taken by value is moved twice
  // (into the parameter, then into the variant), which for a parsed request is a dozen
  // string moves more per request.
  Result(const T& value) : v_(std::in_place_index<0>, value) {}  // NOLINT
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(ApiError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const ApiError& error() const& { return std::get<1>(v_); }
  ApiError&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, ApiError> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(ApiError error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const ApiError& error() const& { return err_; }
  ApiError&& error() && { return std::move(err_); }

 private:
  ApiError err_;
  bool ok_ = true;
};

}  // namespace tc
