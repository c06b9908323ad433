// The store's Lua scripts (scripts/*.lua), each prefixed with scripts/lib.lua, embedded
// at build time (cmake/embed.cmake) and loaded by the client on first use.
#pragma once

#include "store/redis/client.hpp"

namespace tc::redis {

struct StoreScripts {
  StoreScripts();
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
