#include "options.hpp"

#include <sstream>
#include <stdexcept>

namespace bench {

Options Options::parse(const std::vector<std::string>& args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) == 0) {
      std::string key = arg.substr(2);
      std::string value;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (key == "help") {
        value = "1";
      } else {
        if (i + 1 >= args.size()) throw std::runtime_error("--" + key + " needs a value");
        value = args[++i];
      }
      options.values_[key] = value;
    } else if (options.scenario_.empty()) {
      options.scenario_ = arg;
    } else {
      throw std::runtime_error("unexpected argument: " + arg);
    }
  }
  return options;
}

std::string Options::text(const std::string& key, const std::string& fallback) const {
  read_[key] = true;
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

double Options::number(const std::string& key, double fallback) const {
  read_[key] = true;
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  try {
    std::size_t used = 0;
    double value = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return value;
  } catch (const std::exception&) {
    throw std::runtime_error("--" + key + " wants a number, not '" + it->second + "'");
  }
}

std::int64_t Options::integer(const std::string& key, std::int64_t fallback) const {
  auto list = integers(key, {fallback});
  if (list.size() != 1) throw std::runtime_error("--" + key + " takes one value here");
  return list.front();
}

std::vector<std::int64_t> Options::integers(const std::string& key, std::vector<std::int64_t> fallback) const {
  read_[key] = true;
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  std::vector<std::int64_t> list;
  std::stringstream in(it->second);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      // Accept 1k / 100k / 1m for depths.
      double value = std::stod(item, &used);
      std::string suffix = item.substr(used);
      if (suffix == "k" || suffix == "K") value *= 1e3;
      else if (suffix == "m" || suffix == "M") value *= 1e6;
      else if (!suffix.empty()) throw std::invalid_argument("suffix");
      list.push_back(std::int64_t(value));
    } catch (const std::exception&) {
      throw std::runtime_error("--" + key + " wants integers like 1,16,64 or 1k,1m, not '" + it->second + "'");
    }
  }
  if (list.empty()) throw std::runtime_error("--" + key + " is empty");
  return list;
}

std::vector<std::string> Options::unused() const {
  std::vector<std::string> keys;
  for (const auto& [key, value] : values_) {
    if (!read_.count(key)) keys.push_back(key);
  }
  return keys;
}

std::string usage() {
  return R"(taskcenter-bench: load generator for the taskcenter HTTP API

  taskcenter-bench <scenario> --url http://127.0.0.1:PORT [options]
  taskcenter-bench --serve-trivial PORT [--threads T]   (the ceiling responder; 0 = any port)

Scenarios (each prints one table row per run; list values give one row each):
  put      puts with unique ids              --connections 1,16,64  [--rate R] [--payload BYTES]
  cycle    producers put, consumers take (or --mode peek: peek+acquire) and reply
           --producers P --consumers C --batch 1,16,64 [--backlog N] [--put-batch N]
           [--priorities 0,10] (puts carry priorities 0..N-1 in turn; 0: none)
  call     synchronous calls, the tool runs the consumers (take long-poll + reply)
           --callers 1,16,64 --consumers K [--rate R]
  cycle, call: [--reply one|batch|both] (reply per task, or one reply_batch per batch)
           [--batch-window S] (take's batch_window)
           [--overlap 0|1|0,1] (1: take the next batch while the last one's answer is
           in flight, on a second connection per consumer)
  idle     --waiters 10000 long-polling peeks and calls held open; server RSS/CPU while
           idle and put-to-wake latency (--wakes N)
  depth    put+take cost with --depths 1k,100k,1m tasks already queued
  ceiling  closed-loop requests against --url itself (e.g. nginx or the trivial responder)
  soak     mixed paced load for --minutes N (30), one line per minute: rates, errors,
           latency percentiles, server RSS and open fds  [--rate 400] [--call-rate 50]
           [--churn-rate 20] [--producers 4 --consumers 4 --callers 4 --pollers 16]
           [--poll-timeout 5] [--minute-seconds 60]
  progress each connection leases a task of its own and posts /task/progress on it
           --connections 1,16,64  [--payload BYTES] (the events' content)
  stream   progress -> stream line latency: one sender leases a task and posts
           /task/progress every --interval-ms (1) on --url's first server; a reader holds
           the task's stream open on the last: --via watch,call (/task/watch, or the
           call with "stream": true that put the task); beside each, the same paced
           requests to the trivial responder (the host's round trip, same run)

Common options:
  --duration S (5)   --warmup S (1)   --threads T client threads (1)
  --ceiling URL|spawn|none (spawn: start the trivial responder as a child; default)
  --server-threads T threads of a spawned responder (0 = one per CPU, like the server)
  --server-pid PID   (default: found from the --url port)  --label NAME (backend name)
  --csv FILE         append one line per row
  --queue-prefix P   queue name prefix (a per-run suffix is added)
)";
}

}  // namespace bench
