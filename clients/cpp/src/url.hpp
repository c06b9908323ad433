// The server address a Client talks to, parsed from "http://host[:port][/prefix]".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace taskcenter::detail {

struct ServerUrl {
  std::string host;         // name or address; IPv6 without brackets
  std::string port = "80";  // as text, for getaddrinfo
  std::string host_header;  // "host:port" as sent in Host
  std::string path_prefix;  // "" or "/prefix" (no trailing slash)
};

// nullopt for anything but plain http:// URLs (https needs a TLS proxy in front).
std::optional<ServerUrl> parse_url(std::string_view url);

}  // namespace taskcenter::detail
