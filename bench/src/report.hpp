// One table row per run, printed as it completes and optionally appended to a CSV file
// (the input of bench/plot.py and of the table in docs/performance.md).
#pragma once

#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace bench {

struct Row {
  std::string scenario;
  std::string backend;           // --label: memory, redis1, redis3, trivial, nginx...
  std::string mode;              // take / peek / closed / open ...
  int connections = 0;           // total client connections
  int producers = 0;
  int consumers = 0;
  int batch = 0;
  double rate = 0;               // open-loop target (requests/s), 0 = closed loop
  double seconds = 0;            // measured window
  std::uint64_t ops = 0;         // operations completed (puts, tasks, calls)
  std::uint64_t requests = 0;    // HTTP requests completed
  std::uint64_t errors = 0;
  Histogram latency;             // ns
  double client_cpu = -1;        // percent of one core
  double server_cpu = -1;
  double server_rss_mb = -1;
  double ceiling_rps = 0;        // trivial responder, same connections, same run (0 = none)
  std::string note;

  double ops_per_s() const { return seconds > 0 ? double(ops) / seconds : 0; }
  double requests_per_s() const { return seconds > 0 ? double(requests) / seconds : 0; }
  double ratio() const { return ceiling_rps > 0 ? requests_per_s() / ceiling_rps : 0; }
};

void print_header();
void print_row(const Row& row);
// Appends to path, writing the header line first when the file is new or empty.
void append_csv(const std::string& path, const Row& row);

}  // namespace bench
