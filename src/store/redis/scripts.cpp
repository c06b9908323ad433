#include "store/redis/scripts.hpp"

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

std::string with_lib(std::string_view op) {
  std::string s(tc_embedded_lib_lua);
  s += '\n';
  s += op;
  return s;
}

}  // namespace

StoreScripts::StoreScripts()
    : put(with_lib(tc_embedded_put_lua)),
      peek(with_lib(tc_embedded_peek_lua)),
      acquire(with_lib(tc_embedded_acquire_lua)),
      take(with_lib(tc_embedded_take_lua)),
      reply(with_lib(tc_embedded_reply_lua)),
      call_begin(with_lib(tc_embedded_call_begin_lua)),
      touch(with_lib(tc_embedded_touch_lua)),
      remove(with_lib(tc_embedded_remove_lua)),
      clear_queue(with_lib(tc_embedded_clear_queue_lua)),
      stat_queue(with_lib(tc_embedded_stat_queue_lua)),
      reap(with_lib(tc_embedded_reap_lua)),
      reply_batch(with_lib(tc_embedded_reply_batch_lua)),
      config_queue(with_lib(tc_embedded_config_queue_lua)),
      lease_gate(with_lib(tc_embedded_lease_gate_lua)),
      due_index(std::string(tc_embedded_due_index_lua)),
      fail(with_lib(tc_embedded_fail_lua)),
      release(with_lib(tc_embedded_release_lua)),
      put_dead_letter(with_lib(tc_embedded_put_dead_letter_lua)),
      redrive_pick(with_lib(tc_embedded_redrive_pick_lua)),
      redrive_drop(with_lib(tc_embedded_redrive_drop_lua)),
      get_task(with_lib(tc_embedded_get_task_lua)),
      list_tasks(with_lib(tc_embedded_list_tasks_lua)),
      take_keyed(with_lib(tc_embedded_take_keyed_lua)),
      progress(with_lib(tc_embedded_progress_lua)),
      events(with_lib(tc_embedded_events_lua)) {}

}  // namespace tc::redis
