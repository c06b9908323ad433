// Token file parsing (every malformed line named), lookups, and the access control's
// reload that keeps the old table when the new file is bad.
#include "auth/token_table.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "auth/access_control.hpp"
#include "test_util.hpp"

namespace tc {
namespace {

TokenTable parse_ok(std::string_view text) {
  auto table = TokenTable::parse(text, "tokens");
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().message);
  return table.ok() ? std::move(table).value() : TokenTable{};
}

std::string parse_error(std::string_view text) {
  auto table = TokenTable::parse(text, "tokens");
  EXPECT_FALSE(table.ok()) << text;
  return table.ok() ? "" : table.error().message;
}

TEST(TokenTable, ParsesLinesCommentsAndBlanks) {
  const auto table = parse_ok(
      "# producers\n"
      "\n"
      "   \t\n"
      "p-1 produce jobs.*\r\n"
      "\tc-1\tconsume\tjobs.gpu   # the GPU box\n"
      "p-1 read *\n"
      "admin-1 admin *");  // no final newline
  EXPECT_EQ(table.size(), 3u);
  const TokenEntry* p = table.find("p-1");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->grants.size(), 2u);
  EXPECT_EQ(p->grants[0].role, Role::produce);
  EXPECT_EQ(p->grants[0].pattern, "jobs.*");
  EXPECT_EQ(p->grants[1].role, Role::read);
  const TokenEntry* c = table.find("c-1");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->grants.at(0).pattern, "jobs.gpu");
  EXPECT_EQ(table.find("p-"), nullptr);
  EXPECT_EQ(table.find("p-12"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
  EXPECT_EQ(table.find("P-1"), nullptr);
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("# nothing\n\n").empty());
}

TEST(TokenTable, MalformedLinesAreNamed) {
  EXPECT_EQ(parse_error("ok read *\nlonely\n"),
            "tokens line 2: expected TOKEN ROLE QUEUES, found 1 field");
  EXPECT_EQ(parse_error("a read q extra\n"),
            "tokens line 1: expected TOKEN ROLE QUEUES, found 4 fields");
  EXPECT_EQ(parse_error("\n\na read\n"),
            "tokens line 3: expected TOKEN ROLE QUEUES, found 2 fields");
  EXPECT_EQ(parse_error("a write q\n"),
            "tokens line 1: unknown role 'write' (one of read, produce, consume, admin)");
  EXPECT_NE(parse_error("a read jo*bs\n").find("line 1: '*' may only end"), std::string::npos);
  EXPECT_NE(parse_error("a read **\n").find("'*' may only end"), std::string::npos);
  EXPECT_NE(parse_error("a read " + std::string(257, 'q') + "\n").find("longer than 256"),
            std::string::npos);
  EXPECT_NE(parse_error("a read q\x01\n").find("control character"), std::string::npos);
  EXPECT_NE(parse_error("t\xC3\xA9 read q\n").find("visible ASCII"), std::string::npos);
  // 256 bytes plus '*' is a valid prefix.
  EXPECT_EQ(parse_ok("a read " + std::string(256, 'q') + "*\n").size(), 1u);
}

TEST(TokenTable, AdminTokenJoinsTheFile) {
  auto table = parse_ok("x read q\n");
  table.add_admin("x");
  table.add_admin("root");
  EXPECT_EQ(table.size(), 2u);
  ASSERT_NE(table.find("x"), nullptr);
  EXPECT_EQ(table.find("x")->grants.size(), 2u);
  ASSERT_NE(table.find("root"), nullptr);
  EXPECT_EQ(table.find("root")->grants.at(0).role, Role::admin);
  EXPECT_EQ(table.find("root")->grants.at(0).pattern, "*");
}

TEST(TokenTable, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0c", 3), std::string_view("a\0d", 3)));
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
}

TEST(AccessControl, AuthenticatesAndReloads) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  write_file(path, "old read q\n");
  auto opened = AccessControl::open("root", path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto access = *opened;
  EXPECT_TRUE(access->enabled());
  EXPECT_EQ(access->tokens(), 2u);
  EXPECT_NE(access->authenticate("Bearer old"), nullptr);
  EXPECT_NE(access->authenticate("bEaReR root"), nullptr);
  EXPECT_EQ(access->authenticate("Bearer new"), nullptr);
  EXPECT_EQ(access->authenticate("Basic old"), nullptr);
  EXPECT_EQ(access->authenticate("old"), nullptr);
  EXPECT_EQ(access->authenticate(""), nullptr);
  auto held = access->authenticate("Bearer old");

  // A bad file keeps the table in force; the message names the line.
  write_file(path, "new consume q\nbroken\n");
  auto bad = access->reload();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, path + " line 2: expected TOKEN ROLE QUEUES, found 1 field");
  EXPECT_NE(access->authenticate("Bearer old"), nullptr);
  EXPECT_EQ(access->authenticate("Bearer new"), nullptr);

  write_file(path, "new consume q\n");
  auto good = access->reload();
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(*good, 2u);  // new + root
  EXPECT_EQ(access->authenticate("Bearer old"), nullptr);
  ASSERT_NE(access->authenticate("Bearer new"), nullptr);
  EXPECT_EQ(access->authenticate("Bearer new")->at(0).role, Role::consume);
  EXPECT_NE(access->authenticate("Bearer root"), nullptr);
  // Grants handed out before the reload stay valid for the request that holds them.
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->at(0).pattern, "q");
  EXPECT_EQ(held->at(0).role, Role::read);

  // A file that went away also keeps the table.
  std::filesystem::remove(path);
  auto gone = access->reload();
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("cannot read the token file"), std::string::npos);
  EXPECT_NE(access->authenticate("Bearer new"), nullptr);
}

TEST(AccessControl, OpenRefusesABadFileAndDisabledWithoutTokens) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tokens";
  write_file(path, "a read q\nb nope q\n");
  auto opened = AccessControl::open("", path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().message,
            path + " line 2: unknown role 'nope' (one of read, produce, consume, admin)");
  EXPECT_FALSE(AccessControl::open("", dir.path() + "/missing").ok());
  auto none = AccessControl::open("", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none)->enabled());
}

}  // namespace
}  // namespace tc
