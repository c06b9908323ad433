// The key schema of the Redis store (docs/redis.md, "Key schema"): the key names of a
// queue and the cursor keys that order its pending set. Pure functions, unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/cursor.hpp"

namespace tc::redis {

// "<prefix>:{<tag>}:", the start of every key of `queue`. The tag is the name with '%'
// written "%25" and '}' written "%7D": it contains no '}', so Redis Cluster hashes
// exactly the tag (never an empty one) and every name gets one slot; the escaping is
// one-to-one, so two names never share keys, and plain names stay as they are.
// `prefix` must contain no '{' or '}' (RedisStore checks).
std::string queue_key_base(std::string_view prefix, std::string_view queue);

// Fixed-width cursor key of the scripts ("%015d-%010d"): lexical order = cursor order.
std::string cursor_key(std::uint64_t ms, std::uint64_t seq);
// nullopt unless `key` is exactly such a key.
std::optional<Cursor> parse_cursor_key(std::string_view key) noexcept;

}  // namespace tc::redis
