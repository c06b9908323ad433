// A deterministic stand-in for libFuzzer, so every fuzz target also runs under CTest with
// g++ (and in the ASan build): feeds each file of the corpus directories (and the empty
// input), then `iterations` random mutations of them (byte flips, inserts, deletes, splices
// of tokens common in our formats). Usage: <target>_smoke ITERATIONS [CORPUS_DIR...]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace std::string_view_literals;

// String views, so the tokens with NUL bytes keep their length.
// clang-format off
const std::string_view kTokens[] = {
    "{"sv, "}"sv, "["sv, "]"sv, "\""sv, "\\"sv, ":"sv, ","sv, "null"sv, "true"sv, "1e400"sv,
    "-1"sv, "0.0001"sv, "\\u0000"sv, "\xFF"sv, "\"queue\":"sv, "\"info\":"sv, "=="sv,
    "\r\n"sv, "\r\n\r\n"sv, "Content-Length: "sv, "Transfer-Encoding: chunked"sv,
    " admin "sv, " *"sv, "#"sv, "\n"sv, "-"sv, "\x00\x00\x00\x00"sv, "\xFF\xFF\xFF\x7F"sv};
// clang-format on

void run(const std::string& input) {
  // Each input in its own exact-size allocation, so ASan sees any read past its end.
  std::vector<std::uint8_t> exact(input.begin(), input.end());
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  std::vector<std::string> seeds{""};
  for (int i = 2; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i]))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // the same order on every machine
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& seed : seeds) run(seed);
  std::mt19937_64 rng(20261126);
  for (long i = 0; i < iterations; ++i) {
    std::string input = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
      switch (rng() % 5) {
        case 0:
          if (!input.empty() && at < input.size()) input[at] = static_cast<char>(rng());
          break;
        case 1:
          input.insert(at, 1, static_cast<char>(rng()));
          break;
        case 2:
          if (at < input.size()) input.erase(at, 1 + rng() % 4);
          break;
        case 3: {  // splice a piece of another seed
          const std::string& other = seeds[rng() % seeds.size()];
          if (other.empty()) break;
          const std::size_t from = rng() % other.size();
          input.insert(at, other.substr(from, 1 + rng() % 16));
          break;
        }
        default: {
          const std::string_view token = kTokens[rng() % std::size(kTokens)];
          input.insert(at, token);
          break;
        }
      }
    }
    run(input);
  }
  std::printf("%s: %zu seeds + %ld mutations, no invariant broken\n", argv[0], seeds.size(),
              iterations);
  return 0;
}
