// The static documents are files under src/web/, embedded into the binary at build time
// (cmake/embed.cmake), so they are edited, linted and validated as what they are.
#include "http/pages.hpp"

extern const std::string_view tc_embedded_openapi_json;
extern const std::string_view tc_embedded_docs_html;
extern const std::string_view tc_embedded_dashboard_html;

namespace tc::pages {

std::string_view openapi_json() { return tc_embedded_openapi_json; }
std::string_view docs_html() { return tc_embedded_docs_html; }
std::string_view dashboard_html() { return tc_embedded_dashboard_html; }

}  // namespace tc::pages
