// RedisStore's batch operations: reply_batch (one reply_batch.lua run for the batch).
#include "store/redis/redis_store.hpp"

#include "store/redis/replies.hpp"

namespace tc {

Awaitable<Result<std::vector<bool>>> RedisStore::reply_batch(std::string queue,
                                                             std::vector<TaskReply> replies) {
  std::vector<std::string> args;
  args.reserve(1 + replies.size() * 3);
  args.push_back(std::to_string(replies.size()));
  for (auto& reply : replies) {
    args.push_back(std::move(reply.id));
    args.push_back(std::move(reply.result.info));
    args.push_back(std::move(reply.result.content));
  }
  auto r = co_await run(scripts_->reply_batch, "reply_batch", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != replies.size())
    co_return redis::internal_error("reply_batch: unexpected reply");
  std::vector<bool> out;
  out.reserve(replies.size());
  for (const auto& element : r->elements) {
    auto completed = redis::int_of(element, "reply_batch");
    if (!completed) co_return std::move(completed).error();
    out.push_back(*completed == 1);
  }
  co_return out;
}

}  // namespace tc
