// InflightBudget / BudgetHold: the accounting behind --max-inflight-bytes.
#include "http/inflight_budget.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(InflightBudget, ReservesUpToTheLimit) {
  InflightBudget budget(100);
  EXPECT_TRUE(budget.try_reserve(60));
  EXPECT_TRUE(budget.try_reserve(40));
  EXPECT_FALSE(budget.try_reserve(1));
  EXPECT_EQ(budget.used(), 100u);
  budget.release(50);
  EXPECT_TRUE(budget.try_reserve(50));
  EXPECT_FALSE(budget.try_reserve(1));
}

TEST(InflightBudget, ABodyLargerThanTheBudgetPassesAlone) {
  InflightBudget budget(100);
  EXPECT_TRUE(budget.try_reserve(500));
  EXPECT_FALSE(budget.try_reserve(1));
  budget.release(500);
  EXPECT_TRUE(budget.try_reserve(1));
  EXPECT_FALSE(budget.try_reserve(500));
}

TEST(InflightBudget, ZeroMeansNoBudgetButStillCounts) {
  InflightBudget budget(0);
  EXPECT_TRUE(budget.try_reserve(1ull << 40));
  EXPECT_TRUE(budget.try_reserve(1ull << 40));
  EXPECT_EQ(budget.used(), 2ull << 40);
}

TEST(BudgetHold, GivesBackWhatItHeldOnReleaseAndDestruction) {
  InflightBudget budget(100);
  {
    BudgetHold hold(budget);
    EXPECT_TRUE(hold.add(30));
    EXPECT_TRUE(hold.add(20));
    EXPECT_TRUE(hold.add(0));
    EXPECT_EQ(hold.held(), 50u);
    BudgetHold other(budget);
    EXPECT_FALSE(other.add(51));  // refused: nothing taken
    EXPECT_EQ(other.held(), 0u);
    EXPECT_EQ(budget.used(), 50u);
    hold.release();
    EXPECT_EQ(budget.used(), 0u);
    hold.release();  // twice is harmless
    EXPECT_TRUE(hold.add(70));
    EXPECT_TRUE(other.add(30));
  }
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace tc
