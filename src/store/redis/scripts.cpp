#include "store/redis/scripts.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

extern const std::string_view tc_embedded_lib_lua;
extern const std::string_view tc_embedded_put_lua;
extern const std::string_view tc_embedded_peek_lua;
extern const std::string_view tc_embedded_acquire_lua;
extern const std::string_view tc_embedded_take_lua;
extern const std::string_view tc_embedded_reply_lua;
extern const std::string_view tc_embedded_call_begin_lua;
extern const std::string_view tc_embedded_touch_lua;
extern const std::string_view tc_embedded_remove_lua;
extern const std::string_view tc_embedded_clear_queue_lua;
extern const std::string_view tc_embedded_stat_queue_lua;
extern const std::string_view tc_embedded_reap_lua;
extern const std::string_view tc_embedded_reply_batch_lua;
extern const std::string_view tc_embedded_config_queue_lua;
extern const std::string_view tc_embedded_lease_gate_lua;
extern const std::string_view tc_embedded_due_index_lua;
extern const std::string_view tc_embedded_fail_lua;
extern const std::string_view tc_embedded_release_lua;
extern const std::string_view tc_embedded_put_dead_letter_lua;
extern const std::string_view tc_embedded_redrive_pick_lua;
extern const std::string_view tc_embedded_redrive_drop_lua;
extern const std::string_view tc_embedded_get_task_lua;
extern const std::string_view tc_embedded_list_tasks_lua;
extern const std::string_view tc_embedded_take_keyed_lua;
extern const std::string_view tc_embedded_progress_lua;
extern const std::string_view tc_embedded_events_lua;

namespace tc::redis {
namespace {

// One operation: its name in the library and its file; with_lib = false for a script
// that does not run behind lib.lua.
struct Operation {
  std::string_view name;
  std::string_view source;
  bool with_lib = true;
};

const std::array<Operation, 25> kOperations = {{
    {"put", tc_embedded_put_lua},
    {"peek", tc_embedded_peek_lua},
    {"acquire", tc_embedded_acquire_lua},
    {"take", tc_embedded_take_lua},
    {"reply", tc_embedded_reply_lua},
    {"call_begin", tc_embedded_call_begin_lua},
    {"touch", tc_embedded_touch_lua},
    {"remove", tc_embedded_remove_lua},
    {"clear_queue", tc_embedded_clear_queue_lua},
    {"stat_queue", tc_embedded_stat_queue_lua},
    {"reap", tc_embedded_reap_lua},
    {"reply_batch", tc_embedded_reply_batch_lua},
    {"config_queue", tc_embedded_config_queue_lua},
    {"lease_gate", tc_embedded_lease_gate_lua},
    {"due_index", tc_embedded_due_index_lua, false},
    {"fail", tc_embedded_fail_lua},
    {"release", tc_embedded_release_lua},
    {"put_dead_letter", tc_embedded_put_dead_letter_lua},
    {"redrive_pick", tc_embedded_redrive_pick_lua},
    {"redrive_drop", tc_embedded_redrive_drop_lua},
    {"get_task", tc_embedded_get_task_lua},
    {"list_tasks", tc_embedded_list_tasks_lua},
    {"take_keyed", tc_embedded_take_keyed_lua},
    {"progress", tc_embedded_progress_lua},
    {"events", tc_embedded_events_lua},
}};

// The EVAL form of an operation: lib.lua, begin_call, the file (lib.lua's top level
// runs on every call).
std::string eval_source(const Operation& op) {
  if (!op.with_lib) return std::string(op.source);
  std::string s(tc_embedded_lib_lua);
  s += "\nbegin_call(KEYS, ARGV)\n";
  s += op.source;
  return s;
}

// 64-bit FNV-1a: names the library after its text, so instances of different builds
// sharing one Redis each find their own functions (a rolling upgrade).
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::shared_ptr<ScriptLibrary> make_library(ScriptMode mode) {
  // The functions, each "function(KEYS, ARGV) begin_call(KEYS, ARGV) <file> end": the
  // file's top level becomes the function's body, its `return` the function's.
  std::string functions;
  std::uint64_t hash = fnv1a(tc_embedded_lib_lua);
  for (const Operation& op : kOperations) hash = fnv1a(op.source, fnv1a(op.name, hash));
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(hash));
  auto library = std::make_shared<ScriptLibrary>();
  library->name = std::string("taskcenter_") + tag;
  library->function_prefix = std::string("tc_") + tag + "_";
  for (const Operation& op : kOperations) {
    functions += "redis.register_function('";
    functions += library->function_prefix;
    functions += op.name;
    functions += op.with_lib ? "', function(KEYS, ARGV)\nbegin_call(KEYS, ARGV)\n"
                             : "', function(KEYS, ARGV)\n";
    functions += op.source;
    functions += "\nend)\n";
  }
  library->source = "#!lua name=" + library->name + "\n";
  library->source += tc_embedded_lib_lua;
  library->source += '\n';
  library->source += functions;
  library->mode.store(mode);
  return library;
}

Script script_of(const std::shared_ptr<ScriptLibrary>& library, std::string_view name) {
  for (const Operation& op : kOperations) {
    if (op.name == name) {
      return Script(eval_source(op), library->function_prefix + std::string(name), library);
    }
  }
  throw std::logic_error("no such script");
}

}  // namespace

StoreScripts::StoreScripts(ScriptMode mode)
    : library(make_library(mode)),
      put(script_of(library, "put")),
      peek(script_of(library, "peek")),
      acquire(script_of(library, "acquire")),
      take(script_of(library, "take")),
      reply(script_of(library, "reply")),
      call_begin(script_of(library, "call_begin")),
      touch(script_of(library, "touch")),
      remove(script_of(library, "remove")),
      clear_queue(script_of(library, "clear_queue")),
      stat_queue(script_of(library, "stat_queue")),
      reap(script_of(library, "reap")),
      reply_batch(script_of(library, "reply_batch")),
      config_queue(script_of(library, "config_queue")),
      lease_gate(script_of(library, "lease_gate")),
      due_index(script_of(library, "due_index")),
      fail(script_of(library, "fail")),
      release(script_of(library, "release")),
      put_dead_letter(script_of(library, "put_dead_letter")),
      redrive_pick(script_of(library, "redrive_pick")),
      redrive_drop(script_of(library, "redrive_drop")),
      get_task(script_of(library, "get_task")),
      list_tasks(script_of(library, "list_tasks")),
      take_keyed(script_of(library, "take_keyed")),
      progress(script_of(library, "progress")),
      events(script_of(library, "events")) {}

}  // namespace tc::redis
