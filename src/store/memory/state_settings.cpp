// MemoryState's queue settings (config_queue): pause, max_leased and the token bucket,
// and the gate every take / acquire passes (lease_allowance). The bucket runs on the
// `now` of the mutations, so replaying the log rebuilds it exactly.
#include <cstdint>

#include "store/memory/memory_state.hpp"

namespace tc::memory {

QueueSettings MemoryState::config_queue(std::int64_t now, std::string_view queue,
                                        const QueueSettingsChange& change) {
  apply_due(now);
  Queue& q = queue_for(queue);
  QueueSettings& s = q.settings;
  const bool was_blocking = s.paused || s.max_leased > 0 || s.rate > 0;
  if (change.paused) s.paused = *change.paused;
  if (change.max_leased) s.max_leased = *change.max_leased;
  if (change.bucket) {
    s.rate = change.bucket->rate;
    s.burst = s.rate > 0 ? change.bucket->burst : 0;
    q.bucket_tat = 0;  // a new bucket starts full
  }
  // Resuming or raising a limit may let waiting takes lease: they look again.
  if (was_blocking && !q.pending.empty()) wake(q);
  flush_wakeups();
  QueueSettings in_force = s;
  in_force.burst = s.effective_burst();
  return in_force;
}

std::uint32_t MemoryState::lease_allowance(const Queue& queue, std::int64_t now) noexcept {
  const QueueSettings& s = queue.settings;
  if (s.paused) return 0;
  std::uint32_t allowance = UINT32_MAX;
  if (s.max_leased > 0)
    allowance = queue.leased >= s.max_leased ? 0 : static_cast<std::uint32_t>(s.max_leased - queue.leased);
  if (s.rate > 0 && allowance > 0)
    allowance = std::min(allowance, bucket::available(s.rate, s.effective_burst(), queue.bucket_tat,
                                                      static_cast<double>(now)));
  return allowance;
}

void MemoryState::spend_lease_token(Queue& queue, std::int64_t now) noexcept {
  if (queue.settings.rate > 0)
    queue.bucket_tat = bucket::spend(queue.settings.rate, queue.bucket_tat, static_cast<double>(now), 1);
}

LeaseGate MemoryState::lease_gate(std::string_view queue, std::int64_t now) const {
  LeaseGate gate;
  const Queue* q = find_queue(queue);
  if (!q) return gate;
  gate.blocked = lease_allowance(*q, now) == 0;
  const QueueSettings& s = q->settings;
  if (gate.blocked && !s.paused && s.rate > 0)
    gate.retry_in_ms = bucket::wait_ms(s.rate, s.effective_burst(), q->bucket_tat,
                                       static_cast<double>(now));
  return gate;
}

}  // namespace tc::memory
