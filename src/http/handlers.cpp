#include "http/handlers.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "auth/scope.hpp"
#include "http/batch_metrics.hpp"
#include "http/latency_metrics.hpp"
#include "http/event_stream_response.hpp"
#include "http/requests.hpp"
#include "http/responses.hpp"
#include "service/queue_summary.hpp"

namespace tc {
namespace {

Answer from_error(ApiError&& error) { return error_answer(error.code, error.message); }

// The 0009 answer when the token's scope (null: auth is off) does not cover `endpoint`
// on `queue`; checked on the queue name the parser produced, so the check and the
// operation can never see two different names.
std::optional<Answer> refused(const Grants* scope, Endpoint endpoint, std::string_view queue) {
  if (scope == nullptr || scope_allows(*scope, endpoint, queue)) return std::nullopt;
  std::string message = "this token's scope does not allow ";
  message.append(endpoint_name(endpoint)).append(" on queue \"").append(queue).append("\".");
  return error_answer(Errc::forbidden, message);
}

// A task's config names queues the reply or the last failed attempt will put into: the
// producer needs the right to put there itself, or a scope would be one config away.
std::optional<Answer> refused_targets(const Grants* scope, const TaskConfig& config) {
  for (const auto* target : {&config.forward_result_to, &config.dead_letter_to})
    if (*target)
      if (auto denied = refused(scope, Endpoint::put, **target)) return denied;
  return std::nullopt;
}

// Each handler parses first (nothing is awaited while the parser's buffers are in use),
// then moves the owned request into the service.

Awaitable<Answer> put(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_put(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::put, request->queue)) co_return *denied;
  if (auto denied = refused_targets(scope, request->task.config)) co_return *denied;
  auto created = co_await service.put(std::move(request->queue), std::move(request->task));
  if (!created) co_return from_error(std::move(created).error());
  co_return Answer{Errc::ok, responses::boolean(*created)};
}

Awaitable<Answer> put_batch(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_put_batch(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::put_batch, request->queue)) co_return *denied;
  for (const auto& task : request->tasks)
    if (auto denied = refused_targets(scope, task.config)) co_return *denied;
  auto created = co_await service.put_batch(std::move(request->queue), std::move(request->tasks));
  if (!created) co_return from_error(std::move(created).error());
  co_return Answer{Errc::ok, responses::booleans(*created)};
}

Awaitable<Answer> peek(TaskService& service, std::string_view body, ClientWatch* client,
                       const Grants* scope) {
  auto args = parse_peek(body);
  if (!args) co_return from_error(std::move(args).error());
  if (auto denied = refused(scope, Endpoint::peek, args->queue)) co_return *denied;
  auto outcome = co_await service.peek(std::move(*args), client);
  if (!outcome) co_return from_error(std::move(outcome).error());
  co_return Answer{Errc::ok, responses::peeked(*outcome)};
}

Awaitable<Answer> acquire(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_acquire(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::acquire, request->queue)) co_return *denied;
  std::string queue = request->queue;  // the latency histograms' label
  auto tasks = co_await service.acquire(std::move(request->queue), std::move(request->ids),
                                        request->lease_ms);
  if (!tasks) co_return from_error(std::move(tasks).error());
  latency_metrics().observe_leased(queue, *tasks);
  co_return Answer{Errc::ok, responses::acquired(*tasks)};
}

Awaitable<Answer> take(TaskService& service, std::string_view body, ClientWatch* client,
                       const Grants* scope) {
  auto args = parse_take(body);
  if (!args) co_return from_error(std::move(args).error());
  if (auto denied = refused(scope, Endpoint::take, args->queue)) co_return *denied;
  std::string queue = args->queue;  // the batch-size histogram's label
  auto tasks = co_await service.take(std::move(*args), client);
  if (!tasks) co_return from_error(std::move(tasks).error());
  if (!tasks->empty()) {
    batch_metrics().observe_take(queue, tasks->size());
    latency_metrics().observe_leased(queue, *tasks);
  }
  co_return Answer{Errc::ok, responses::acquired(*tasks)};
}

Awaitable<Answer> reply(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_reply(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::reply, request->queue)) co_return *denied;
  std::string queue = request->queue;  // the service time histogram's label
  auto outcome = co_await service.reply(std::move(request->queue), std::move(request->id),
                                        std::move(request->result));
  if (!outcome) co_return from_error(std::move(outcome).error());
  latency_metrics().observe_replied(queue, *outcome);
  co_return Answer{Errc::ok, responses::boolean(outcome->completed)};
}

Answer streamed(std::unique_ptr<TaskEventStream> stream, StreamKind kind,
                stream_lines::Format format, CallDataShape shape) {
  Answer answer;
  answer.stream = std::make_shared<EventStreamResponse>(std::move(stream), kind, format, shape);
  answer.content_type = stream_lines::content_type(format);
  return answer;
}

