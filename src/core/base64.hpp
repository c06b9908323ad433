// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /) with padding: the
// encoding of `content` on the wire.
//
// Decoding is strict, so that one byte string has exactly one accepted text:
//  - the length is a multiple of 4 and '=' appears only as the last one or two chars;
//  - no whitespace, no line breaks, no URL-safe alphabet;
//  - the unused low bits of the last symbol before padding must be zero
//    (RFC 4648 section 3.5 lets decoders reject such "non-canonical" text; clients that
//    encode with a real base64 encoder never produce it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tc {

// Size of the encoded text of `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

// Appends the base64 text of `bytes` to `out`.
void base64_encode_append(std::string& out, std::string_view bytes);
std::string base64_encode(std::string_view bytes);

// Decodes `text` into `out` (replacing its contents). false if `text` is not strict base64;
// `out` is then unspecified.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace tc
