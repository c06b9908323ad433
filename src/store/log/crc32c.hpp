// CRC-32C (Castagnoli), the checksum of every log record: detects torn and corrupted
// records on replay. Software table implementation: the log is bound by syscalls, not this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tc::log {

std::uint32_t crc32c(std::string_view bytes, std::uint32_t seed = 0) noexcept;

}  // namespace tc::log
