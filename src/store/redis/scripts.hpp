// The store's Lua scripts (scripts/*.lua), each behind scripts/lib.lua, embedded at build
// time (cmake/embed.cmake) and loaded by the client on first use: as one Redis Function
// library where the server has Functions (Redis 7), else as one EVAL script each
// (docs/redis.md, "How the scripts run").
#pragma once

#include <memory>

#include "store/redis/client.hpp"

namespace tc::redis {

struct StoreScripts {
  explicit StoreScripts(ScriptMode mode = ScriptMode::automatic);
  std::shared_ptr<ScriptLibrary> library;  // shared by every script below
  Script put;
  Script peek;
  Script acquire;
  Script take;
  Script reply;
  Script call_begin;
  Script touch;
  Script remove;
  Script clear_queue;
  Script stat_queue;
  Script reap;
  Script reply_batch;
  Script config_queue;
  Script lease_gate;
  Script due_index;  // scripts/due_index.lua, without lib.lua (the index's own slot)
  Script fail;
  Script release;
  Script put_dead_letter;
  Script redrive_pick;
  Script redrive_drop;
  Script get_task;
  Script list_tasks;
  Script take_keyed;
  Script progress;
  Script events;
};

}  // namespace tc::redis
