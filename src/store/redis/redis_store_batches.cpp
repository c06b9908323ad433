// RedisStore's batch operations: reply_batch (one reply_batch.lua run for the batch).
#include "store/redis/redis_store.hpp"

#include "store/redis/replies.hpp"

namespace tc {

Awaitable<Result<std::vector<ReplyOutcome>>> RedisStore::reply_batch_timed(
    std::string queue, std::vector<TaskReply> replies) {
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
  co_return redis::reply_outcomes_of(*r, replies.size(), "reply_batch");
}

}  // namespace tc
