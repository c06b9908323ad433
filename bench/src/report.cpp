#include "report.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>

namespace bench {
namespace {

double ms(std::uint64_t ns) { return double(ns) / 1e6; }

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

std::string fixed(double v, int digits) {
  if (v < 0) return "";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

}  // namespace

void print_header() {
  std::printf("%-8s %-8s %-6s %5s %5s %5s %5s %10s %10s %8s %8s %8s %8s %7s %6s %6s %10s %6s  %s\n",
              "scenario", "backend", "mode", "conns", "prod", "cons", "batch", "ops/s", "req/s",
              "p50ms", "p90ms", "p99ms", "p99.9ms", "errors", "cli%", "srv%", "ceil.req/s", "ratio",
              "note");
  std::fflush(stdout);
}

void print_row(const Row& r) {
  auto cpu = [](double v) { return v < 0 ? std::string("-") : fixed(v, 0); };
  std::printf("%-8s %-8s %-6s %5d %5d %5d %5d %10.0f %10.0f %8.3f %8.3f %8.3f %8.3f %7llu %6s %6s %10.0f %6.2f  %s\n",
              r.scenario.c_str(), r.backend.c_str(), r.mode.c_str(), r.connections, r.producers,
              r.consumers, r.batch, r.ops_per_s(), r.requests_per_s(), ms(r.latency.quantile(0.5)),
              ms(r.latency.quantile(0.9)), ms(r.latency.quantile(0.99)),
              ms(r.latency.quantile(0.999)), static_cast<unsigned long long>(r.errors),
              cpu(r.client_cpu).c_str(), cpu(r.server_cpu).c_str(), r.ceiling_rps, r.ratio(),
              r.note.c_str());
  std::fflush(stdout);
}

void append_csv(const std::string& path, const Row& r) {
  bool fresh = true;
  {
    std::ifstream existing(path, std::ios::ate);
    fresh = !existing || existing.tellg() <= 0;
  }
  std::ofstream out(path, std::ios::app);
  if (fresh) {
    out << "date,scenario,backend,mode,connections,producers,consumers,batch,rate,seconds,ops,"
           "ops_per_s,req_per_s,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,errors,client_cpu_pct,"
           "server_cpu_pct,server_rss_mb,ceiling_req_per_s,ratio,note\n";
  }
  std::string note = r.note;
  for (char& c : note) if (c == ',' || c == '\n') c = ';';
  out << utc_now() << ',' << r.scenario << ',' << r.backend << ',' << r.mode << ','
      << r.connections << ',' << r.producers << ',' << r.consumers << ',' << r.batch << ','
      << fixed(r.rate, 0) << ',' << fixed(r.seconds, 3) << ',' << r.ops << ','
      << fixed(r.ops_per_s(), 1) << ',' << fixed(r.requests_per_s(), 1) << ','
      << fixed(ms(r.latency.quantile(0.5)), 4) << ',' << fixed(ms(r.latency.quantile(0.9)), 4) << ','
      << fixed(ms(r.latency.quantile(0.99)), 4) << ',' << fixed(ms(r.latency.quantile(0.999)), 4) << ','
      << fixed(ms(r.latency.max()), 4) << ',' << r.errors << ',' << fixed(r.client_cpu, 1) << ','
      << fixed(r.server_cpu, 1) << ',' << fixed(r.server_rss_mb, 1) << ','
      << fixed(r.ceiling_rps, 1) << ',' << fixed(r.ratio(), 3) << ',' << note << '\n';
}

}  // namespace bench
