// Redis URL parsing and the cluster key slot (pure functions of src/store/redis/url.hpp).
#include <gtest/gtest.h>

#include "store/redis/url.hpp"

namespace tc::redis {
namespace {

TEST(RedisUrl, ParsesHostPortAndDb) {
  auto url = parse_redis_url("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->endpoint.host, "10.0.0.5");
  EXPECT_EQ(url->endpoint.port, 6380);
  EXPECT_EQ(url->db, 3);
  EXPECT_TRUE(url->password.empty());
}

TEST(RedisUrl, DefaultsAndPassword) {
  auto url = parse_redis_url("redis://:s3cret@localhost");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->endpoint.host, "127.0.0.1");
  EXPECT_EQ(url->endpoint.port, 6379);
  EXPECT_EQ(url->db, 0);
  EXPECT_EQ(url->password, "s3cret");
  auto user = parse_redis_url("redis://default:pw@h:1/");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->password, "pw");
  EXPECT_EQ(user->endpoint.host, "h");
  auto bare = parse_redis_url("127.0.0.1:7000");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->endpoint.port, 7000);
  auto v6 = parse_redis_url("redis://[::1]:7001/2");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->endpoint.host, "::1");
  EXPECT_EQ(v6->endpoint.port, 7001);
}

TEST(RedisUrl, RejectsGarbage) {
  EXPECT_FALSE(parse_redis_url("redis://host:notaport"));
  EXPECT_FALSE(parse_redis_url("redis://host:70000"));
  EXPECT_FALSE(parse_redis_url("redis://host:1/x"));
  EXPECT_FALSE(parse_redis_url("redis://host:1/-1"));
  EXPECT_FALSE(parse_redis_url("redis://[::1"));
}

// Reference values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
TEST(RedisKeySlot, MatchesRedis) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(key_slot("foo{}{bar}"), key_slot("foo{}{bar}"));  // empty tag: whole key
  EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("tc:{q}:tasks"), key_slot("tc:{q}:pending"));
}

}  // namespace
}  // namespace tc::redis
