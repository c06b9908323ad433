// The per-queue half of a histogram family: a series for each of the first `limit` queues
// observed (a queue keeps its place until it is forgotten, so series stay stable between
// scrapes), found by name with the queue found last compared before the map is walked:
// most observations in a row are of one queue, and one name compare costs less than the
// walk. Not locked: its owner's mutex guards it (BatchMetrics, LatencyMetrics).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace tc {

template <class Series>
class BoundedQueueSeries {
 public:
  explicit BoundedQueueSeries(std::size_t limit) : limit_(limit) {}

  void set_limit(std::size_t limit) noexcept { limit_ = limit; }

  // The queue's series, made on its first observation while there is room; nullptr when
  // it has none (over the bound).
  Series* find_or_add(std::string_view queue) {
    if (last_ != nullptr && queue == last_name_) return last_;
    auto it = series_.find(queue);
    if (it == series_.end()) {
      if (series_.size() >= limit_) return nullptr;
      it = series_.emplace(std::string(queue), Series{}).first;
    }
    last_name_.assign(queue);
    last_ = &it->second;
    return last_;
  }

  void forget(std::string_view queue) {
    if (auto it = series_.find(queue); it != series_.end()) {
      if (last_ == &it->second) last_ = nullptr;
      series_.erase(it);
    }
  }

  // By queue name, for rendering.
  auto begin() const { return series_.begin(); }
  auto end() const { return series_.end(); }
  bool empty() const noexcept { return series_.empty(); }

 private:
  std::map<std::string, Series, std::less<>> series_;
  std::size_t limit_;
  std::string last_name_;
  Series* last_ = nullptr;  // the series of last_name_; null: none
};

}  // namespace tc
