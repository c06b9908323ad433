// How long a task waits after a failed attempt before it is visible again (docs/scheduling.md,
// "Retry delays"): min(retry_delay x 2^(attempt-1), 3600 s), minus a jitter of up to 20%.
//
// The jitter is not random: it is a hash of (queue, id, attempt), so that replaying the log
// rebuilds the same deadlines and the Redis engine (retry_delay_ms in lib.lua, the same
// arithmetic) computes the same delay for the same task. Different tasks still spread out,
// which is what jitter is for.
#pragma once

#include <cstdint>
#include <string_view>

namespace tc {

inline constexpr std::int64_t kMaxRetryDelayMs = 3'600'000;

// The hash of the jitter: h = (h * 257 + byte + 1) mod (2^31 - 1) over the bytes of
// queue, a 0 byte, id, a 0 byte and the attempt in decimal. Chosen because Lua 5.1's
// doubles compute it exactly (every intermediate stays below 2^40).
std::uint32_t retry_jitter_hash(std::string_view queue, std::string_view id,
                                std::uint32_t attempt) noexcept;

// The delay in ms after attempt number `attempt` (1 = the first lease) failed, for a task
// whose retry_delay is `base_ms`; 0 when base_ms <= 0.
std::int64_t retry_delay_ms(std::int64_t base_ms, std::string_view queue, std::string_view id,
                            std::uint32_t attempt) noexcept;

}  // namespace tc
