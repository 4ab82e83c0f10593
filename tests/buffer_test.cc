#include "base/buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace floodchat {
namespace {

std::string Str(const Buffer& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

TEST(BufferTest, AppendConsumeKeepsOrder) {
  Buffer b;
  b.Append("hello ", 6);
  b.Append("world", 5);
  EXPECT_EQ(Str(b), "hello world");
  b.Consume(6);
  EXPECT_EQ(Str(b), "world");
  b.Append("!", 1);
  EXPECT_EQ(Str(b), "world!");
  b.Consume(6);
  EXPECT_TRUE(b.empty());
}

TEST(BufferTest, ReserveCommitAndGrowth) {
  Buffer b;
  for (int i = 0; i < 10000; ++i) {
    uint8_t* w = b.Reserve(3);
    w[0] = 'a';
    w[1] = 'b';
    w[2] = 'c';
    b.Commit(3);
    if (i % 3 == 0) b.Consume(2);
  }
  EXPECT_EQ(b.size(), 30000u - 2u * 3334u);
}

TEST(BufferTest, ReleaseFreesOnlyWhenEmptyAndLarge) {
  Buffer b;
  std::string big(100000, 'x');
  b.Append(big.data(), big.size());
  b.Release(1000);
  EXPECT_GE(b.capacity(), 100000u);  // not empty: kept
  b.Consume(big.size());
  b.Release(1000);
  EXPECT_EQ(b.capacity(), 0u);
  b.Append("y", 1);
  EXPECT_EQ(Str(b), "y");
}

}  // namespace
}  // namespace floodchat
