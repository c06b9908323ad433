// Log-linear latency histogram in the spirit of HdrHistogram: 64 linear sub-buckets per
// power of two, so any recorded value is reported within 1/64 (~1.6%) of itself, with a
// fixed 30 KB footprint and O(1) record. Values are nanoseconds.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace bench {

class Histogram {
 public:
  static constexpr int kSubBits = 7;                      // 128 sub-buckets per octave...
  static constexpr std::uint64_t kSub = 1u << kSubBits;   // ...of which the top half is used
  static constexpr int kBuckets = int(kSub) + (64 - kSubBits) * int(kSub / 2);

  void record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++total_;
    if (value > max_) max_ = value;
  }

  void merge(const Histogram& other) noexcept {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }

  // The value at quantile q in [0, 1] (midpoint of its bucket, capped by the maximum).
  std::uint64_t quantile(double q) const noexcept {
    if (total_ == 0) return 0;
    auto rank = std::uint64_t(q * double(total_));
    if (rank >= total_) rank = total_ - 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) {
        std::uint64_t mid = lower_bound(i) + (width(i) - 1) / 2;
        return mid < max_ ? mid : max_;
      }
    }
    return max_;
  }

  static int index_of(std::uint64_t v) noexcept {
    if (v < kSub) return int(v);
    int msb = 63 - std::countl_zero(v);           // >= kSubBits
    int shift = msb - (kSubBits - 1);             // v >> shift lies in [kSub/2, kSub)
    auto top = int(v >> shift);
    return int(kSub) + (msb - kSubBits) * int(kSub / 2) + (top - int(kSub / 2));
  }
  static std::uint64_t lower_bound(int i) noexcept {
    if (i < int(kSub)) return std::uint64_t(i);
    int octave = (i - int(kSub)) / int(kSub / 2);
    int top = (i - int(kSub)) % int(kSub / 2) + int(kSub / 2);
    int shift = octave + 1;
    return std::uint64_t(top) << shift;
  }
  static std::uint64_t width(int i) noexcept {
    if (i < int(kSub)) return 1;
    return std::uint64_t(1) << ((i - int(kSub)) / int(kSub / 2) + 1);
  }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace bench
