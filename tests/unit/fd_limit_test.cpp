// fd_limit: what --max-connections needs from RLIMIT_NOFILE, and the start-up line.
#include "http/fd_limit.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(FdLimit, NeedsTheConnectionsPlusSlack) {
  EXPECT_EQ(fds_needed(10'000, 1), 10'000u + 2 + 64);
  EXPECT_EQ(fds_needed(1, 4), 1u + 8 + 64);
}

TEST(FdLimit, DescribeSaysWhatWasDoneOrWhatToRaise) {
  FdLimitCheck enough{1000, 4096, 4096, 8192};
  EXPECT_EQ(describe(enough, 900), "");
  FdLimitCheck raised{5000, 1024, 5000, 8192};
  EXPECT_EQ(describe(raised, 4900),
            "raised the open-file limit from 1024 to 5000 for --max-connections 4900");
  FdLimitCheck short_of{20'000, 1024, 8192, 8192};
  const std::string line = describe(short_of, 19'900);
  EXPECT_EQ(line.rfind("warning: --max-connections 19900 needs about 20000 open files", 0), 0u)
      << line;
  EXPECT_NE(line.find("hard limit 8192"), std::string::npos);
  EXPECT_NE(line.find("ulimit -n"), std::string::npos);
}

TEST(FdLimit, RaisingNeverLowersAndNeverPassesTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  const FdLimitCheck small = raise_fd_limit(16);  // less than any process already has
  EXPECT_EQ(small.soft_after, small.soft_before);
  EXPECT_TRUE(small.sufficient());
  const FdLimitCheck huge = raise_fd_limit(UINT64_MAX / 2);
  EXPECT_LE(huge.soft_after, huge.hard);
  EXPECT_FALSE(huge.sufficient() && huge.hard != UINT64_MAX);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);  // leave the test process as it was
}

}  // namespace
}  // namespace tc
