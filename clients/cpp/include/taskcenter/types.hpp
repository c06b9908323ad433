// Values exchanged with the taskcenter server. `info` is always raw JSON text (any JSON
// value, "null" by default) so callers can use whatever JSON library they like;
// `content` is raw bytes in a std::string (the client does the base64).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace taskcenter {

// Every duration of the API is in (fractional) seconds. Any std::chrono duration
// converts to this implicitly: `client.take("q", {.timeout = 500ms})`.
using Seconds = std::chrono::duration<double>;

// A put's `config` (docs/protocol.md). Unset fields take the server's defaults.
struct TaskConfig {
  std::optional<Seconds> cache_result_time;      // server default 60 s; 0 forgets at reply
  std::optional<std::string> forward_result_to;  // queue that receives the reply as a task
  std::optional<std::uint32_t> max_attempts;     // 0: redeliver forever
  std::optional<std::string> dead_letter_to;     // where a task goes after max_attempts
  std::optional<Seconds> delay;                  // invisible to consumers for this long
  std::optional<std::int32_t> priority;          // -1000..1000, higher is taken first (0)
  std::optional<Seconds> deadline;               // must be leased within this, else expires
  std::optional<double> cost;                    // what take's max_cost counts (1)
  std::optional<std::string> batch_key;          // tasks that may share one batch
  std::optional<Seconds> retry_delay;            // before a failed attempt is retried (0)

  bool empty() const {
    return !cache_result_time && !forward_result_to && !max_attempts && !dead_letter_to &&
           !delay && !priority && !deadline && !cost && !batch_key && !retry_delay;
  }
};

// A task to create (put, put_batch).
struct NewTask {
  std::string id;
  std::string info = "null";  // raw JSON
  std::string content;        // bytes
  TaskConfig config;
};

// A task as the server hands it out. Which fields are filled depends on the call:
// peek gives id/info/cursor (no content); acquire and take give id/info/content.
struct Task {
  std::string queue;
  std::string id;
  std::string info = "null";  // raw JSON, exactly as the producer sent it
  std::string content;
  std::string cursor;         // peek only
  std::uint32_t attempt = 0;  // delivery number when the server reports it (0: unknown)
  // The task's config as take/acquire report it (peek: priority only); the defaults
  // when the server does not report them.
  std::int32_t priority = 0;
  std::optional<std::string> batch_key;
  double cost = 1;
};

// One reply of Client::reply_many.
struct TaskReply {
  std::string id;
  std::string info = "null";  // raw JSON
  std::string content;        // bytes
};

// The reply a `call` waited for.
struct CallResult {
  std::string id;
  std::string info = "null";  // the reply's info, raw JSON
  std::string content;        // the reply's content
};

// A progress event of a task, as a streamed call or watch delivers it.
struct ProgressEvent {
  std::uint64_t seq = 0;      // 1, 2, ... per task
  std::string info = "null";  // raw JSON
  std::string content;
};

struct PeekResult {
  std::vector<Task> tasks;            // in cursor order, without content
  std::optional<std::string> cursor;  // pass to the next peek; nullopt when still at the start
};

struct QueuePage {
  std::vector<std::string> queues;
  std::optional<std::string> cursor;  // next page; nullopt when this was the last
};

// A queue's settings in force (config_queue). 0: no limit.
struct QueueSettings {
  bool paused = false;
  std::uint32_t max_leased = 0;  // at most this many tasks leased at once
  double rate = 0;               // leases per second (token bucket)
  double burst = 0;              // the bucket's size in force
};

// What config_queue changes: a field left nullopt keeps its value; 0 removes a limit.
// `burst` needs a `rate` (> 0) in the same call.
struct QueueSettingsUpdate {
  std::optional<bool> paused;
  std::optional<std::uint32_t> max_leased;
  std::optional<double> rate;
  std::optional<double> burst;
};

struct QueueStat {
  std::uint64_t length = 0;  // pending tasks
  std::optional<std::string> oldest_cursor;
  std::optional<std::string> newest_cursor;
  // Every other numeric field the server reports (leased, done, total_put...).
  std::map<std::string, double> counters;
  std::string json;  // the whole `data` object, raw JSON, for fields added later

  // The queue's settings (config_queue) as stat_queue reports them; nullopt from a
  // server that predates them.
  std::optional<QueueSettings> settings;
  // counters[name], or `fallback` when the server does not report it.
  double counter(const std::string& name, double fallback = 0) const {
    auto it = counters.find(name);
    return it == counters.end() ? fallback : it->second;
  }
};

}  // namespace taskcenter
