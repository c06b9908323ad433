// taskcenter-bench: see usage() in options.cpp and docs/performance.md.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine.hpp"
#include "options.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "trivial_server.hpp"

int main(int argc, char** argv) {
  using namespace bench;
  try {
    Options options = Options::parse(std::vector<std::string>(argv + 1, argv + argc));
    raise_fd_limit();
    if (options.has("serve-trivial")) {
      return serve_trivial(std::uint16_t(options.integer("serve-trivial", 0)),
                           unsigned(options.integer("threads", 0)));
    }
    if (options.has("help") || options.scenario().empty()) {
      std::fputs(usage().c_str(), stdout);
      return options.has("help") ? 0 : 2;
    }
    Context context(options);
    const std::string& scenario = options.scenario();
    void (*run)(Context&) = nullptr;
    if (scenario == "put") run = run_put;
    else if (scenario == "cycle") run = run_cycle;
    else if (scenario == "call") run = run_call;
    else if (scenario == "idle") run = run_idle;
    else if (scenario == "depth") run = run_depth;
    else if (scenario == "ceiling") run = run_ceiling;
    else if (scenario == "soak") run = run_soak;
    else if (scenario == "progress") run = run_progress;
    else if (scenario == "stream") run = run_stream;
    if (!run) {
      std::fprintf(stderr, "unknown scenario '%s'\n%s", scenario.c_str(), usage().c_str());
      return 2;
    }
    if (context.server_pids.empty()) {
      std::fprintf(stderr, "note: server pid not found (pass --server-pid): no server CPU/RSS\n");
    }
    if (scenario != "soak") print_header();  // soak prints its own per-minute table
    run(context);
    for (const auto& key : options.unused()) {
      std::fprintf(stderr, "warning: option --%s was not used by '%s'\n", key.c_str(), scenario.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "taskcenter-bench: %s\n", e.what());
    return 1;
  }
}
