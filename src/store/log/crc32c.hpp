// CRC-32C (Castagnoli), the checksum of every log record: detects torn and corrupted
// records on replay. Uses the SSE 4.2 crc32 instruction where the CPU has it (appending a
// record no longer costs a system call, so the checksum showed in profiles), else tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tc::log {

std::uint32_t crc32c(std::string_view bytes, std::uint32_t seed = 0) noexcept;
// The table-driven version, for CPUs without SSE 4.2 (tests hold both to the same answers).
std::uint32_t crc32c_portable(std::string_view bytes, std::uint32_t seed = 0) noexcept;

}  // namespace tc::log
