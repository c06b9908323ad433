// redis://[[user]:password@]host[:port][/db] and the Redis Cluster key slot (CRC16 of the
// hash tag), both pure functions so they are unit-tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/redis/connection.hpp"

namespace tc::redis {

struct RedisUrl {
  Endpoint endpoint;
  std::string password;
  int db = 0;
};

// nullopt if `text` is not a redis:// URL (a bare "host:port" is accepted too).
std::optional<RedisUrl> parse_redis_url(std::string_view text);

// CRC16-CCITT (XModem) as Redis Cluster uses it.
std::uint16_t crc16(std::string_view data) noexcept;
// The cluster slot of `key`: CRC16 of its hash tag ({...}) if it has a non-empty one,
// else of the whole key, modulo 16384.
int key_slot(std::string_view key) noexcept;

}  // namespace tc::redis
