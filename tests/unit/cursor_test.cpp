#include "core/cursor.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(Cursor, FormatsAndParsesRoundTrip) {
  Cursor c{1700000000123, 7};
  EXPECT_EQ(c.to_string(), "1700000000123-7");
  EXPECT_EQ(Cursor::parse("1700000000123-7"), c);
}

TEST(Cursor, AcceptsBareMilliseconds) { EXPECT_EQ(Cursor::parse("5"), (Cursor{5, 0})); }

TEST(Cursor, RejectsMalformed) {
  for (auto bad : {"", "-", "1-", "-1", "a-1", "1-b", " 1-2", "1-2 ", "+1-2", "1--2",
                   "99999999999999999999999-1", "1-2-3"})
    EXPECT_FALSE(Cursor::parse(bad)) << bad;
}

TEST(Cursor, OrdersByMillisecondsThenSequence) {
  EXPECT_LT((Cursor{1, 9}), (Cursor{2, 0}));
  EXPECT_LT((Cursor{2, 0}), (Cursor{2, 1}));
}

TEST(Cursor, NextNeverGoesBackwards) {
  Cursor last{100, 4};
  EXPECT_EQ(Cursor::next(last, 50), (Cursor{100, 5}));
  EXPECT_EQ(Cursor::next(last, 100), (Cursor{100, 5}));
  EXPECT_EQ(Cursor::next(last, 101), (Cursor{101, 0}));
}

}  // namespace
}  // namespace tc
