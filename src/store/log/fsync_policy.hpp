// When the append-only log's records reach the disk (like Redis's appendfsync): the log's
// own setting, so that the log depends on nothing of the flags that choose it.
#pragma once

#include <string_view>

namespace tc::log {

enum class FsyncPolicy { always, everysec, no };

constexpr std::string_view fsync_policy_name(FsyncPolicy policy) noexcept {
  switch (policy) {
    case FsyncPolicy::always: return "always";
    case FsyncPolicy::everysec: return "everysec";
    case FsyncPolicy::no: return "no";
  }
  return "everysec";
}

}  // namespace tc::log
