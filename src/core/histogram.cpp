#include "core/histogram.hpp"

#include <charconv>

namespace tc {
namespace {

// kBounds as written in `le` labels (to_chars would write 0.0005 as "5e-04").
constexpr std::array<std::string_view, Histogram::kBounds.size()> kBoundLabels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "5",    "15",    "60"};

void append_uint(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_double(std::string& out, double v) {
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

void open_labels(std::string& out, std::string_view name, std::string_view suffix,
                 std::string_view labels) {
  out.append(name);
  out.append(suffix);
  out.push_back('{');
  if (!labels.empty()) {
    out.append(labels);
    out.push_back(',');
  }
}

}  // namespace

std::size_t Histogram::shard_index() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return mine;
}

std::uint64_t Histogram::count() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_)
    for (const auto& b : shard.buckets) total += b.load(std::memory_order_relaxed);
  return total;
}

void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      std::span<const std::string_view> le,
                      std::span<const std::uint64_t> counts, double sum) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= le.size(); ++i) {
    cumulative += counts[i];
    open_labels(out, name, "_bucket", labels);
    out.append("le=\"");
    out.append(i < le.size() ? le[i] : std::string_view("+Inf"));
    out.append("\"} ");
    append_uint(out, cumulative);
    out.push_back('\n');
  }
  out.append(name);
  out.append("_sum");
  if (!labels.empty()) {
    out.push_back('{');
    out.append(labels);
    out.push_back('}');
  }
  out.push_back(' ');
  append_double(out, sum);
  out.push_back('\n');
  out.append(name);
  out.append("_count");
  if (!labels.empty()) {
    out.push_back('{');
    out.append(labels);
    out.push_back('}');
  }
  out.push_back(' ');
  append_uint(out, cumulative);
  out.push_back('\n');
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::array<std::uint64_t, kBounds.size() + 1> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i)
    for (const auto& shard : shards_) counts[i] += shard.buckets[i].load(std::memory_order_relaxed);
  std::uint64_t sum_us = 0;
  for (const auto& shard : shards_) sum_us += shard.sum_us.load(std::memory_order_relaxed);
  append_histogram(out, name, labels, kBoundLabels, counts, static_cast<double>(sum_us) / 1e6);
}

}  // namespace tc
