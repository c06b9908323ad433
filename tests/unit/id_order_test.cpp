// id_less (store/memory/id_order.hpp) must order ids exactly as std::string_view does:
// list_tasks pages by that order on both engines.
#include "store/memory/id_order.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tc::test {
namespace {

using memory::id_less;

// Each id is checked both with and without readable bytes past its end (a node's payload
// follows its id; a cursor's key has none), with garbage there that must not count.
void expect_same_order(const std::string& a, const std::string& b) {
  const bool expected = std::string_view(a) < std::string_view(b);
  std::string a_room = a + "\xff\x00\x7f" + "zzzzzzzz";
  std::string b_room = b + "\x00\xff\x01" + "aaaaaaaa";
  std::string_view av(a_room.data(), a.size()), bv(b_room.data(), b.size());
  EXPECT_EQ(id_less(a, b), expected) << "'" << a << "' < '" << b << "'";
  EXPECT_EQ(id_less(av, a_room.size(), bv, b_room.size()), expected)
      << "'" << a << "' < '" << b << "' with bytes past the ends";
  EXPECT_EQ(id_less(av, a_room.size(), b, b.size()), expected);
  EXPECT_EQ(id_less(a, a.size(), bv, b_room.size()), expected);
}

TEST(IdOrder, MatchesStringViewOnShapesThatMatter) {
  const std::vector<std::string> ids = {
      "", "a", "b", "ab", "abc", "p0-9", "p0-10", "p1-10", "1234567", "12345678", "123456789",
      "12345679", "1234567812345678", "12345678123456781", "12345678123456782",
      "1234567812345677z", std::string("\x80", 1), std::string("\xff\xfe", 2), "\x7f",
      std::string("a\0b", 3), std::string("a\0", 2), std::string(256, 'x'),
      std::string(255, 'x') + "y", "}x", "{a}", "x}y", "\xc3\xa9t\xc3\xa9"};
  for (const std::string& a : ids)
    for (const std::string& b : ids) expect_same_order(a, b);
}

TEST(IdOrder, MatchesStringViewOnRandomIds) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> length(0, 20), byte(0, 255), small(0, 2);
  auto make = [&] {
    std::string id(static_cast<std::size_t>(length(random)), '\0');
    // Few byte values, so long equal prefixes are common.
    for (char& c : id) c = static_cast<char>(small(random) == 0 ? byte(random) : 'a' + small(random));
    return id;
  };
  for (int i = 0; i < 20000; ++i) {
    std::string a = make(), b = make();
    if (i % 3 == 0) b = a.substr(0, b.size() < a.size() ? b.size() : a.size()) + b;
    expect_same_order(a, b);
  }
}

}  // namespace
}  // namespace tc::test
