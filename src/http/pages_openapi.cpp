// GET /openapi.json: the API as an OpenAPI 3.0 document, written by hand next to
// docs/protocol.md (keep the two in step). Validated as JSON by tests/unit/api_test.cpp.
#include "http/pages.hpp"

namespace tc::pages {

std::string_view openapi_json() {
  static constexpr std::string_view kDocument = R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "taskcenter",
    "version": "0.1.0",
    "description": "An HTTP task queue: producers put tasks, consumers peek/acquire/take them and reply; call waits synchronously for the reply. Every /task/* endpoint is POST with a JSON body and answers {\"err_code\", \"data\"} (plus \"cursor\" for peek and list_queue, \"message\" for errors). err_code: 0000 ok, 0001 call timed out, 0002 bad request (400), 0003 body too large (413), 0004 missing/wrong bearer token (401), 0009 token outside its scope (403), 0005 store unavailable (503), 0006 task removed while a call waited, 0007 unknown path (404) or method (405). Times are seconds (integer or fractional). Names (queue, id) are 1..256 bytes of UTF-8 without control characters. See docs/protocol.md."
  },
  "servers": [{"url": "/"}],
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Required on /task/* only when the server runs with --token."}},
    "schemas": {
      "Name": {"type": "string", "minLength": 1, "maxLength": 256, "description": "1..256 bytes of UTF-8, no control characters"},
      "Seconds": {"type": "number", "minimum": 0, "maximum": 1000000000},
      "Info": {"description": "Any JSON value, echoed back byte for byte", "nullable": true},
      "Base64": {"type": "string", "format": "byte", "description": "Standard base64 with padding (RFC 4648 section 4); strict: no whitespace, canonical trailing bits"},
      "Cursor": {"type": "string", "pattern": "^[0-9]+(-[0-9]+)?$", "nullable": true},
      "Config": {"type": "object", "nullable": true, "properties": {
        "cache_result_time": {"$ref": "#/components/schemas/Seconds", "default": 60},
        "forward_result_to": {"allOf": [{"$ref": "#/components/schemas/Name"}], "nullable": true},
        "max_attempts": {"type": "integer", "minimum": 0, "maximum": 4294967295, "default": 0},
        "dead_letter_to": {"allOf": [{"$ref": "#/components/schemas/Name"}], "nullable": true},
        "delay": {"$ref": "#/components/schemas/Seconds", "default": 0}}},
      "NewTask": {"type": "object", "required": ["id"], "properties": {
        "id": {"$ref": "#/components/schemas/Name"}, "info": {"$ref": "#/components/schemas/Info"},
        "content": {"$ref": "#/components/schemas/Base64"}, "config": {"$ref": "#/components/schemas/Config"}}},
      "AcquiredTask": {"type": "object", "properties": {
        "id": {"type": "string"}, "info": {"$ref": "#/components/schemas/Info"},
        "content": {"$ref": "#/components/schemas/Base64"}, "attempt": {"type": "integer", "minimum": 1}}},
      "Error": {"type": "object", "required": ["err_code", "data", "message"], "properties": {
        "err_code": {"type": "string", "enum": ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0009"]},
        "data": {"nullable": true}, "message": {"type": "string"}}},
      "Bool": {"type": "object", "properties": {"err_code": {"type": "string", "example": "0000"}, "data": {"type": "boolean"}}},
      "Text": {"type": "object", "properties": {"err_code": {"type": "string", "example": "0000"}, "data": {"type": "string"}}}
    },
    "responses": {
      "Bool": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bool"}}}},
      "Tasks": {"description": "the tasks this request acquired, in the order asked", "content": {"application/json": {"schema": {"type": "object", "properties": {
        "err_code": {"type": "string"}, "data": {"type": "array", "items": {"$ref": "#/components/schemas/AcquiredTask"}}}}}}},
      "BadRequest": {"description": "0002: malformed JSON or a bad field; message names it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "0004: missing or wrong bearer token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Forbidden": {"description": "0009: the token's scope (--token-file) does not cover this endpoint or queue", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "0003: body larger than --max-body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unavailable": {"description": "0005: the store is unavailable; nothing was changed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "security": [{"bearer": []}],
  "paths": {
    "/task/put": {"post": {"summary": "Put a task unless one with this id exists (any state)", "description": "data: true if created, false if the id exists (pending, leased, or done with a cached result). Wakes consumers blocked in peek/take.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/NewTask"}, {"type": "object", "required": ["queue"], "properties": {"queue": {"$ref": "#/components/schemas/Name"}}}]},
        "example": {"queue": "images", "id": "task-1", "info": {"url": "http://example.com/a.png"}, "content": "aGVsbG8=", "config": {"cache_result_time": 60}}}}},
      "responses": {"200": {"$ref": "#/components/responses/Bool"}, "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Forbidden"}, "413": {"$ref": "#/components/responses/TooLarge"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
    "/task/put_batch": {"post": {"summary": "Put up to 1000 tasks in one atomic step", "description": "data: one boolean per task, as put.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "tasks"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "tasks": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/NewTask"}}}},
        "example": {"queue": "images", "tasks": [{"id": "a"}, {"id": "b", "info": 2}]}}}},
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"err_code": {"type": "string"}, "data": {"type": "array", "items": {"type": "boolean"}}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/peek": {"post": {"summary": "Look at pending tasks after a cursor (long-poll)", "description": "Up to size pending tasks with cursor > the one given, in cursor order, without content. With timeout > 0, waits for a put when none is there (then data: []). batch_window: once the first task is there, wait this long for the batch to fill to size. Never changes state.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "cursor": {"$ref": "#/components/schemas/Cursor"},
        "size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
        "timeout": {"$ref": "#/components/schemas/Seconds", "default": 0},
        "batch_window": {"$ref": "#/components/schemas/Seconds", "default": 0}}},
        "example": {"queue": "images", "cursor": null, "size": 10, "timeout": 5}}}},
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"err_code": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "info": {"$ref": "#/components/schemas/Info"}, "cursor": {"type": "string"}}}},
        "cursor": {"$ref": "#/components/schemas/Cursor"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/acquire": {"post": {"summary": "Acquire listed pending tasks (each by exactly one request)", "description": "promise_reply_time > 0: leased; redelivered with a new cursor if no reply comes in time. 0: deleted on acquire.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "ids", "promise_reply_time"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "ids": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/Name"}},
        "promise_reply_time": {"$ref": "#/components/schemas/Seconds"}}},
        "example": {"queue": "images", "ids": ["task-1"], "promise_reply_time": 30}}}},
      "responses": {"200": {"$ref": "#/components/responses/Tasks"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/take": {"post": {"summary": "Peek and acquire in one round trip (long-poll)",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "promise_reply_time"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
        "timeout": {"$ref": "#/components/schemas/Seconds", "default": 0}, "promise_reply_time": {"$ref": "#/components/schemas/Seconds"},
        "batch_window": {"$ref": "#/components/schemas/Seconds", "default": 0}}},
        "example": {"queue": "images", "size": 10, "timeout": 5, "promise_reply_time": 30}}}},
      "responses": {"200": {"$ref": "#/components/responses/Tasks"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/reply": {"post": {"summary": "Complete a pending or leased task (first reply wins)", "description": "data: true if this reply completed the task. Wakes waiting calls, caches the result for cache_result_time, forwards it to forward_result_to.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "id"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "id": {"$ref": "#/components/schemas/Name"},
        "info": {"$ref": "#/components/schemas/Info"}, "content": {"$ref": "#/components/schemas/Base64"}}},
        "example": {"queue": "images", "id": "task-1", "info": {"label": "cat"}, "content": ""}}}},
      "responses": {"200": {"$ref": "#/components/responses/Bool"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/call": {"post": {"summary": "Put and wait for the reply (synchronous)", "description": "A cached result is answered at once; else with timeout > 0 the task is put unless it exists and the call waits (concurrent calls on one id share the task and the result); timeout 0 answers data: null. Timeout: err_code 0001. Removed while waiting: 0006.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/NewTask"}, {"type": "object", "required": ["queue", "timeout"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "timeout": {"$ref": "#/components/schemas/Seconds"}}}]},
        "example": {"queue": "images", "id": "task-2", "info": {"url": "http://example.com/b.png"}, "timeout": 10}}}},
      "responses": {"200": {"description": "0000 with data [{id, result_info, result_content}] or null; 0001 timeout; 0006 removed", "content": {"application/json": {"schema": {"type": "object", "properties": {
        "err_code": {"type": "string", "enum": ["0000", "0001", "0006"]}, "data": {"type": "array", "nullable": true, "items": {"type": "object", "properties": {
          "id": {"type": "string"}, "result_info": {"$ref": "#/components/schemas/Info"}, "result_content": {"$ref": "#/components/schemas/Base64"}}}},
        "message": {"type": "string"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/touch": {"post": {"summary": "Extend a lease (heartbeat)", "description": "data: true if the task is still leased; the lease now ends promise_reply_time seconds from now.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "id", "promise_reply_time"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "id": {"$ref": "#/components/schemas/Name"}, "promise_reply_time": {"$ref": "#/components/schemas/Seconds"}}},
        "example": {"queue": "images", "id": "task-1", "promise_reply_time": 30}}}},
      "responses": {"200": {"$ref": "#/components/responses/Bool"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/remove": {"post": {"summary": "Remove a task in any state", "description": "data: true if a task was removed; calls waiting on it get 0006.",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue", "id"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "id": {"$ref": "#/components/schemas/Name"}}},
        "example": {"queue": "images", "id": "task-1"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Bool"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/clear_queue": {"post": {"summary": "Remove every task and the queue", "description": "data: true when the queue is gone; false: call again to continue (iter_num x step_size bounds the work of one request).",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue"], "properties": {
        "queue": {"$ref": "#/components/schemas/Name"}, "iter_num": {"type": "integer", "minimum": 1, "maximum": 1000000}, "step_size": {"type": "integer", "minimum": 1, "maximum": 1000000}}},
        "example": {"queue": "images"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Bool"}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/list_queue": {"post": {"summary": "List queue names, paged",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "cursor": {"type": "string", "nullable": true, "maxLength": 1024}, "size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}},
        "example": {"cursor": null, "size": 100}}}},
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"err_code": {"type": "string"},
        "data": {"type": "array", "items": {"type": "string"}}, "cursor": {"type": "string", "nullable": true, "description": "next page, or null"}}}}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/task/stat_queue": {"post": {"summary": "Figures of one queue (data: null for an unknown queue)",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["queue"], "properties": {"queue": {"$ref": "#/components/schemas/Name"}}},
        "example": {"queue": "images"}}}},
      "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"err_code": {"type": "string"},
        "data": {"type": "object", "nullable": true, "properties": {
          "length": {"type": "integer", "description": "pending and visible"}, "oldest_cursor": {"$ref": "#/components/schemas/Cursor"}, "newest_cursor": {"$ref": "#/components/schemas/Cursor"},
          "delayed": {"type": "integer"}, "leased": {"type": "integer"}, "done": {"type": "integer"},
          "total_put": {"type": "integer"}, "total_acquired": {"type": "integer"}, "total_replied": {"type": "integer"},
          "total_redelivered": {"type": "integer"}, "total_dead": {"type": "integer"}, "total_removed": {"type": "integer"}, "waiting": {"type": "integer"}}}}}}}},
        "400": {"$ref": "#/components/responses/BadRequest"}}}},
    "/healthz": {"get": {"summary": "The process is alive", "security": [], "responses": {"200": {"description": "data: \"ok\"", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Text"}}}}}}},
    "/readyz": {"get": {"summary": "The store is reachable", "security": [], "responses": {"200": {"description": "data: \"ready\"", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Text"}}}}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
    "/version": {"get": {"summary": "Server version", "security": [], "responses": {"200": {"description": "data: the version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Text"}}}}}}},
    "/buildtime": {"get": {"summary": "Build time (UTC, ISO 8601)", "security": [], "responses": {"200": {"description": "data: the build time", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Text"}}}}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)", "security": [], "responses": {"200": {"description": "taskcenter_requests_total{endpoint,err_code,status}, taskcenter_waiting, taskcenter_build_info", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.0", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/docs": {"get": {"summary": "Interactive API page", "security": [], "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    "/": {"get": {"summary": "Dashboard: queues and their figures", "security": [], "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}}
  }
}
)JSON";
  return kDocument;
}

}  // namespace tc::pages
