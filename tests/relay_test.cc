#include "broadcast/relay.h"

#include <gtest/gtest.h>

namespace floodchat {
namespace {

TEST(RelayTest, OriginateMakesDistinctIdsFromNodeIdAndCounter) {
  Relay r;
  ASSERT_TRUE(r.Init(16, 0x1122334455667788ULL, 7, 1, 2));
  Message a = r.Originate("me", "one", 64);
  Message b = r.Originate("me", "two", 64);
  EXPECT_FALSE(a.id == b.id);
  EXPECT_EQ(GetU64(a.id.bytes), 0x1122334455667788ULL);
  EXPECT_EQ(GetU64(a.id.bytes + 8), 7u);
  EXPECT_EQ(GetU64(b.id.bytes + 8), 8u);
  EXPECT_EQ(a.hops, 1);
  EXPECT_EQ(a.hop_limit, 64);
  EXPECT_EQ(r.counters().sent, 2u);
}

TEST(RelayTest, OwnEchoIsDropped) {
  Relay r;
  ASSERT_TRUE(r.Init(16, 5, 0, 1, 2));
  Message m = r.Originate("me", "x", 64);
  m.hops = 3;  // came back around a cycle
  Verdict v = r.Accept(m);
  EXPECT_TRUE(v.duplicate);
  EXPECT_EQ(r.counters().duplicates, 1u);
  EXPECT_EQ(r.counters().received, 0u);
}

TEST(RelayTest, ACopyTheSeenTableForgotIsDroppedAndCountedLate) {
  Relay sender, r;
  ASSERT_TRUE(sender.Init(16, 1, 0, 1, 2));
  ASSERT_TRUE(r.Init(4, 2, 0, 3, 4));
  Message first = sender.Originate("s", "first", 64);
  first.hops = 2;
  EXPECT_FALSE(r.Accept(first).duplicate);
  for (int i = 0; i < 4; ++i) r.Accept(sender.Originate("s", "more", 64));  // evicts `first`
  EXPECT_EQ(r.counters().late_duplicates, 0u);
  Verdict v = r.Accept(first);  // its copy, come the long way round
  EXPECT_TRUE(v.duplicate);
  EXPECT_FALSE(v.forward);
  EXPECT_EQ(r.counters().late_duplicates, 1u);
  EXPECT_EQ(r.counters().duplicates, 0u);
  EXPECT_EQ(r.counters().received, 5u);
}

TEST(RelayTest, NewMessageIsForwardedWithOneMoreHop) {
  Relay sender, r;
  ASSERT_TRUE(sender.Init(16, 1, 0, 1, 2));
  ASSERT_TRUE(r.Init(16, 2, 0, 3, 4));
  Message m = sender.Originate("s", "x", 64);
  Verdict v = r.Accept(m);
  EXPECT_FALSE(v.duplicate);
  EXPECT_TRUE(v.forward);
  EXPECT_EQ(v.forward_hops, 2);
  EXPECT_EQ(r.counters().received, 1u);
  // The same message from another peer is a duplicate.
  m.hops = 2;
  EXPECT_TRUE(r.Accept(m).duplicate);
}

TEST(RelayTest, HopLimitStopsForwardingButNotPrinting) {
  Relay sender, r;
  ASSERT_TRUE(sender.Init(16, 1, 0, 1, 2));
  ASSERT_TRUE(r.Init(16, 2, 0, 3, 4));
  Message m = sender.Originate("s", "x", 3);
  m.hops = 3;  // at the limit
  Verdict v = r.Accept(m);
  EXPECT_FALSE(v.duplicate);  // new: it is printed
  EXPECT_FALSE(v.forward);
  Message n = sender.Originate("s", "y", 3);
  n.hops = 2;
  v = r.Accept(n);
  EXPECT_TRUE(v.forward);
  EXPECT_EQ(v.forward_hops, 3);
}

TEST(RelayTest, HopsOneReachesOnlyNeighbours) {
  Relay sender, r;
  ASSERT_TRUE(sender.Init(16, 1, 0, 1, 2));
  ASSERT_TRUE(r.Init(16, 2, 0, 3, 4));
  EXPECT_FALSE(r.Accept(sender.Originate("s", "x", 1)).forward);
}

TEST(RelayTest, AForgottenCopyOfAnEvictedOriginPassesForNew) {
  // The documented limit: with both the seen table and the origin's record
  // gone, nothing remembers the message.
  Relay a, b, r;
  ASSERT_TRUE(a.Init(16, 1, 0, 1, 2));
  ASSERT_TRUE(b.Init(16, 5, 0, 1, 2));
  ASSERT_TRUE(r.Init(2, 2, 0, 3, 4, /*origin_slots=*/1));
  Message first = a.Originate("a", "1", 64);
  EXPECT_FALSE(r.Accept(first).duplicate);
  EXPECT_FALSE(r.Accept(b.Originate("b", "2", 64)).duplicate);  // evicts a's record
  EXPECT_FALSE(r.Accept(b.Originate("b", "3", 64)).duplicate);  // evicts first's ID
  EXPECT_EQ(r.origins().evictions(), 1u);
  EXPECT_FALSE(r.Accept(first).duplicate);
}

}  // namespace
}  // namespace floodchat
