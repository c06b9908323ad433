// RedisStore: the Store operations, each one script run (run()), and the dispatch of
// the events scripts report. Lifecycle: redis_store_clients.cpp; outbox:
// redis_outbox.cpp; registry and reaper: redis_registry.cpp.
#include "store/redis/redis_store.hpp"

#include <boost/asio/this_coro.hpp>
#include <charconv>

#include "store/redis/keys.hpp"
#include "store/redis/replies.hpp"

namespace tc {
namespace {

using redis::args_of;
using redis::Reply;

void append_task(std::vector<std::string>& args, NewTask& task) {
  args.push_back(std::move(task.id));
  args.push_back(std::move(task.info));
  args.push_back(std::move(task.content));
  args.push_back(std::to_string(task.config.cache_result_ms));
  args.push_back(task.config.forward_result_to.value_or(""));
  args.push_back(std::to_string(task.config.max_attempts));
  args.push_back(task.config.dead_letter_to.value_or(""));
  args.push_back(std::to_string(task.config.delay_ms));
  args.push_back(redis::encode_task_extras(task.config));
}

// A 0/1 answer of a script.
Result<bool> flag_of(const Reply& reply, std::string_view op) {
  auto n = redis::int_of(reply, op);
  if (!n) return std::move(n).error();
  return *n == 1;
}

}  // namespace

std::string RedisStore::base_key(std::string_view queue) const {
  return redis::queue_key_base(options_.prefix, queue);
}

void RedisStore::on_message(std::string_view payload) {
  auto message = redis::parse_event_message(payload);
  if (!message || message->origin == origin_) return;  // our own: dispatched already
  dispatch(*message);
}

void RedisStore::dispatch(const redis::EventMessage& message) {
  StoreEvents* events = events_.load();
  if (events == nullptr) return;
  for (const auto& ev : message.events) {
    switch (ev.kind) {
      case redis::StoreEvent::Kind::pending:
        events->on_pending(ev.queue);
        break;
      case redis::StoreEvent::Kind::finished: {
        TaskResult result{ev.info, ev.content};
        events->on_finished(ev.queue, ev.id, ev.incarnation, &result);
        break;
      }
      case redis::StoreEvent::Kind::removed:
        events->on_finished(ev.queue, ev.id, ev.incarnation, nullptr);
        break;
      case redis::StoreEvent::Kind::expired:
        events->on_expired(ev.queue, ev.id, ev.incarnation);
        break;
      case redis::StoreEvent::Kind::progress:
        events->on_progress(ev.queue, ev.id, ev.incarnation,
                            TaskEvent{ev.seq, ev.info, ev.content});
        break;
    }
  }
}

Awaitable<Result<Reply>> RedisStore::run(redis::Script& script, std::string_view op,
                                         const std::string& queue, std::vector<std::string> args,
                                         std::vector<std::string>* outbox,
                                         std::string* due_hint) {
  // ARGV in RESP: the common four (lib.lua), then the operation's own.
  std::size_t bytes = 96 + queue.size() + origin_.size() + channel_.size();
  for (const auto& a : args) bytes += redis::RespWriter::arg_size(a.size());
  std::string argv;
  argv.reserve(bytes);
  redis::RespWriter::arg(argv, queue);
  redis::RespWriter::arg(argv, static_cast<std::int64_t>(clock_.now_ms()));
  redis::RespWriter::arg(argv, origin_);
  redis::RespWriter::arg(argv, channel_);
  for (const auto& a : args) redis::RespWriter::arg(argv, a);
  const std::size_t argc = 4 + args.size();
  args = {};  // the task's bytes are in `argv` now; free them before waiting
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  // Writes a client is told about wait for replicas; peek, stat_queue and the reaper
  // (whose work any later script redoes) do not.
  redis::WaitReplicas wait;
  if (options_.wait_replicas > 0 && &script != &scripts_->peek &&
      &script != &scripts_->stat_queue && &script != &scripts_->reap) {
    wait.replicas = static_cast<int>(options_.wait_replicas);
    wait.timeout_ms = options_.wait_timeout_ms;
  }
  std::string not_replicated;
  Reply r = co_await client.eval(script, base_key(queue), argc, std::move(argv), wait,
                                 &not_replicated);
  if (r.is_io_error() || r.is_error()) co_return redis::error_of(r, op);
  if (!r.is_array() || r.elements.size() < 3) {
    co_return redis::internal_error(std::string(op) + ": unexpected script reply");
  }
  if (!r.elements[1].str.empty()) {
    if (auto message = redis::parse_event_message(r.elements[1].str)) dispatch(*message);
  }
  // The queue's due hint: the reaper takes it itself; a script that lowered the queue's
  // next deadline records it in the due index before its caller is answered.
  if (due_hint) {
    *due_hint = std::move(r.elements[2].str);
  } else if (!r.elements[2].str.empty()) {
    std::vector<std::string> hint;  // (not a braced list: GCC's coroutines reject one here)
    hint.push_back(queue);
    hint.push_back(std::move(r.elements[2].str));
    co_await note_due(client, std::move(hint));
  }
  for (std::size_t i = 3; i < r.elements.size(); ++i) {
    if (outbox) {
      outbox->push_back(std::move(r.elements[i].str));
    } else {
      co_await deliver_outbox(queue, r.elements[i].str);
    }
  }
  // The script ran (its events are dispatched, its outbox delivered) but is not known to
  // survive a failover: the caller hears `unavailable` and may retry (idempotent).
  if (!not_replicated.empty()) co_return redis::unavailable(not_replicated);
  co_return std::move(r.elements[0]);
}

Awaitable<Result<bool>> RedisStore::put(std::string queue, NewTask task) {
  std::vector<std::string> args = args_of("1");
  append_task(args, task);
  auto r = co_await run(scripts_->put, "put", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 2)
    co_return redis::internal_error("put: unexpected reply");
  auto new_queue = flag_of(r->elements[0], "put");
  auto created = flag_of(r->elements[1], "put");
  if (!new_queue) co_return std::move(new_queue).error();
  if (!created) co_return std::move(created).error();
  if (*new_queue) co_await register_queue(queue);
  co_return *created;
}

Awaitable<Result<std::vector<bool>>> RedisStore::put_batch(std::string queue,
                                                           std::vector<NewTask> tasks) {
  std::vector<std::string> args = args_of(std::to_string(tasks.size()));
  args.reserve(1 + tasks.size() * 8);
  for (auto& t : tasks) append_task(args, t);
  auto r = co_await run(scripts_->put, "put_batch", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != tasks.size() + 1) {
    co_return redis::internal_error("put_batch: unexpected reply");
  }
  std::vector<bool> out;
  out.reserve(tasks.size());
  for (std::size_t i = 1; i < r->elements.size(); ++i) {
    auto created = flag_of(r->elements[i], "put_batch");
    if (!created) co_return std::move(created).error();
    out.push_back(*created);
  }
  auto new_queue = flag_of(r->elements[0], "put_batch");
  if (!new_queue) co_return std::move(new_queue).error();
  if (*new_queue) co_await register_queue(queue);
  co_return out;
}

Awaitable<Result<std::vector<PeekedTask>>> RedisStore::peek(std::string queue,
                                                            std::optional<Cursor> after,
                                                            std::uint32_t size) {
  std::string start;
  if (after) {
    constexpr std::uint64_t kMaxMs = 999'999'999'999'999ULL;
    constexpr std::uint64_t kMaxSeq = 9'999'999'999ULL;
    if (after->ms > kMaxMs || (after->ms == kMaxMs && after->seq >= kMaxSeq)) {
      co_return std::vector<PeekedTask>{};  // past any cursor we can hand out
    }
    start = after->seq >= kMaxSeq ? redis::cursor_key(after->ms + 1, 0)
                                  : redis::cursor_key(after->ms, after->seq + 1);
  }
  auto r =
      co_await run(scripts_->peek, "peek", queue, args_of(std::move(start), std::to_string(size)));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() % 4 != 0) {
    co_return redis::internal_error("peek: unexpected reply");
  }
  std::vector<PeekedTask> out;
  for (std::size_t i = 0; i + 3 < r->elements.size(); i += 4) {
    auto cursor = redis::parse_cursor_key(r->elements[i + 2].str);
    if (!cursor) co_return redis::internal_error("peek: a malformed cursor key in Redis");
    auto priority = redis::int_of(r->elements[i + 3], "peek");
    if (!priority) co_return std::move(priority).error();
    out.push_back(PeekedTask{std::move(r->elements[i].str), std::move(r->elements[i + 1].str),
                             *cursor, static_cast<std::int32_t>(*priority)});
  }
  co_return out;
}

