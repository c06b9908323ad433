#include "taskcenter/client.hpp"

#include "connection_pool.hpp"
#include "json_codec.hpp"
#include "json_writer.hpp"

namespace taskcenter {
namespace {

using detail::Clock;
using detail::JsonWriter;

void write_config(JsonWriter& w, const TaskConfig& config) {
  if (config.empty()) return;
  w.key("config").begin_object();
  if (config.cache_result_time) w.key("cache_result_time").number(config.cache_result_time->count());
  if (config.forward_result_to) w.key("forward_result_to").string(*config.forward_result_to);
  if (config.max_attempts) w.key("max_attempts").number(std::uint64_t{*config.max_attempts});
  if (config.dead_letter_to) w.key("dead_letter_to").string(*config.dead_letter_to);
  if (config.delay) w.key("delay").number(config.delay->count());
  // A whole number as a double prints without a fraction (JsonWriter), so a negative
  // priority needs no signed overload.
  if (config.priority) w.key("priority").number(static_cast<double>(*config.priority));
  if (config.deadline) w.key("deadline").number(config.deadline->count());
  if (config.cost) w.key("cost").number(*config.cost);
  if (config.batch_key) w.key("batch_key").string(*config.batch_key);
  if (config.retry_delay) w.key("retry_delay").number(config.retry_delay->count());
  w.end_object();
}

// info and content are optional on the wire; leaving out the defaults saves bytes.
void write_payload(JsonWriter& w, std::string_view info, std::string_view content) {
  if (!info.empty() && info != "null") w.key("info").raw(info);
  if (!content.empty()) w.key("content").base64(content);
}

detail::ServerUrl checked_url(const std::string& url) {
  auto parsed = detail::parse_url(url);
  if (!parsed) throw std::invalid_argument("taskcenter::Client: not an http:// URL: " + url);
  return *parsed;
}

}  // namespace

struct Client::Impl {
  explicit Impl(ClientOptions opts)
      : options(std::move(opts)), pool(checked_url(options.url), options.max_idle_connections) {
    if (!options.token.empty()) auth_header = "Authorization: Bearer " + options.token + "\r\n";
  }

  Clock::time_point deadline(Seconds extra_wait) const {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(options.timeout + extra_wait);
  }

  detail::HttpResult send(std::string_view method, std::string_view path, std::string_view body, Seconds extra_wait) {
    return pool.exchange(request_text(method, path, body), deadline(extra_wait),
                         std::chrono::duration_cast<Clock::duration>(options.connect_timeout));
  }

  std::string request_text(std::string_view method, std::string_view path, std::string_view body) const {
    const auto& url = pool.url();
    std::string request;
    request.reserve(160 + url.path_prefix.size() + path.size() + auth_header.size() + body.size());
    request.append(method).append(" ").append(url.path_prefix).append(path).append(" HTTP/1.1\r\nHost: ");
    request.append(url.host_header).append("\r\n").append(auth_header);
    if (method == "POST") {
      request.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
      request.append(body);
    } else {
      request.append("\r\n");
    }
    return request;
  }

  detail::Envelope post(std::string_view path, JsonWriter& body, Seconds extra_wait = Seconds{0}) {
    return detail::Envelope(send("POST", path, body.str(), extra_wait));
  }

