// parse_config: flags over environment over defaults, and errors that name the culprit.
#include "config/config.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

Config parse_ok(const std::vector<std::string>& args, const Environment& env = {}) {
  auto result = parse_config(args, env);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : Config{};
}

std::string parse_error(const std::vector<std::string>& args, const Environment& env = {}) {
  auto result = parse_config(args, env);
  EXPECT_FALSE(result.ok());
  return result.ok() ? "" : result.error().message;
}

TEST(Config, DefaultsMatchTheDocumentation) {
  Config c = parse_ok({});
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8000);
  EXPECT_EQ(c.threads, 0u);
  EXPECT_EQ(c.max_body, 16u << 20);
  EXPECT_EQ(c.max_wait_ms, 300'000);
  EXPECT_EQ(c.max_connections, 10'000u);
  EXPECT_EQ(c.idle_timeout_ms, 60'000);
  EXPECT_EQ(c.read_timeout_ms, 30'000);
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_TRUE(c.persist);
  EXPECT_EQ(c.fsync, log::FsyncPolicy::everysec);
  EXPECT_EQ(c.redis_url, "");
  EXPECT_FALSE(c.show_help);
  EXPECT_FALSE(c.show_version);
}

TEST(Config, FlagsInBothSpellings) {
  Config c = parse_ok({"--port", "9001", "--host=0.0.0.0", "--threads", "3", "--token=s3cret"});
  EXPECT_EQ(c.port, 9001);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.token, "s3cret");
}

TEST(Config, EnvironmentIsReadAndFlagsWin) {
  Environment env{{"TASKCENTER_PORT", "7000"}, {"TASKCENTER_HOST", "::1"},
                  {"TASKCENTER_TOKEN", "from-env"}};
  Config from_env = parse_ok({}, env);
  EXPECT_EQ(from_env.port, 7000);
  EXPECT_EQ(from_env.host, "::1");
  EXPECT_EQ(from_env.token, "from-env");

  Config flag_wins = parse_ok({"--port", "7001"}, env);
  EXPECT_EQ(flag_wins.port, 7001);
  EXPECT_EQ(flag_wins.token, "from-env");
}

TEST(Config, SizesTakeBinarySuffixes) {
  EXPECT_EQ(parse_ok({"--max-body", "16M"}).max_body, 16u << 20);
  EXPECT_EQ(parse_ok({"--max-body", "512k"}).max_body, 512u << 10);
  EXPECT_EQ(parse_ok({"--max-body", "1GiB"}).max_body, 1u << 30);
  EXPECT_EQ(parse_ok({"--max-body", "2048"}).max_body, 2048u);
  EXPECT_EQ(parse_ok({}, {{"TASKCENTER_MAX_BODY", "1MB"}}).max_body, 1u << 20);
}

TEST(Config, DurationsAreSecondsUnlessAUnitIsGiven) {
  EXPECT_EQ(parse_ok({"--max-wait", "10"}).max_wait_ms, 10'000);
  EXPECT_EQ(parse_ok({"--max-wait", "1.5"}).max_wait_ms, 1'500);
  EXPECT_EQ(parse_ok({"--idle-timeout", "250ms"}).idle_timeout_ms, 250);
  EXPECT_EQ(parse_ok({"--read-timeout", "2m"}).read_timeout_ms, 120'000);
  EXPECT_EQ(parse_ok({"--max-wait", "0"}).max_wait_ms, 0);
  EXPECT_EQ(parse_ok({"--reap-interval-ms", "20"}).reap_interval_ms, 20);
}

TEST(Config, StoreFlagsAreParsed) {
  Config c = parse_ok({"--data-dir", "", "--no-persist", "--fsync", "always", "--redis",
                       "redis://localhost:6380/2", "--redis-prefix", "tc:"});
  EXPECT_EQ(c.data_dir, "");
  EXPECT_FALSE(c.persist);
  EXPECT_EQ(c.fsync, log::FsyncPolicy::always);
  EXPECT_EQ(c.redis_url, "redis://localhost:6380/2");
  EXPECT_EQ(c.redis_prefix, "tc:");
  EXPECT_FALSE(parse_ok({}, {{"TASKCENTER_NO_PERSIST", "1"}}).persist);
  EXPECT_TRUE(parse_ok({}, {{"TASKCENTER_NO_PERSIST", "0"}}).persist);
  EXPECT_EQ(parse_ok({}, {{"TASKCENTER_FSYNC", "no"}}).fsync, log::FsyncPolicy::no);
}

TEST(Config, OriginalServiceRedisVariablesAreHonoured) {
  EXPECT_EQ(parse_ok({}, {{"REDIS_URL", "redis://r:1/3"}}).redis_url, "redis://r:1/3");
  Config parts = parse_ok({}, {{"REDIS_HOST", "cache"}, {"REDIS_PORT", "6390"},
                               {"REDIS_DB", "4"}, {"REDIS_PREFIX", "old:"}});
  EXPECT_EQ(parts.redis_url, "redis://cache:6390/4");
  EXPECT_EQ(parts.redis_prefix, "old:");
  EXPECT_EQ(parse_ok({}, {{"REDIS_HOST", "cache"}}).redis_url, "redis://cache:6379/0");
  // Our own names beat the legacy ones; the flag beats both.
  Environment both{{"REDIS_URL", "redis://old:1/0"}, {"TASKCENTER_REDIS_URL", "redis://new:2/0"}};
  EXPECT_EQ(parse_ok({}, both).redis_url, "redis://new:2/0");
  EXPECT_EQ(parse_ok({"--redis", "redis://flag:3/0"}, both).redis_url, "redis://flag:3/0");
  // REDIS_PORT alone does not select the Redis backend.
  EXPECT_EQ(parse_ok({}, {{"REDIS_PORT", "6379"}}).redis_url, "");
}

TEST(Config, HelpAndVersionAreActions) {
  EXPECT_TRUE(parse_ok({"--help"}).show_help);
  EXPECT_TRUE(parse_ok({"-h"}).show_help);
  EXPECT_TRUE(parse_ok({"--version"}).show_version);
  EXPECT_NE(config_help().find("--max-body"), std::string::npos);
  EXPECT_NE(config_help().find("TASKCENTER_PORT"), std::string::npos);
  EXPECT_NE(version_line().find("taskcenter "), std::string::npos);
}

TEST(Config, ErrorsNameTheFlagAndTheProblem) {
  EXPECT_NE(parse_error({"--port", "http"}).find("--port"), std::string::npos);
  EXPECT_NE(parse_error({"--port", "70000"}).find("70000"), std::string::npos);
  EXPECT_NE(parse_error({"--prot", "1"}).find("unknown flag --prot"), std::string::npos);
  EXPECT_NE(parse_error({"--port"}).find("needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"8000"}).find("unexpected argument"), std::string::npos);
  EXPECT_NE(parse_error({"--max-body", "16X"}).find("--max-body"), std::string::npos);
  EXPECT_NE(parse_error({"--max-body", "-1"}).find("--max-body"), std::string::npos);
  EXPECT_NE(parse_error({"--max-wait", "-5"}).find("--max-wait"), std::string::npos);
  EXPECT_NE(parse_error({"--idle-timeout", "0"}).find("--idle-timeout"), std::string::npos);
  EXPECT_NE(parse_error({"--fsync", "sometimes"}).find("always, everysec, no"),
            std::string::npos);
  EXPECT_NE(parse_error({"--redis", "localhost:6379"}).find("Redis URL"), std::string::npos);
  EXPECT_NE(parse_error({"--threads", "many"}).find("--threads"), std::string::npos);
  EXPECT_NE(parse_error({"--max-connections", "0"}).find("--max-connections"),
            std::string::npos);
  EXPECT_NE(parse_error({"--host="}).find("--host"), std::string::npos);
}

TEST(Config, EnvironmentErrorsNameTheVariable) {
  EXPECT_NE(parse_error({}, {{"TASKCENTER_PORT", "x"}}).find("TASKCENTER_PORT"),
            std::string::npos);
  EXPECT_NE(parse_error({}, {{"REDIS_HOST", "h"}, {"REDIS_PORT", "p"}}).find("REDIS_PORT"),
            std::string::npos);
}

TEST(Config, CallDataShapeIsAListUnlessObjectIsAsked) {
  EXPECT_EQ(parse_ok({}).call_data, CallDataShape::list);
  EXPECT_EQ(parse_ok({"--call-data", "object"}).call_data, CallDataShape::object);
  EXPECT_EQ(parse_ok({"--call-data=list"}).call_data, CallDataShape::list);
  EXPECT_EQ(parse_ok({}, {{"TASKCENTER_CALL_DATA", "object"}}).call_data, CallDataShape::object);
  EXPECT_EQ(parse_ok({"--call-data", "list"}, {{"TASKCENTER_CALL_DATA", "object"}}).call_data,
            CallDataShape::list);
  EXPECT_NE(parse_error({"--call-data", "dict"}).find("list, object"), std::string::npos);
  EXPECT_NE(parse_error({}, {{"TASKCENTER_CALL_DATA", "x"}}).find("TASKCENTER_CALL_DATA"),
            std::string::npos);
}

TEST(Config, EnvironmentFromEnvp) {
  char a[] = "A=1";
  char b[] = "B=x=y";
  char c[] = "NOEQUALS";
  char* envp[] = {a, b, c, nullptr};
  Environment env = environment_from(envp);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "x=y");
  EXPECT_EQ(env.count("NOEQUALS"), 0u);
}

}  // namespace
}  // namespace tc

namespace tc {
namespace {

TEST(ConfigTransportSecurity, Defaults) {
  Config c = parse_ok({});
  EXPECT_TRUE(c.cors_origins.empty());
  EXPECT_EQ(c.max_connections_per_client, 1000u);
  EXPECT_EQ(c.max_inflight_bytes, 256ull << 20);
  EXPECT_EQ(c.tls_cert, "");
  EXPECT_EQ(c.tls_key, "");
}

TEST(ConfigTransportSecurity, CorsOriginIsRepeatableAndNormalized) {
  Config c = parse_ok({"--cors-origin", "https://App.example.com:443", "--cors-origin=http://localhost:3000",
                       "--cors-origin", "https://app.example.com"});
  EXPECT_EQ(c.cors_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}));
  c = parse_ok({}, {{"TASKCENTER_CORS_ORIGIN", "https://a.example, https://b.example,"}});
  EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  // Flags beat the environment: the first flag replaces its list.
  c = parse_ok({"--cors-origin", "https://c.example"},
               {{"TASKCENTER_CORS_ORIGIN", "https://a.example"}});
  EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"https://c.example"}));
  EXPECT_NE(parse_error({"--cors-origin", "app.example.com"}).find("--cors-origin"),
            std::string::npos);
  EXPECT_NE(parse_error({"--cors-origin", "*"}).find("not an origin"), std::string::npos);
  EXPECT_NE(parse_error({}, {{"TASKCENTER_CORS_ORIGIN", "https://a.example/path"}})
                .find("TASKCENTER_CORS_ORIGIN"),
            std::string::npos);
}

TEST(ConfigTransportSecurity, LimitsAndTls) {
  Config c = parse_ok({"--max-connections-per-client", "0", "--max-inflight-bytes", "64M",
                       "--tls-cert", "c.pem", "--tls-key", "k.pem"});
  EXPECT_EQ(c.max_connections_per_client, 0u);
  EXPECT_EQ(c.max_inflight_bytes, 64ull << 20);
  EXPECT_EQ(c.tls_cert, "c.pem");
  EXPECT_EQ(c.tls_key, "k.pem");
  c = parse_ok({}, {{"TASKCENTER_MAX_CONNECTIONS_PER_CLIENT", "5"},
                    {"TASKCENTER_MAX_INFLIGHT_BYTES", "0"},
                    {"TASKCENTER_TLS_CERT", "c"}, {"TASKCENTER_TLS_KEY", "k"}});
  EXPECT_EQ(c.max_connections_per_client, 5u);
  EXPECT_EQ(c.max_inflight_bytes, 0u);
  EXPECT_NE(parse_error({"--max-inflight-bytes", "lots"}).find("--max-inflight-bytes"),
            std::string::npos);
  EXPECT_NE(parse_error({"--tls-cert", "c.pem"}).find("--tls-key"), std::string::npos);
  EXPECT_NE(parse_error({"--tls-key", "k.pem"}).find("--tls-cert"), std::string::npos);
}

}  // namespace
}  // namespace tc

namespace tc {
namespace {

TEST(ConfigMetrics, QueueHistogramsBound) {
  EXPECT_EQ(parse_ok({}).metrics_queue_histograms, 100u);
  EXPECT_EQ(parse_ok({"--metrics-queue-histograms", "0"}).metrics_queue_histograms, 0u);
  EXPECT_EQ(parse_ok({}, {{"TASKCENTER_METRICS_QUEUE_HISTOGRAMS", "7"}}).metrics_queue_histograms,
            7u);
  EXPECT_EQ(parse_ok({"--metrics-queue-histograms=3"},
                     {{"TASKCENTER_METRICS_QUEUE_HISTOGRAMS", "7"}})
                .metrics_queue_histograms,
            3u);
  EXPECT_NE(parse_error({"--metrics-queue-histograms", "-1"}).find("--metrics-queue-histograms"),
            std::string::npos);
  EXPECT_NE(parse_error({"--metrics-queue-histograms", "lots"}).find("a number of queues"),
            std::string::npos);
}

}  // namespace
}  // namespace tc
