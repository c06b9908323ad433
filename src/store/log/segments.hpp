// Names and headers of the files in a data directory:
//
//   00000001.log, 00000002.log, ...   segments of records, replayed in number order
//   00000007.snap                     a snapshot of the state before segment 7: replay
//                                     loads it and then segments >= 7 only
//   LOCK                              held (flock) by the process using the directory
//
// Every segment and snapshot starts with an 8-byte header: "TCLOG" + u8 file format
// version + "\r\n" (a text-mode transfer that mangles line ends is detected).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"

namespace tc::log {

inline constexpr std::uint8_t kFileVersion = 1;
inline constexpr std::string_view kFileMagic = "TCLOG";
inline constexpr std::size_t kFileHeaderSize = 8;

std::string file_header();
// Why `bytes` do not start with a valid header, or nullopt when they do.
std::optional<std::string> check_file_header(std::string_view bytes);

std::string segment_name(std::uint64_t number);
std::string snapshot_name(std::uint64_t number);

struct DirListing {
  std::vector<std::uint64_t> segments;    // ascending
  std::vector<std::uint64_t> snapshots;   // ascending
};

// Lists the segment and snapshot files of `dir` (other files are ignored).
Result<DirListing> list_dir(const std::string& dir);

// Reads a whole file.
Result<std::string> read_file(const std::string& path);

}  // namespace tc::log