  // A request whose answer may be a stream of NDJSON lines: each progress line goes to
  // `on_event` as it arrives; the result line (or the ordinary envelope of an answer
  // that is not a stream) is decoded as call's answer.
  std::optional<CallResult> stream(std::string_view path, JsonWriter& body, Seconds wait,
                                   const Client::EventCallback& on_event) {
    std::string result_line;
    bool streamed = false;
    detail::BodyObserver observer = [&](std::string& received) {
      if (!streamed && received.rfind("{\"event\"", 0) != 0) return;  // an envelope
      streamed = true;
      std::size_t start = 0;
      for (std::size_t end; (end = received.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string line = received.substr(start, end - start);
        ProgressEvent event;
        if (detail::decode_stream_line(line, event)) {
          if (on_event) on_event(event);
        } else {
          result_line = std::move(line);
        }
      }
      received.erase(0, start);
    };
    detail::HttpResult answer = pool.exchange(
        request_text("POST", path, body.str()), deadline(wait),
        std::chrono::duration_cast<Clock::duration>(options.connect_timeout), &observer);
    if (!streamed) return detail::decode_call_result(detail::Envelope(std::move(answer)).data());
    if (result_line.empty())
      throw TransportError(ErrorCode::transport, answer.status,
                           "the stream ended before its result line; resume with watch after "
                           "the last seq received");
    return detail::decode_call_result(detail::Envelope(detail::HttpResult{200, std::move(result_line)}).data());
  }

  ClientOptions options;
  detail::ConnectionPool pool;
  std::string auth_header;
};

namespace {
ClientOptions options_for(std::string url) {
  ClientOptions options;
  options.url = std::move(url);
  return options;
}
}  // namespace

Client::Client(std::string url) : Client(options_for(std::move(url))) {}
Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const { return impl_->options; }

bool Client::put(std::string_view queue, std::string_view id, std::string_view info, std::string_view content,
                 const TaskConfig& config) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  write_config(w, config);
  w.end_object();
  return detail::decode_bool(impl_->post("/task/put", w).data());
}

bool Client::put(std::string_view queue, const NewTask& task) {
  return put(queue, task.id, task.info, task.content, task.config);
}

std::vector<bool> Client::put_batch(std::string_view queue, const std::vector<NewTask>& tasks) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("tasks").begin_array();
  for (const auto& task : tasks) {
    w.begin_object().key("id").string(task.id);
    write_payload(w, task.info, task.content);
    write_config(w, task.config);
    w.end_object();
  }
  w.end_array().end_object();
  return detail::decode_bool_list(impl_->post("/task/put_batch", w).data());
}

PeekResult Client::peek(std::string_view queue, const PeekOptions& options) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue);
  if (options.cursor) w.key("cursor").string(*options.cursor);
  w.key("size").number(std::uint64_t{options.size});
  if (options.timeout.count() > 0) w.key("timeout").number(options.timeout.count());
  if (options.batch_window.count() > 0) w.key("batch_window").number(options.batch_window.count());
  w.end_object();
  auto envelope = impl_->post("/task/peek", w, options.timeout + options.batch_window);
  PeekResult result;
  result.tasks = detail::decode_tasks(envelope.data(), queue);
  result.cursor = detail::decode_optional_string(envelope.cursor());
  return result;
}

std::vector<Task> Client::acquire(std::string_view queue, const std::vector<std::string>& ids,
                                  Seconds promise_reply_time) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("ids").begin_array();
  for (const auto& id : ids) w.string(id);
  w.end_array().key("promise_reply_time").number(promise_reply_time.count()).end_object();
  return detail::decode_tasks(impl_->post("/task/acquire", w).data(), queue);
}

std::vector<Task> Client::take(std::string_view queue, const TakeOptions& options) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("size").number(std::uint64_t{options.size});
  if (options.timeout.count() > 0) w.key("timeout").number(options.timeout.count());
  w.key("promise_reply_time").number(options.promise_reply_time.count());
  if (options.batch_window.count() > 0) w.key("batch_window").number(options.batch_window.count());
  if (options.max_cost) w.key("max_cost").number(*options.max_cost);
  if (options.batch_key) w.key("batch_key").string(*options.batch_key);
  if (options.group_by_key) w.key("group_by_key").boolean(true);
  w.end_object();
  return detail::decode_tasks(impl_->post("/task/take", w, options.timeout + options.batch_window).data(), queue);
}

bool Client::reply(std::string_view queue, std::string_view id, std::string_view info, std::string_view content) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  w.end_object();
  return detail::decode_bool(impl_->post("/task/reply", w).data());
}