Awaitable<Result<std::vector<AcquiredTask>>> RedisStore::acquire(std::string queue,
                                                                 std::vector<std::string> ids,
                                                                 std::int64_t lease_ms) {
  std::vector<std::string> args;
  args.reserve(ids.size() + 1);
  args.push_back(std::to_string(lease_ms));
  for (auto& id : ids) args.push_back(std::move(id));
  auto r = co_await run(scripts_->acquire, "acquire", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  co_return redis::acquired_of(*r, "acquire");
}

Awaitable<Result<std::vector<AcquiredTask>>> RedisStore::take(std::string queue, std::uint32_t size,
                                                              std::int64_t lease_ms) {
  auto r = co_await run(scripts_->take, "take", queue,
                        args_of(std::to_string(lease_ms), std::to_string(size)));
  if (!r.ok()) co_return std::move(r).error();
  co_return redis::acquired_of(*r, "take");
}

Awaitable<Result<bool>> RedisStore::reply(std::string queue, std::string id, TaskResult result) {
  auto r = co_await run(scripts_->reply, "reply", queue,
                        args_of(std::move(id), std::move(result.info), std::move(result.content)));
  if (!r.ok()) co_return std::move(r).error();
  co_return flag_of(*r, "reply");
}

Awaitable<Result<CallBegin>> RedisStore::call_begin(std::string queue, NewTask task,
                                                    bool put_if_absent) {
  std::vector<std::string> args = args_of(put_if_absent ? "1" : "0");
  append_task(args, task);
  auto r = co_await run(scripts_->call_begin, "call", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 5)
    co_return redis::internal_error("call: unexpected reply");
  CallBegin out;
  out.incarnation = std::move(r->elements[4].str);
  const std::string& kind = r->elements[0].str;
  if (kind == "cached") {
    out.cached = TaskResult{std::move(r->elements[1].str), std::move(r->elements[2].str)};
    out.exists = true;
  } else if (kind == "exists") {
    out.exists = true;
  } else if (kind == "created") {
    out.created = true;
    out.exists = true;
    auto new_queue = flag_of(r->elements[3], "call");
    if (!new_queue) co_return std::move(new_queue).error();
    if (*new_queue) co_await register_queue(queue);
  } else if (kind != "absent") {
    co_return redis::internal_error("call: unexpected reply");
  }
  co_return out;
}

Awaitable<Result<bool>> RedisStore::touch(std::string queue, std::string id,
                                          std::int64_t lease_ms) {
  auto r = co_await run(scripts_->touch, "touch", queue,
                        args_of(std::move(id), std::to_string(lease_ms)));
  if (!r.ok()) co_return std::move(r).error();
  co_return flag_of(*r, "touch");
}

Awaitable<Result<bool>> RedisStore::remove(std::string queue, std::string id) {
  auto r = co_await run(scripts_->remove, "remove", queue, args_of(std::move(id)));
  if (!r.ok()) co_return std::move(r).error();
  co_return flag_of(*r, "remove");
}

Awaitable<Result<bool>> RedisStore::clear_queue(std::string queue, std::uint32_t max_steps) {
  auto r =
      co_await run(scripts_->clear_queue, "clear_queue", queue, args_of(std::to_string(max_steps)));
  if (!r.ok()) co_return std::move(r).error();
  auto gone = flag_of(*r, "clear_queue");
  if (!gone || !*gone) co_return gone;
  Reply z = co_await client_.command(registry_key_, args_of("ZREM", registry_key_, queue));
  if (z.is_io_error() || z.is_error()) co_return redis::error_of(z, "clear_queue (registry)");
  co_return true;
}

Awaitable<Result<std::optional<QueueStats>>> RedisStore::stat_queue(std::string queue) {
  auto r = co_await run(scripts_->stat_queue, "stat_queue", queue, args_of());
  if (!r.ok()) co_return std::move(r).error();
  if (r->is_nil()) co_return std::optional<QueueStats>{};
  if (!r->is_array() || r->elements.size() != 19) {
    co_return redis::internal_error("stat_queue: unexpected reply");
  }
  auto& e = r->elements;
  std::uint64_t n[14] = {};
  for (std::size_t i : {0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13}) {
    auto value = redis::int_of(e[i], "stat_queue");
    if (!value) co_return std::move(value).error();
    n[i] = static_cast<std::uint64_t>(*value);
  }
  QueueStats s;
  s.length = n[0];
  s.delayed = n[1];
  s.leased = n[2];
  s.done = n[3];
  s.oldest_cursor = redis::parse_cursor_key(e[4].str);
  s.newest_cursor = redis::parse_cursor_key(e[5].str);
  s.total_put = n[6];
  s.total_acquired = n[7];
  s.total_replied = n[8];
  s.total_redelivered = n[9];
  s.total_dead = n[10];
  s.total_removed = n[11];
  s.total_failed = n[12];
  s.total_released = n[13];
  auto settings = redis::settings_of(*r, 14, "stat_queue");
  if (!settings) co_return std::move(settings).error();
  s.settings = *settings;
  auto expired = redis::int_of(e[18], "stat_queue");
  if (!expired) co_return std::move(expired).error();
  s.total_expired = static_cast<std::uint64_t>(*expired);
  co_return std::optional<QueueStats>(s);
}

Awaitable<Result<bool>> RedisStore::fail(std::string queue, std::string id, TaskResult error) {
  auto r = co_await run(scripts_->fail, "fail", queue,
                        args_of(std::move(id), std::move(error.info), std::move(error.content)));
  if (!r.ok()) co_return std::move(r).error();
  co_return flag_of(*r, "fail");
}

Awaitable<Result<bool>> RedisStore::release(std::string queue, std::string id,
                                            std::int64_t delay_ms) {
  auto r = co_await run(scripts_->release, "release", queue,
                        args_of(std::move(id), std::to_string(delay_ms)));
  if (!r.ok()) co_return std::move(r).error();
  co_return flag_of(*r, "release");
}

// Three steps, as the source queue lives in another slot (docs/redis.md, "Redrive"):
// pick the copies (dead-letter queue), put each into its source (put-if-absent), drop
// the copy of each one created there. A crash between the last two leaves the task in
// both queues, never in neither.
Awaitable<Result<std::uint32_t>> RedisStore::redrive(std::string queue,
                                                     std::vector<std::string> ids,
                                                     std::uint32_t size) {
  std::vector<std::string> args = args_of(std::to_string(size), std::to_string(ids.size()));
  for (auto& id : ids) args.push_back(std::move(id));
  auto r = co_await run(scripts_->redrive_pick, "redrive", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() % 6 != 0)
    co_return redis::internal_error("redrive: unexpected reply");
  std::uint32_t moved = 0;
  auto& e = r->elements;
  for (std::size_t i = 0; i + 5 < e.size(); i += 6) {
    NewTask task;
    task.id = e[i].str;
    task.info = std::move(e[i + 1].str);
    task.content = std::move(e[i + 2].str);
    std::int64_t cache_ms = -1;
    const std::string& cache_text = e[i + 3].str;
    std::from_chars(cache_text.data(), cache_text.data() + cache_text.size(), cache_ms);
    if (cache_ms < 0) co_return redis::internal_error("redrive: unexpected reply");
    task.config.cache_result_ms = cache_ms;
    const std::string source = std::move(e[i + 4].str);
    std::vector<std::string> put_args = args_of("1");
    append_task(put_args, task);
    auto put = co_await run(scripts_->put, "redrive (put)", source, std::move(put_args));
    if (!put.ok()) co_return std::move(put).error();
    if (!put->is_array() || put->elements.size() != 2)
      co_return redis::internal_error("redrive (put): unexpected reply");
    auto new_queue = flag_of(put->elements[0], "redrive (put)");
    auto created = flag_of(put->elements[1], "redrive (put)");
    if (!new_queue) co_return std::move(new_queue).error();
    if (!created) co_return std::move(created).error();
    if (*new_queue) co_await register_queue(source);
    if (!*created) continue;  // the id exists in the source queue: the copy stays
    auto dropped = co_await run(scripts_->redrive_drop, "redrive (drop)", queue,
                                args_of(e[i].str, std::move(e[i + 5].str)));
    if (!dropped.ok()) co_return std::move(dropped).error();
    ++moved;
  }
  co_return moved;
}

Awaitable<bool> RedisStore::ready() {
  Reply r = co_await client_.command("", args_of("PING"));
  co_return r.type == Reply::Type::status&& r.str == "PONG";
}

}  // namespace tc
