#include "core/retry_delay.hpp"

#include <string>

namespace tc {

std::uint32_t retry_jitter_hash(std::string_view queue, std::string_view id,
                                std::uint32_t attempt) noexcept {
  constexpr std::uint64_t kModulus = 2147483647;  // 2^31 - 1
  std::uint64_t h = 0;
  auto feed = [&h](std::string_view bytes) {
    for (unsigned char byte : bytes) h = (h * 257 + byte + 1) % kModulus;
  };
  feed(queue);
  feed(std::string_view("\0", 1));
  feed(id);
  feed(std::string_view("\0", 1));
  char digits[16];
  int n = 0;
  std::uint32_t rest = attempt;
  do {
    digits[n++] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  } while (rest != 0);
  for (int i = n - 1; i >= 0; --i) feed(std::string_view(&digits[i], 1));
  return static_cast<std::uint32_t>(h);
}

std::int64_t retry_delay_ms(std::int64_t base_ms, std::string_view queue, std::string_view id,
                            std::uint32_t attempt) noexcept {
  if (base_ms <= 0) return 0;
  std::int64_t delay = base_ms;
  // Doubling past the cap changes nothing: stop there (and never overflow).
  for (std::uint32_t i = 1; i < attempt && delay < kMaxRetryDelayMs; ++i) delay *= 2;
  if (delay > kMaxRetryDelayMs) delay = kMaxRetryDelayMs;
  // Up to 20% off: the hash picks 0..2000 ten-thousandths.
  const std::int64_t jitter = delay * (retry_jitter_hash(queue, id, attempt) % 2001) / 10000;
  return delay - jitter;
}

}  // namespace tc