std::vector<bool> Client::reply_many(std::string_view queue, const std::vector<TaskReply>& replies) {
  // Deep pipelines would let the server's answers fill the socket buffers while we
  // still write; a few hundred small answers fit easily.
  constexpr std::size_t kMaxPipeline = 128;
  std::vector<bool> out;
  out.reserve(replies.size());
  std::optional<Error> first_error;
  for (std::size_t first = 0; first < replies.size(); first += kMaxPipeline) {
    std::vector<std::string> requests;
    for (std::size_t i = first; i < std::min(replies.size(), first + kMaxPipeline); ++i) {
      JsonWriter w;
      w.begin_object().key("queue").string(queue).key("id").string(replies[i].id);
      write_payload(w, replies[i].info, replies[i].content);
      w.end_object();
      requests.push_back(impl_->request_text("POST", "/task/reply", w.str()));
    }
    auto results = impl_->pool.exchange_many(requests, impl_->deadline(Seconds{0}),
                                             std::chrono::duration_cast<Clock::duration>(impl_->options.connect_timeout));
    for (auto& result : results) {
      try {
        out.push_back(detail::decode_bool(detail::Envelope(std::move(result)).data()));
      } catch (const Error& e) {
        if (!first_error) first_error = e;
        out.push_back(false);
      }
    }
  }
  if (first_error) throw_error(first_error->code(), first_error->http_status(), first_error->message());
  return out;
}

std::vector<bool> Client::reply_batch(std::string_view queue, const std::vector<TaskReply>& replies) {
  constexpr std::size_t kMaxRepliesPerRequest = 1000;  // the server's limit
  std::vector<bool> out;
  out.reserve(replies.size());
  for (std::size_t first = 0; first < replies.size(); first += kMaxRepliesPerRequest) {
    JsonWriter w;
    w.begin_object().key("queue").string(queue).key("replies").begin_array();
    for (std::size_t i = first; i < std::min(replies.size(), first + kMaxRepliesPerRequest); ++i) {
      w.begin_object().key("id").string(replies[i].id);
      write_payload(w, replies[i].info, replies[i].content);
      w.end_object();
    }
    w.end_array().end_object();
    for (bool done : detail::decode_bool_list(impl_->post("/task/reply_batch", w).data()))
      out.push_back(done);
  }
  return out;
}

bool Client::touch(std::string_view queue, std::string_view id, Seconds promise_reply_time) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  w.key("promise_reply_time").number(promise_reply_time.count()).end_object();
  return detail::decode_bool(impl_->post("/task/touch", w).data());
}

CallResult Client::call(std::string_view queue, std::string_view id, std::string_view info, std::string_view content,
                        const CallOptions& options) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  write_config(w, options.config);
  w.key("timeout").number(options.timeout.count()).end_object();
  auto result = detail::decode_call_result(impl_->post("/task/call", w, options.timeout).data());
  // timeout 0 is the server's "is it done?" check: no result means "not yet".
  if (!result) throw CallTimeout(ErrorCode::call_timeout, 200, "no result for " + std::string(id) + " yet");
  return std::move(*result);
}

CallResult Client::call_stream(std::string_view queue, std::string_view id, const EventCallback& on_event,
                               std::string_view info, std::string_view content, const CallOptions& options) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  write_config(w, options.config);
  w.key("timeout").number(options.timeout.count()).key("stream").raw("true").end_object();
  auto result = impl_->stream("/task/call", w, options.timeout, on_event);
  if (!result) throw CallTimeout(ErrorCode::call_timeout, 200, "no result for " + std::string(id) + " yet");
  return std::move(*result);
}

std::optional<CallResult> Client::watch(std::string_view queue, std::string_view id, const EventCallback& on_event,
                                        std::uint64_t after, Seconds timeout) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id).key("after").number(after);
  w.key("timeout").number(timeout.count()).end_object();
  return impl_->stream("/task/watch", w, timeout, on_event);
}

std::optional<CallResult> Client::result(std::string_view queue, std::string_view id) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id).key("timeout").number(std::uint64_t{0}).end_object();
  return detail::decode_call_result(impl_->post("/task/call", w).data());
}

bool Client::remove(std::string_view queue, std::string_view id) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id).end_object();
  return detail::decode_bool(impl_->post("/task/remove", w).data());
}

bool Client::clear_queue_step(std::string_view queue, std::optional<std::uint64_t> iter_num,
                              std::optional<std::uint64_t> step_size) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue);
  if (iter_num) w.key("iter_num").number(*iter_num);
  if (step_size) w.key("step_size").number(*step_size);
  w.end_object();
  return detail::decode_bool(impl_->post("/task/clear_queue", w).data());
}

