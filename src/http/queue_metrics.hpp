// The per-queue families of GET /metrics, from one stat_queues pass: series appear with
// their queue and go away with it (clear_queue).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/task.hpp"

namespace tc {

// Appends gauges (pending, delayed, leased, done, oldest pending age, waiting consumers)
// for every queue and counters (put, leased, replied, redelivered, dead-lettered, removed)
// for the queues where they are not zero. `now_ms`: wall-clock ms, for the age.
void append_queue_metrics(std::string& out, const std::vector<NamedQueueStats>& queues,
                          std::uint64_t now_ms);

// `value` as a Prometheus label value: backslash, double quote and newline escaped.
void append_label_value(std::string& out, std::string_view value);

}  // namespace tc
