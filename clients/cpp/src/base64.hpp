// Standard base64 with padding (RFC 4648 §4), the encoding of `content` on the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace taskcenter::detail {

std::string base64_encode(std::string_view bytes);
// Appends the encoding to `out` (saves a copy when building a request body).
void base64_encode_to(std::string_view bytes, std::string& out);
// nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace taskcenter::detail
