// Reading what Redis answers the store: the errors it maps them to, and the decoding of
// script replies. A reply of the wrong shape, a malformed number or a failing script is
// `internal` (0010, logged): a bug or damaged data, which a client must not retry as an
// outage; only a Redis that cannot be reached or cannot take writes now is `unavailable`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/task.hpp"
#include "store/redis/reply.hpp"

namespace tc::redis {

ApiError unavailable(std::string_view why);
// `what` failed: 0010 with a message that names it (never task content), logged
// (rate limited) on stderr.
ApiError internal_error(std::string_view what);
// The error for a reply that is an I/O failure or a Redis error, running `what`.
ApiError error_of(const Reply& reply, std::string_view what);

// An integer reply (or a string of decimal digits, as Lua numbers come back).
Result<std::int64_t> int_of(const Reply& reply, std::string_view what);
// {id, info, content, attempt, priority, batch_key, cost, ...} of acquire.lua /
// take.lua / take_keyed.lua.
Result<std::vector<AcquiredTask>> acquired_of(Reply& reply, std::string_view what);
// `count` replies' outcomes of reply.lua / reply_batch.lua: {completed (0/1), service_ms
// (-1: none)} per reply, flat.
Result<std::vector<ReplyOutcome>> reply_outcomes_of(const Reply& reply, std::size_t count,
                                                    std::string_view what);
// Queue settings at elements first..first+3 of an array reply: paused (0/1), max_leased,
// rate and burst (decimal text as given; burst 0 = the default). The burst answered is
// the one in force. (redis_store_settings.cpp)
Result<QueueSettings> settings_of(const Reply& reply, std::size_t first, std::string_view what);

}  // namespace tc::redis
