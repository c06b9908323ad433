// Fuzz target for replay (src/store/log/replay.cpp): the input becomes a file of a data
// directory, which is then replayed into a fresh state, as on start.
// The first byte chooses how:
//   bit 0: the file is a snapshot (00000001.snap) rather than a segment (00000001.log);
//   bit 1: the rest is a list of records, each `u16 length | payload`, written as frames
//          with the right checksums (reaches the records past the checksum);
//   bit 2: no file header is added (the header check itself is fuzzed).
// Invariants: no crash or out-of-bounds read; replay either succeeds or says why, naming
// the file.
// Seeds: tests/fuzz/corpus/log_replay/.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "store/log/crc32c.hpp"
#include "store/log/record.hpp"
#include "store/log/replay.hpp"
#include "store/log/segments.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// One directory per process, emptied before each input and removed at exit.
struct ScratchDir {
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    path = std::string(base && *base ? base : "/tmp") + "/tc-fuzz-replay-XXXXXX";
    if (!::mkdtemp(path.data())) fail("mkdtemp", path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string file = (mode & 4) ? std::string() : tc::log::file_header();
  if (mode & 2) {
    while (rest.size() >= 2) {
      const std::size_t length = std::min<std::size_t>(
          rest.size() - 2,
          static_cast<unsigned char>(rest[0]) |
              (static_cast<std::size_t>(static_cast<unsigned char>(rest[1])) << 8));
      const std::string_view payload = rest.substr(2, length);
      put_u32(file, static_cast<std::uint32_t>(payload.size()));
      put_u32(file, tc::log::crc32c(payload));
      file.append(payload);
      rest.remove_prefix(2 + length);
    }
  } else {
    file.append(rest);
  }

  const std::string& dir = scratch_dir();
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    std::filesystem::remove_all(entry.path());
  const std::string name = (mode & 1) ? tc::log::snapshot_name(1) : tc::log::segment_name(1);
  {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out) fail("cannot write", dir);
  }
  tc::memory::MemoryState state;
  auto report = tc::log::replay_dir(dir, state);
  if (!report && report.error().message.empty()) fail("a refused replay without a message", name);
  return 0;
}
