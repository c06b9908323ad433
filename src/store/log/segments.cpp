#include "store/log/segments.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tc::log {
namespace {

std::string numbered(std::uint64_t number, std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(number));
  return std::string(buf) + std::string(suffix);
}

// "00000012.log" -> 12 when the name has `suffix`, else nullopt.
std::optional<std::uint64_t> number_of(std::string_view name, std::string_view suffix) {
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
    return std::nullopt;
  auto digits = name.substr(0, name.size() - suffix.size());
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string file_header() {
  std::string h(kFileMagic);
  h.push_back(static_cast<char>(kFileVersion));
  h += "\r\n";
  return h;
}

std::optional<std::string> check_file_header(std::string_view bytes) {
  if (bytes.size() < kFileHeaderSize || bytes.substr(0, kFileMagic.size()) != kFileMagic ||
      bytes.substr(kFileMagic.size() + 1, 2) != "\r\n")
    return "not a taskcenter log file (bad header)";
  auto version = static_cast<std::uint8_t>(bytes[kFileMagic.size()]);
  if (version != kFileVersion)
    return "file format version " + std::to_string(version) + " is unknown to this build";
  return std::nullopt;
}

std::string segment_name(std::uint64_t number) { return numbered(number, ".log"); }
std::string snapshot_name(std::uint64_t number) { return numbered(number, ".snap"); }

Result<DirListing> list_dir(const std::string& dir) {
  DirListing listing;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    if (auto n = number_of(name, ".log")) listing.segments.push_back(*n);
    if (auto n = number_of(name, ".snap")) listing.snapshots.push_back(*n);
  }
  if (ec) return make_error(Errc::unavailable, "cannot list " + dir + ": " + ec.message());
  std::sort(listing.segments.begin(), listing.segments.end());
  std::sort(listing.snapshots.begin(), listing.snapshots.end());
  return listing;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return make_error(Errc::unavailable, "cannot open " + path);
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    return make_error(Errc::unavailable, "cannot read " + path);
  return bytes;
}

}  // namespace tc::log
