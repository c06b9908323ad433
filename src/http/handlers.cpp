#include "http/handlers.hpp"

#include "http/requests.hpp"
#include "http/responses.hpp"

namespace tc {
namespace {

Answer from_error(ApiError&& error) { return error_answer(error.code, error.message); }

// Each handler parses first (nothing is awaited while the parser's buffers are in use),
// then moves the owned request into the service.

Awaitable<Answer> put(TaskService& service, std::string_view body) {
  auto request = parse_put(body);
  if (!request) co_return from_error(std::move(request).error());
  auto created = co_await service.put(std::move(request->queue), std::move(request->task));
  if (!created) co_return from_error(std::move(created).error());
  co_return Answer{Errc::ok, responses::boolean(*created)};
}

Awaitable<Answer> put_batch(TaskService& service, std::string_view body) {
  auto request = parse_put_batch(body);
  if (!request) co_return from_error(std::move(request).error());
  auto created = co_await service.put_batch(std::move(request->queue), std::move(request->tasks));
  if (!created) co_return from_error(std::move(created).error());
  co_return Answer{Errc::ok, responses::booleans(*created)};
}

Awaitable<Answer> peek(TaskService& service, std::string_view body, ClientWatch* client) {
  auto args = parse_peek(body);
  if (!args) co_return from_error(std::move(args).error());
  auto outcome = co_await service.peek(std::move(*args), client);
  if (!outcome) co_return from_error(std::move(outcome).error());
  co_return Answer{Errc::ok, responses::peeked(*outcome)};
}

Awaitable<Answer> acquire(TaskService& service, std::string_view body) {
  auto request = parse_acquire(body);
  if (!request) co_return from_error(std::move(request).error());
  auto tasks = co_await service.acquire(std::move(request->queue), std::move(request->ids),
                                        request->lease_ms);
  if (!tasks) co_return from_error(std::move(tasks).error());
  co_return Answer{Errc::ok, responses::acquired(*tasks)};
}

Awaitable<Answer> take(TaskService& service, std::string_view body, ClientWatch* client) {
  auto args = parse_take(body);
  if (!args) co_return from_error(std::move(args).error());
  auto tasks = co_await service.take(std::move(*args), client);
  if (!tasks) co_return from_error(std::move(tasks).error());
  co_return Answer{Errc::ok, responses::acquired(*tasks)};
}

Awaitable<Answer> reply(TaskService& service, std::string_view body) {
  auto request = parse_reply(body);
  if (!request) co_return from_error(std::move(request).error());
  auto completed = co_await service.reply(std::move(request->queue), std::move(request->id),
                                          std::move(request->result));
  if (!completed) co_return from_error(std::move(completed).error());
  co_return Answer{Errc::ok, responses::boolean(*completed)};
}

Awaitable<Answer> call(TaskService& service, std::string_view body, ClientWatch* client,
                       CallDataShape shape) {
  auto args = parse_call(body);
  if (!args) co_return from_error(std::move(args).error());
  std::string id = args->task.id;  // the answer names it; the task itself moves on
  auto result = co_await service.call(std::move(*args), client);
  if (!result) co_return from_error(std::move(result).error());
  co_return Answer{Errc::ok, responses::call_result(id, *result, shape)};
}

Awaitable<Answer> touch(TaskService& service, std::string_view body) {
  auto request = parse_touch(body);
  if (!request) co_return from_error(std::move(request).error());
  auto leased = co_await service.touch(std::move(request->queue), std::move(request->id),
                                       request->lease_ms);
  if (!leased) co_return from_error(std::move(leased).error());
  co_return Answer{Errc::ok, responses::boolean(*leased)};
}

Awaitable<Answer> remove(TaskService& service, std::string_view body) {
  auto request = parse_remove(body);
  if (!request) co_return from_error(std::move(request).error());
  auto removed = co_await service.remove(std::move(request->queue), std::move(request->id));
  if (!removed) co_return from_error(std::move(removed).error());
  co_return Answer{Errc::ok, responses::boolean(*removed)};
}

Awaitable<Answer> clear_queue(TaskService& service, std::string_view body) {
  auto request = parse_clear_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  auto cleared = co_await service.clear_queue(std::move(request->queue), request->max_steps);
  if (!cleared) co_return from_error(std::move(cleared).error());
  co_return Answer{Errc::ok, responses::boolean(*cleared)};
}

Awaitable<Answer> list_queue(TaskService& service, std::string_view body) {
  auto request = parse_list_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  auto page = co_await service.list_queues(std::move(request->cursor), request->size);
  if (!page) co_return from_error(std::move(page).error());
  co_return Answer{Errc::ok, responses::queue_page(*page)};
}

Awaitable<Answer> stat_queue(TaskService& service, std::string_view body) {
  auto request = parse_stat_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  auto stats = co_await service.stat_queue(std::move(request->queue));
  if (!stats) co_return from_error(std::move(stats).error());
  co_return Answer{Errc::ok, responses::queue_stats(*stats)};
}

Awaitable<Answer> not_a_task_endpoint() {
  co_return error_answer(Errc::not_found, "this path is not a /task/* endpoint.");
}

}  // namespace

Answer error_answer(Errc code, std::string_view message) {
  return Answer{code, responses::error(code, message)};
}

// Not a coroutine itself (plain `return`): it hands back the handler's own awaitable, so a
// request holds one handler frame, not two, for as long as it waits (long-polls).
Awaitable<Answer> handle_task(Endpoint endpoint, TaskService& service, std::string_view body,
                              ClientWatch* client, CallDataShape call_data) {
  switch (endpoint) {
    case Endpoint::put: return put(service, body);
    case Endpoint::put_batch: return put_batch(service, body);
    case Endpoint::peek: return peek(service, body, client);
    case Endpoint::acquire: return acquire(service, body);
    case Endpoint::take: return take(service, body, client);
    case Endpoint::reply: return reply(service, body);
    case Endpoint::call: return call(service, body, client, call_data);
    case Endpoint::touch: return touch(service, body);
    case Endpoint::remove: return remove(service, body);
    case Endpoint::clear_queue: return clear_queue(service, body);
    case Endpoint::list_queue: return list_queue(service, body);
    case Endpoint::stat_queue: return stat_queue(service, body);
    default: break;
  }
  return not_a_task_endpoint();
}

}  // namespace tc
