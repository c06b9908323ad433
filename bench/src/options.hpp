// Command line of the tool: `taskcenter-bench <scenario> --key value ...`. Values that may
// be lists ("--connections 1,16,64") make one table row per element.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bench {

class Options {
 public:
  // argv without the program name; throws std::runtime_error on a malformed line.
  static Options parse(const std::vector<std::string>& args);

  const std::string& scenario() const { return scenario_; }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  std::string text(const std::string& key, const std::string& fallback) const;
  double number(const std::string& key, double fallback) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback) const;
  std::vector<std::int64_t> integers(const std::string& key, std::vector<std::int64_t> fallback) const;
  // Keys given but never read: reported so a typo does not silently run the default.
  std::vector<std::string> unused() const;

 private:
  std::string scenario_;
  std::map<std::string, std::string> values_;
  mutable std::map<std::string, bool> read_;
};

std::string usage();

}  // namespace bench
