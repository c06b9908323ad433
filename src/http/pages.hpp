// Static documents served by the Api: files under src/web/, compiled in, no CDN (the
// server must be usable offline).
#pragma once

#include <string_view>

namespace tc::pages {

std::string_view openapi_json();    // GET /openapi.json: src/web/openapi.json (OpenAPI 3.0)
std::string_view docs_html();       // GET /docs: src/web/docs.html, renders /openapi.json
std::string_view dashboard_html();  // GET /: src/web/dashboard.html

}  // namespace tc::pages
