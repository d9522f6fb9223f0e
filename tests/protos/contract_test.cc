#include "porthole/agent/v1/contract.h"

#include <gtest/gtest.h>

#include <string>

namespace porthole::agent::v1 {
namespace {

TEST(TailLinesTest, NoCountOrNegative_KeepsEverything) {
  EXPECT_EQ(TailLines("a\nb\n", std::nullopt), "a\nb\n");
  EXPECT_EQ(TailLines("a\nb\n", -1), "a\nb\n");
  EXPECT_EQ(TailLines("a\nb\n", -7), "a\nb\n");
}

TEST(TailLinesTest, Zero_KeepsNothing) {
  EXPECT_EQ(TailLines("a\nb\n", 0), "");
  EXPECT_EQ(TailLines("", 0), "");
}

TEST(TailLinesTest, KeepsTheLastPiecesSplitAtNewline) {
  // Python: b'\n'.join(b'a\nb\nc\n'.split(b'\n')[-n:])
  EXPECT_EQ(TailLines("a\nb\nc\n", 1), "");
  EXPECT_EQ(TailLines("a\nb\nc\n", 2), "c\n");
  EXPECT_EQ(TailLines("a\nb\nc\n", 3), "b\nc\n");
  EXPECT_EQ(TailLines("a\nb\nc\n", 4), "a\nb\nc\n");
  EXPECT_EQ(TailLines("a\nb\nc\n", 1000), "a\nb\nc\n");
  EXPECT_EQ(TailLines("a\nb\nc", 1), "c");
  EXPECT_EQ(TailLines("a\nb\nc", 2), "b\nc");
}

TEST(TailLinesTest, EdgeShapes) {
  EXPECT_EQ(TailLines("", 3), "");
  EXPECT_EQ(TailLines("no newline", 1), "no newline");
  EXPECT_EQ(TailLines("\n", 1), "");
  EXPECT_EQ(TailLines("\n", 2), "\n");
  EXPECT_EQ(TailLines("\nx", 1), "x");
  EXPECT_EQ(TailLines("\n\n\n", 2), "\n");
  EXPECT_EQ(TailLines(std::string("a\0b\nc", 5), 1), "c");
}

}  // namespace
}  // namespace porthole::agent::v1