Awaitable<Answer> call(TaskService& service, std::string_view body, ClientWatch* client,
                       const Grants* scope, CallDataShape shape, stream_lines::Format format) {
  auto args = parse_call(body);
  if (!args) co_return from_error(std::move(args).error());
  if (auto denied = refused(scope, Endpoint::call, args->queue)) co_return *denied;
  if (auto denied = refused_targets(scope, args->task.config)) co_return *denied;
  if (args->stream) {
    auto stream = co_await service.call_stream(std::move(*args), client);
    if (!stream) co_return from_error(std::move(stream).error());
    co_return streamed(std::move(*stream), StreamKind::call, format, shape);
  }
  std::string id = args->task.id;  // the answer names it; the task itself moves on
  auto result = co_await service.call(std::move(*args), client);
  if (!result) co_return from_error(std::move(result).error());
  co_return Answer{Errc::ok, responses::call_result(id, *result, shape)};
}

Awaitable<Answer> touch(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_touch(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::touch, request->queue)) co_return *denied;
  auto leased = co_await service.touch(std::move(request->queue), std::move(request->id),
                                       request->lease_ms);
  if (!leased) co_return from_error(std::move(leased).error());
  co_return Answer{Errc::ok, responses::boolean(*leased)};
}

Awaitable<Answer> remove(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_remove(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::remove, request->queue)) co_return *denied;
  auto removed = co_await service.remove(std::move(request->queue), std::move(request->id));
  if (!removed) co_return from_error(std::move(removed).error());
  co_return Answer{Errc::ok, responses::boolean(*removed)};
}

Awaitable<Answer> clear_queue(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_clear_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::clear_queue, request->queue)) co_return *denied;
  std::string queue = request->queue;
  auto cleared = co_await service.clear_queue(std::move(request->queue), request->max_steps);
  if (!cleared) co_return from_error(std::move(cleared).error());
  if (*cleared) {
    batch_metrics().forget(queue);
    latency_metrics().forget(queue);
  }
  co_return Answer{Errc::ok, responses::boolean(*cleared)};
}

Awaitable<Answer> list_queue(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_list_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  auto page = co_await service.list_queues(std::move(request->cursor), request->size);
  if (!page) co_return from_error(std::move(page).error());
  // Only the queues the token may read; the cursor still walks every queue, so a page
  // may hold fewer than `size` names (even none) before the last one.
  if (scope != nullptr)
    std::erase_if(page->queues, [scope](const std::string& queue) {
      return !scope_allows(*scope, Endpoint::list_queue, queue);
    });
  co_return Answer{Errc::ok, responses::queue_page(*page)};
}

Awaitable<Answer> stat_queue(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_stat_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::stat_queue, request->queue)) co_return *denied;
  auto stats = co_await service.stat_queue(std::move(request->queue));
  if (!stats) co_return from_error(std::move(stats).error());
  co_return Answer{Errc::ok, responses::queue_stats(*stats)};
}

// The overview: the queues the token may read, as list_queue lists them.
Awaitable<Answer> summary(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_summary(body);
  if (!request) co_return from_error(std::move(request).error());
  std::function<bool(std::string_view)> visible;
  if (scope != nullptr)
    visible = [scope](std::string_view queue) {
      return scope_allows(*scope, Endpoint::summary, queue);
    };
  // A named argument, not a braced temporary: g++ 12 destroys a temporary aggregate
  // passed by value to a coroutine twice.
  SummaryArgs args{std::move(request->cursor), request->size, std::move(request->search)};
  auto page = co_await summarize_queues(service, std::move(args), std::move(visible));
  if (!page) co_return from_error(std::move(page).error());
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  co_return Answer{Errc::ok, responses::summary_page(*page, static_cast<std::uint64_t>(now_ms))};
}

Awaitable<Answer> reply_batch(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_reply_batch(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::reply_batch, request->queue)) co_return *denied;
  std::string queue = request->queue;  // the service time histogram's label
  auto outcomes =
      co_await service.reply_batch(std::move(request->queue), std::move(request->replies));
  if (!outcomes) co_return from_error(std::move(outcomes).error());
  latency_metrics().observe_replied(queue, *outcomes);
  std::vector<bool> completed;
  completed.reserve(outcomes->size());
  for (const ReplyOutcome& o : *outcomes) completed.push_back(o.completed);
  co_return Answer{Errc::ok, responses::booleans(completed)};
}

Awaitable<Answer> config_queue(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_config_queue(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::config_queue, request->queue)) co_return *denied;
  auto settings =
      co_await service.config_queue(std::move(request->queue), std::move(request->change));
  if (!settings) co_return from_error(std::move(settings).error());
  co_return Answer{Errc::ok, responses::queue_settings(*settings)};
}

