// A deterministic stand-in for libFuzzer, so the fuzz target also runs under CTest with
// g++ (and in the ASan build): feeds the seeds, then `iterations` random mutations of them
// (byte flips, inserts, deletes, splices of JSON tokens). Usage: requests_fuzz_smoke [iterations]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::string> kSeeds = {
    R"({"queue":"q","id":"t","info":{"a": 1.50},"content":"Zm9v","config":{"cache_result_time":3,"forward_result_to":"r","max_attempts":2,"dead_letter_to":"d","delay":0.5}})",
    R"({"queue":"q","tasks":[{"id":"a","info":[1,"]"]},{"id":"b","content":"YQ==","config":null}]})",
    R"({"queue":"q","cursor":"17-3","size":10,"timeout":2.5,"batch_window":0.01})",
    R"({"queue":"q","ids":["a","b"],"promise_reply_time":15})",
    R"({"queue":"q","id":"t","info":"\"esc\\aped\" \u00e9","content":"","timeout":0})",
    R"({"\u0071ueue":"q","id":"t","\u0069nfo":{"x":[{},[],null,true,false,-0.0e+1]},"info":1})",
    R"({"queue":"q","iter_num":3,"step_size":100,"cursor":null})",
    R"({"queue":"q","id":"t","info":[1e400,-12345678901234567890123,{"n":0.5e-999}],"timeout":1})",
    "Zm9vYmFy", "Zg==", "\"\\ud83d\\ude00\"", "{\"queue\":\"\xC3\xA9\"}", "[]", "",
};

const char* kTokens[] = {"{", "}", "[", "]", "\"", "\\", ":", ",", "null", "true", "1e400",
                         "-1", "0.0001", "\\u0000", "\xFF", "\"queue\":", "\"info\":", "=="};

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 100000;
  for (const auto& seed : kSeeds)
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size());
  std::mt19937_64 rng(20261126);
  for (long i = 0; i < iterations; ++i) {
    std::string input = kSeeds[rng() % kSeeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (!input.empty() && at < input.size()) input[at] = static_cast<char>(rng());
          break;
        case 1:
          input.insert(at, 1, static_cast<char>(rng()));
          break;
        case 2:
          if (at < input.size()) input.erase(at, 1 + rng() % 4);
          break;
        default:
          input.insert(at, kTokens[rng() % (sizeof kTokens / sizeof *kTokens)]);
          break;
      }
    }
    // Each input in its own exact-size allocation, so ASan sees any read past its end.
    std::vector<std::uint8_t> exact(input.begin(), input.end());
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
  }
  std::printf("requests_fuzz_smoke: %zu seeds + %ld mutations, no invariant broken\n",
              kSeeds.size(), iterations);
  return 0;
}
