// Static documents served by the Api: hand-written, compiled in, no CDN (the server
// must be usable offline).
#pragma once

#include <string_view>

namespace tc::pages {

std::string_view openapi_json();    // GET /openapi.json: OpenAPI 3.0 description
std::string_view docs_html();       // GET /docs: renders /openapi.json, with a "try it" form
std::string_view dashboard_html();  // GET /: queues and their stat_queue figures

}  // namespace tc::pages