Awaitable<Answer> fail(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_fail(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::fail, request->queue)) co_return *denied;
  auto failed = co_await service.fail(std::move(request->queue), std::move(request->id),
                                      std::move(request->error));
  if (!failed) co_return from_error(std::move(failed).error());
  co_return Answer{Errc::ok, responses::boolean(*failed)};
}

Awaitable<Answer> release(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_release(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::release, request->queue)) co_return *denied;
  auto released = co_await service.release(std::move(request->queue), std::move(request->id),
                                           request->delay_ms);
  if (!released) co_return from_error(std::move(released).error());
  co_return Answer{Errc::ok, responses::boolean(*released)};
}

Awaitable<Answer> redrive(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_redrive(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::redrive, request->queue)) co_return *denied;
  auto moved = co_await service.redrive(std::move(request->queue), std::move(request->ids),
                                        request->size);
  if (!moved) co_return from_error(std::move(moved).error());
  co_return Answer{Errc::ok, responses::count(*moved)};
}

Awaitable<Answer> get(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_get(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::get, request->queue)) co_return *denied;
  auto view = co_await service.get(std::move(request->queue), std::move(request->id),
                                   request->with_content);
  if (!view) co_return from_error(std::move(view).error());
  co_return Answer{Errc::ok, responses::task_view(*view)};
}

Awaitable<Answer> list_tasks(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_list_tasks(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::list_tasks, request->queue)) co_return *denied;
  auto page = co_await service.list_tasks(std::move(request->queue), request->state,
                                          std::move(request->cursor), request->size);
  if (!page) co_return from_error(std::move(page).error());
  co_return Answer{Errc::ok, responses::task_page(*page)};
}

Awaitable<Answer> progress(TaskService& service, std::string_view body, const Grants* scope) {
  auto request = parse_progress(body);
  if (!request) co_return from_error(std::move(request).error());
  if (auto denied = refused(scope, Endpoint::progress, request->queue)) co_return *denied;
  auto seq = co_await service.progress(std::move(request->queue), std::move(request->id),
                                       std::move(request->event), request->lease_ms);
  if (!seq) co_return from_error(std::move(seq).error());
  co_return Answer{Errc::ok, responses::boolean(seq->has_value())};
}

Awaitable<Answer> watch(TaskService& service, std::string_view body, ClientWatch* client,
                        const Grants* scope, CallDataShape shape, stream_lines::Format format) {
  auto args = parse_watch(body);
  if (!args) co_return from_error(std::move(args).error());
  if (auto denied = refused(scope, Endpoint::watch, args->queue)) co_return *denied;
  auto stream = co_await service.watch(std::move(*args), client);
  if (!stream) co_return from_error(std::move(stream).error());
  // No such task: the ordinary envelope, data null.
  if (!*stream) co_return Answer{Errc::ok, responses::call_result("", std::nullopt, shape)};
  co_return streamed(std::move(*stream), StreamKind::watch, format, shape);
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
                         ClientWatch* client, const Grants* scope,
                              CallDataShape call_data, stream_lines::Format stream_format) {
  switch (endpoint) {
    case Endpoint::put: return put(service, body, scope);
    case Endpoint::put_batch: return put_batch(service, body, scope);
    case Endpoint::peek: return peek(service, body, client, scope);
    case Endpoint::acquire: return acquire(service, body, scope);
    case Endpoint::take: return take(service, body, client, scope);
    case Endpoint::reply: return reply(service, body, scope);
    case Endpoint::call: return call(service, body, client, scope, call_data, stream_format);
    case Endpoint::touch: return touch(service, body, scope);
    case Endpoint::remove: return remove(service, body, scope);
    case Endpoint::clear_queue: return clear_queue(service, body, scope);
    case Endpoint::list_queue: return list_queue(service, body, scope);
    case Endpoint::stat_queue: return stat_queue(service, body, scope);
    case Endpoint::summary: return summary(service, body, scope);
    case Endpoint::reply_batch: return reply_batch(service, body, scope);
    case Endpoint::config_queue: return config_queue(service, body, scope);
    case Endpoint::fail: return fail(service, body, scope);
    case Endpoint::release: return release(service, body, scope);
    case Endpoint::redrive: return redrive(service, body, scope);
    case Endpoint::get: return get(service, body, scope);
    case Endpoint::list_tasks: return list_tasks(service, body, scope);
    case Endpoint::progress: return progress(service, body, scope);
    case Endpoint::watch: return watch(service, body, client, scope, call_data, stream_format);
    default: break;
  }
  return not_a_task_endpoint();
}

}  // namespace tc