void Client::clear_queue(std::string_view queue) {
  // Each step does bounded work on the server; a queue of any size finishes eventually.
  while (!clear_queue_step(queue, std::nullopt, std::nullopt)) {
  }
}

QueuePage Client::list_queue(const std::optional<std::string>& cursor, std::size_t size) {
  JsonWriter w;
  w.begin_object();
  if (cursor) w.key("cursor").string(*cursor);
  w.key("size").number(std::uint64_t{size}).end_object();
  auto envelope = impl_->post("/task/list_queue", w);
  QueuePage page;
  page.queues = detail::decode_string_list(envelope.data());
  page.cursor = detail::decode_optional_string(envelope.cursor());
  return page;
}

std::vector<std::string> Client::list_all_queues() {
  std::vector<std::string> all;
  std::optional<std::string> cursor;
  do {
    auto page = list_queue(cursor, 1000);
    all.insert(all.end(), std::make_move_iterator(page.queues.begin()), std::make_move_iterator(page.queues.end()));
    if (page.cursor && cursor == page.cursor) break;  // a server that repeats its cursor must not loop us
    cursor = std::move(page.cursor);
  } while (cursor);
  return all;
}

std::optional<QueueStat> Client::stat_queue(std::string_view queue) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).end_object();
  return detail::decode_stat(impl_->post("/task/stat_queue", w).data());
}

bool Client::healthz() {
  try {
    return impl_->send("GET", "/healthz", {}, Seconds{0}).status == 200;
  } catch (const Error&) {
    return false;
  }
}

bool Client::readyz() {
  try {
    return impl_->send("GET", "/readyz", {}, Seconds{0}).status == 200;
  } catch (const Error&) {
    return false;
  }
}

std::string Client::version() {
  return detail::decode_optional_string(detail::Envelope(impl_->send("GET", "/version", {}, Seconds{0})).data())
      .value_or("");
}

QueueSettings Client::config_queue(std::string_view queue, const QueueSettingsUpdate& update) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue);
  if (update.paused) w.key("paused").boolean(*update.paused);
  if (update.max_leased) w.key("max_leased").number(std::uint64_t{*update.max_leased});
  if (update.rate) w.key("rate").number(*update.rate);
  if (update.burst) w.key("burst").number(*update.burst);
  w.end_object();
  return detail::decode_settings(impl_->post("/task/config_queue", w).data());
}

std::string Client::post_raw(std::string_view path, std::string_view json_body, Seconds extra_wait) {
  return std::string(detail::Envelope(impl_->send("POST", path, json_body, extra_wait)).data());
}

bool Client::fail(std::string_view queue, std::string_view id, std::string_view info,
                  std::string_view content) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  w.end_object();
  return detail::decode_bool(impl_->post("/task/fail", w).data());
}

bool Client::release(std::string_view queue, std::string_view id, Seconds delay) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  w.key("delay").number(delay.count()).end_object();
  return detail::decode_bool(impl_->post("/task/release", w).data());
}

std::uint64_t Client::redrive(std::string_view queue, const std::vector<std::string>& ids,
                             std::size_t size) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue);
  if (!ids.empty()) {
    w.key("ids").begin_array();
    for (const auto& id : ids) w.string(id);
    w.end_array();
  }
  w.key("size").number(static_cast<std::uint64_t>(size)).end_object();
  return static_cast<std::uint64_t>(std::stoull(std::string(impl_->post("/task/redrive", w).data())));
}

bool Client::progress(std::string_view queue, std::string_view id, std::string_view info,
                      std::string_view content, std::optional<Seconds> promise_reply_time) {
  JsonWriter w;
  w.begin_object().key("queue").string(queue).key("id").string(id);
  write_payload(w, info, content);
  if (promise_reply_time) w.key("promise_reply_time").number(promise_reply_time->count());
  w.end_object();
  return detail::decode_bool(impl_->post("/task/progress", w).data());
}

}  // namespace taskcenter
