// Byte order of task ids, a word at a time: the order list_tasks pages delayed, leased and
// done tasks by (Queue::by_state), and so the compare every lease and every reply pays
// O(log n) times when it files a task there.
//
// Same result as std::string_view's operator< (unsigned bytes, then the shorter first),
// without a call to memcmp per compare: ids are compared as big-endian 64-bit words, the
// last partial word by one load that overlaps the bytes already found equal. An id of
// fewer than 8 bytes is read as one word too when 8 bytes starting at it are readable
// (inside its node, where info and content follow it) and the bytes past its end are
// shifted away.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tc::memory {
namespace id_order_detail {

inline std::uint64_t load_big_endian(const char* bytes) noexcept {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
  return word;
}

}  // namespace id_order_detail

// a < b in byte order. `a_readable` / `b_readable`: how many bytes may be read from
// a.data() / b.data() (at least their sizes).
inline bool id_less(std::string_view a, std::size_t a_readable, std::string_view b,
                    std::size_t b_readable) noexcept {
  using id_order_detail::load_big_endian;
  const std::size_t common = std::min(a.size(), b.size());
  if (common >= 8) {
    std::size_t at = 0;
    for (; at + 8 <= common; at += 8) {
      std::uint64_t x = load_big_endian(a.data() + at), y = load_big_endian(b.data() + at);
      if (x != y) return x < y;
    }
    if (at < common) {
      // The bytes before `at` are equal, so the overlapping word decides by the rest.
      std::uint64_t x = load_big_endian(a.data() + common - 8);
      std::uint64_t y = load_big_endian(b.data() + common - 8);
      if (x != y) return x < y;
    }
    return a.size() < b.size();
  }
  if (common > 0 && a_readable >= 8 && b_readable >= 8) {
    const unsigned past_end = static_cast<unsigned>(8 - common) * 8;
    std::uint64_t x = load_big_endian(a.data()) >> past_end;
    std::uint64_t y = load_big_endian(b.data()) >> past_end;
    if (x != y) return x < y;
    return a.size() < b.size();
  }
  return a < b;
}

inline bool id_less(std::string_view a, std::string_view b) noexcept {
  return id_less(a, a.size(), b, b.size());
}

}  // namespace tc::memory
