// The scope check as a table: role x endpoint x queue pattern -> allowed.
#include "auth/scope.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(Scope, QueuePatterns) {
  struct Row {
    const char* pattern;
    const char* queue;
    bool matches;
  };
  const Row rows[] = {
      {"*", "anything", true},      {"*", "*", true},          {"jobs", "jobs", true},
      {"jobs", "jobs2", false},     {"jobs", "job", false},    {"jobs.*", "jobs.a", true},
      {"jobs.*", "jobs.", true},    {"jobs.*", "jobs", false}, {"jobs.*", "jobsa", false},
      {"jobs.*", "xjobs.a", false}, {"jobs*", "jobs", true},   {"jobs*", "jobs-gpu", true},
      {"a*", "A", false},           {"é*", "eté", false},      {"é*", "éte", true},
      {"jobs", "*", false},
  };
  for (const auto& row : rows)
    EXPECT_EQ(queue_matches(row.pattern, row.queue), row.matches)
        << row.pattern << " vs " << row.queue;
}

TEST(Scope, RoleTable) {
  // The table of docs/security.md, one row per /task/* endpoint: read, produce, consume, admin.
  struct Row {
    Endpoint endpoint;
    bool read, produce, consume, admin;
  };
  const Row rows[] = {
      {Endpoint::stat_queue, true, true, true, true},
      {Endpoint::list_queue, true, true, true, true},
      {Endpoint::put, false, true, false, true},
      {Endpoint::put_batch, false, true, false, true},
      {Endpoint::call, false, true, false, true},
      {Endpoint::remove, false, true, false, true},
      {Endpoint::peek, false, false, true, true},
      {Endpoint::take, false, false, true, true},
      {Endpoint::acquire, false, false, true, true},
      {Endpoint::reply, false, false, true, true},
      {Endpoint::touch, false, false, true, true},
      {Endpoint::clear_queue, false, false, false, true},
      {Endpoint::summary, true, true, true, true},
      {Endpoint::reply_batch, false, false, true, true},
      {Endpoint::config_queue, false, false, false, true},
      {Endpoint::fail, false, false, true, true},
      {Endpoint::release, false, false, true, true},
      {Endpoint::redrive, false, false, false, true},
      {Endpoint::get, true, true, true, true},
      {Endpoint::list_tasks, true, true, true, true},
      {Endpoint::progress, false, false, true, true},
      {Endpoint::watch, false, true, false, true},
  };
  for (const auto& row : rows) {
    const auto name = endpoint_name(row.endpoint);
    EXPECT_EQ(role_allows(Role::read, row.endpoint), row.read) << name;
    EXPECT_EQ(role_allows(Role::produce, row.endpoint), row.produce) << name;
    EXPECT_EQ(role_allows(Role::consume, row.endpoint), row.consume) << name;
    EXPECT_EQ(role_allows(Role::admin, row.endpoint), row.admin) << name;
  }
  // Every /task/* endpoint has a row above (they come first in the enum).
  EXPECT_EQ(std::size(rows), static_cast<std::size_t>(Endpoint::healthz));  // every /task/* endpoint
}

TEST(Scope, UnionOfGrantsOverEndpointAndQueue) {
  const Grants worker = {{Role::consume, "jobs.*"}, {Role::produce, "results"}};
  struct Row {
    Endpoint endpoint;
    const char* queue;
    bool allowed;
  };
  const Row rows[] = {
      {Endpoint::take, "jobs.gpu", true},      {Endpoint::reply, "jobs.gpu", true},
      {Endpoint::put, "jobs.gpu", false},      {Endpoint::clear_queue, "jobs.gpu", false},
      {Endpoint::put, "results", true},        {Endpoint::take, "results", false},
      {Endpoint::stat_queue, "results", true}, {Endpoint::stat_queue, "jobs.x", true},
      {Endpoint::stat_queue, "other", false},  {Endpoint::list_queue, "other", false},
      {Endpoint::put, "results2", false},      {Endpoint::remove, "results", true},
  };
  for (const auto& row : rows)
    EXPECT_EQ(scope_allows(worker, row.endpoint, row.queue), row.allowed)
        << endpoint_name(row.endpoint) << " on " << row.queue;
  EXPECT_FALSE(scope_allows(Grants{}, Endpoint::stat_queue, "q"));
  EXPECT_TRUE(scope_allows(Grants{{Role::admin, "*"}}, Endpoint::clear_queue, "q"));
}

TEST(Scope, RoleNames) {
  for (Role role : {Role::read, Role::produce, Role::consume, Role::admin}) {
    Role parsed = Role::admin;
    ASSERT_TRUE(parse_role(role_name(role), parsed));
    EXPECT_EQ(parsed, role);
  }
  Role unused = Role::read;
  EXPECT_FALSE(parse_role("Admin", unused));
  EXPECT_FALSE(parse_role("", unused));
  EXPECT_FALSE(parse_role("write", unused));
}

}  // namespace
}  // namespace tc
