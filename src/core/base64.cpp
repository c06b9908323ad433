#include "core/base64.hpp"

#include <array>
#include <cstdint>

namespace tc {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for alphabet characters, 64 for everything else (including '=').
constexpr std::uint8_t kInvalid = 64;
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

void base64_encode_append(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(bytes.size()));
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8) |
                            std::uint32_t{src[i + 2]};
    dst[0] = kAlphabet[(v >> 18) & 63];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = kAlphabet[(v >> 6) & 63];
    dst[3] = kAlphabet[v & 63];
    dst += 4;
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{src[i]} << 16;
    dst[0] = kAlphabet[(v >> 18) & 63];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = '=';
    dst[3] = '=';
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8);
    dst[0] = kAlphabet[(v >> 18) & 63];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = kAlphabet[(v >> 6) & 63];
    dst[3] = '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode_append(out, bytes);
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  const std::size_t n = text.size();
  if (n == 0) return true;
  if (n % 4 != 0) return false;
  std::size_t padding = 0;
  if (text[n - 1] == '=') padding = text[n - 2] == '=' ? 2 : 1;
  out.resize(n / 4 * 3 - padding);
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  char* dst = out.data();
  // Full quads: everything but the last one, which may carry padding.
  const std::size_t full = n - 4;
  for (std::size_t i = 0; i < full; i += 4) {
    const std::uint32_t a = kDecode[src[i]], b = kDecode[src[i + 1]], c = kDecode[src[i + 2]],
                        d = kDecode[src[i + 3]];
    if ((a | b | c | d) & kInvalid) return false;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[0] = static_cast<char>(v >> 16);
    dst[1] = static_cast<char>(v >> 8);
    dst[2] = static_cast<char>(v);
    dst += 3;
  }
  const unsigned char* last = src + full;
  const std::uint32_t a = kDecode[last[0]], b = kDecode[last[1]];
  if ((a | b) & kInvalid) return false;
  if (padding == 2) {
    if (b & 0x0F) return false;  // non-zero unused bits
    dst[0] = static_cast<char>((a << 2) | (b >> 4));
    return true;
  }
  const std::uint32_t c = kDecode[last[2]];
  if (c & kInvalid) return false;
  if (padding == 1) {
    if (c & 0x03) return false;  // non-zero unused bits
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
    dst[0] = static_cast<char>(v >> 16);
    dst[1] = static_cast<char>(v >> 8);
    return true;
  }
  const std::uint32_t d = kDecode[last[3]];
  if (d & kInvalid) return false;
  const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
  dst[0] = static_cast<char>(v >> 16);
  dst[1] = static_cast<char>(v >> 8);
  dst[2] = static_cast<char>(v);
  return true;
}

}  // namespace tc
