// Fuzz target for the log's frame decoder (src/store/log/record.cpp) and the replay of one
// record into the state machine (apply_record). The input is decoded twice: as the bytes
// of a frame (length, checksum, payload), and as a payload wrapped into a frame with the
// right length and checksum, so the fuzzer reaches the record decoder past the checksum.
// Invariants: no crash or out-of-bounds read; a frame either decodes to exactly its size or
// reports why not; a decoded record applies to a fresh state without breaking it.
// Seeds: tests/fuzz/corpus/log_record/ (frames and payloads of a real log).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/log/crc32c.hpp"
#include "store/log/record.hpp"
#include "store/log/replay.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s (%zu bytes of input)\n", what, input.size());
  std::abort();
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void decode_and_apply(std::string_view frame, std::string_view input, std::size_t expected_size) {
  tc::log::Record record;
  const auto decoded = tc::log::decode_frame(frame, record);
  if (decoded.status != tc::log::DecodeStatus::ok) {
    if (decoded.message.empty()) fail("a refused frame without a message", input);
    return;
  }
  if (decoded.frame_size > frame.size()) fail("frame size past the bytes", input);
  if (expected_size != 0 && decoded.frame_size != expected_size) fail("frame size", input);
  tc::memory::MemoryState state;
  (void)tc::log::apply_record(state, std::move(record));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decode_and_apply(input, input, 0);

  std::string frame;
  frame.reserve(tc::log::kFrameHeader + size);
  put_u32(frame, static_cast<std::uint32_t>(size));
  put_u32(frame, tc::log::crc32c(input));
  frame.append(input);
  decode_and_apply(frame, input, frame.size());
  return 0;
}
