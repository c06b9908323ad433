// Open connections per client address (--max-connections-per-client), shared by the
// I/O threads: one lock per accept and per close, never per request.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace tc {

// An IPv6 address, or an IPv4 address mapped into IPv6 (::ffff:a.b.c.d).
using ClientAddress = std::array<unsigned char, 16>;

class ClientLimits {
 public:
  // per_client 0: no limit (nothing is tracked).
  explicit ClientLimits(std::uint32_t per_client) : per_client_(per_client) {}

  // Counts one more connection of `address`; false (and nothing counted) at the limit.
  bool try_admit(const ClientAddress& address) {
    if (per_client_ == 0) return true;
    std::lock_guard lock(mutex_);
    auto& open = open_[address];
    if (open >= per_client_) return false;
    ++open;
    return true;
  }
  // The connection of an admitted `address` closed.
  void leave(const ClientAddress& address) {
    if (per_client_ == 0) return;
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
  }
  std::uint32_t open(const ClientAddress& address) const {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    return it == open_.end() ? 0 : it->second;
  }
  std::uint32_t per_client() const noexcept { return per_client_; }

 private:
  struct Hash {
    std::size_t operator()(const ClientAddress& a) const noexcept {
      std::uint64_t high, low;
      std::memcpy(&high, a.data(), 8);
      std::memcpy(&low, a.data() + 8, 8);
      return std::hash<std::uint64_t>{}(high * 0x9e3779b97f4a7c15ull ^ low);
    }
  };
  const std::uint32_t per_client_;
  mutable std::mutex mutex_;
  std::unordered_map<ClientAddress, std::uint32_t, Hash> open_;
};

}  // namespace tc
