// MemoryState's batch operations: reply_batch (and, with the Version 2 take, how a take
// forms a batch by priority, cost and key).
#include "store/memory/memory_state.hpp"

namespace tc::memory {

std::vector<ReplyOutcome> MemoryState::reply_batch(std::int64_t now, std::string_view queue,
                                                   std::vector<TaskReply>&& replies) {
  // reply() applies what is due first; at the same `now` the later calls find nothing
  // due, so the batch is one step at one instant, exactly as the replies one by one.
  std::vector<ReplyOutcome> out;
  out.reserve(replies.size());
  for (auto& reply_item : replies)
    out.push_back(reply(now, queue, reply_item.id, std::move(reply_item.result)));
  return out;
}

}  // namespace tc::memory
