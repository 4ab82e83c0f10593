#include "broadcast/dedup.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace floodchat {
namespace {

MessageId Id(uint64_t n) {
  MessageId id{};
  PutU64(id.bytes, 0xabcdef);
  PutU64(id.bytes + 8, n);
  return id;
}

TEST(DedupRingTest, RemembersAndReportsSeen) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(8, 1, 2));
  EXPECT_FALSE(ring.SeenOrRemember(Id(1)));
  EXPECT_TRUE(ring.SeenOrRemember(Id(1)));
  EXPECT_TRUE(ring.Contains(Id(1)));
  EXPECT_FALSE(ring.Contains(Id(2)));
  EXPECT_EQ(ring.size(), 1u);
}

TEST(DedupRingTest, CapacityIsNeverExceeded) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(16, 3, 4));
  for (uint64_t i = 0; i < 100; ++i) ring.SeenOrRemember(Id(i));
  EXPECT_EQ(ring.size(), 16u);
  EXPECT_EQ(ring.capacity(), 16u);
  EXPECT_EQ(ring.evictions(), 84u);
}

MessageId From(uint64_t origin, uint64_t counter) {
  MessageId id{};
  PutU64(id.bytes, origin);
  PutU64(id.bytes + 8, counter);
  return id;
}

TEST(OriginWindowsTest, NewMessagesInOrderAreNeverLate) {
  OriginWindows w;
  ASSERT_TRUE(w.Init(42));
  for (uint64_t c = 1000; c < 5000; ++c) {
    EXPECT_FALSE(w.RecordIsLate(From(7, c)));
    EXPECT_FALSE(w.RecordIsLate(From(8, c * 3)));  // gaps are fine too
  }
}

TEST(OriginWindowsTest, ASecondCopyInsideTheWindowIsLate) {
  OriginWindows w;
  ASSERT_TRUE(w.Init(1));
  for (uint64_t c = 0; c < 100; ++c) ASSERT_FALSE(w.RecordIsLate(From(7, c)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 50)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 99)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 0)));
  EXPECT_FALSE(w.RecordIsLate(From(9, 50)));  // another origin's 50 is new
}

TEST(OriginWindowsTest, OvertakenMessagesAreNewOnceThenLate) {
  OriginWindows w;
  ASSERT_TRUE(w.Init(1));
  ASSERT_FALSE(w.RecordIsLate(From(7, 10)));
  ASSERT_FALSE(w.RecordIsLate(From(7, 15)));  // 11..14 still on their way
  for (uint64_t c = 11; c < 15; ++c) EXPECT_FALSE(w.RecordIsLate(From(7, c)));
  for (uint64_t c = 10; c < 16; ++c) EXPECT_TRUE(w.RecordIsLate(From(7, c)));
  EXPECT_FALSE(w.RecordIsLate(From(7, 16)));
}

TEST(OriginWindowsTest, SlidingForgetsBitsThatLeaveTheWindow) {
  const uint64_t n = OriginWindows::kWindow;
  OriginWindows w;
  ASSERT_TRUE(w.Init(3));
  ASSERT_FALSE(w.RecordIsLate(From(7, 0)));
  // Counter n shares 0's bit; the slide must clear it first, or n + 1 .. would
  // be taken for copies.
  ASSERT_FALSE(w.RecordIsLate(From(7, n - 1)));
  for (uint64_t c = n + 1; c < 2 * n; ++c) ASSERT_FALSE(w.RecordIsLate(From(7, c)));
  // n was skipped: it is new, even though its bit once held 0.
  EXPECT_FALSE(w.RecordIsLate(From(7, n)));
  // 0 is now far behind the newest (2n - 1): taken for a late copy.
  EXPECT_TRUE(w.RecordIsLate(From(7, 0)));
  // A jump of more than a window clears everything.
  ASSERT_FALSE(w.RecordIsLate(From(7, 10 * n)));
  EXPECT_FALSE(w.RecordIsLate(From(7, 10 * n - 5)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 10 * n - 5)));
}

TEST(OriginWindowsTest, AnOriginThatLosesItsSlotStartsOver) {
  OriginWindows w;
  ASSERT_TRUE(w.Init(5));
  ASSERT_FALSE(w.RecordIsLate(From(7, 100)));
  // Many other origins: one of them takes 7's slot.
  for (uint64_t o = 1000; o < 1000 + 8 * OriginWindows::kOrigins; ++o)
    ASSERT_FALSE(w.RecordIsLate(From(o, 1)));
  // 7's copy of 100 may now pass for new (its record was lost), but nothing
  // breaks: the next message from 7 is new either way.
  w.RecordIsLate(From(7, 100));
  EXPECT_FALSE(w.RecordIsLate(From(7, 101)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 101)));
}

TEST(OriginWindowsTest, ExtremeCountersDoNotBreakIt) {
  OriginWindows w;
  ASSERT_TRUE(w.Init(6));
  EXPECT_FALSE(w.RecordIsLate(From(7, UINT64_MAX - 1)));
  EXPECT_TRUE(w.RecordIsLate(From(7, UINT64_MAX - 1)));
  EXPECT_FALSE(w.RecordIsLate(From(7, UINT64_MAX)));  // the record starts over
  EXPECT_FALSE(w.RecordIsLate(From(7, 0)));
  EXPECT_TRUE(w.RecordIsLate(From(7, 0)));
}

TEST(DedupRingTest, EvictsInArrivalOrder) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(4, 5, 6));
  for (uint64_t i = 0; i < 4; ++i) ring.SeenOrRemember(Id(i));
  ring.SeenOrRemember(Id(1));  // a lookup does not refresh an entry (FIFO, not LRU)
  ring.SeenOrRemember(Id(4));  // evicts 0, the oldest
  EXPECT_FALSE(ring.Contains(Id(0)));
  for (uint64_t i = 1; i <= 4; ++i) EXPECT_TRUE(ring.Contains(Id(i))) << i;
  ring.SeenOrRemember(Id(5));  // evicts 1
  EXPECT_FALSE(ring.Contains(Id(1)));
  EXPECT_TRUE(ring.Contains(Id(2)));
}

TEST(DedupRingTest, WrapsAroundManyTimes) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(7, 7, 8));  // not a power of two
  for (uint64_t i = 0; i < 7 * 50; ++i) {
    EXPECT_FALSE(ring.SeenOrRemember(Id(i)));
    // Exactly the last 7 are remembered.
    if (i >= 7) {
      EXPECT_FALSE(ring.Contains(Id(i - 7)));
    }
    for (uint64_t k = (i >= 6 ? i - 6 : 0); k <= i; ++k) ASSERT_TRUE(ring.Contains(Id(k))) << i << " " << k;
  }
}

TEST(DedupRingTest, EvictedIdIsNewAgain) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(2, 9, 10));
  ring.SeenOrRemember(Id(1));
  ring.SeenOrRemember(Id(2));
  ring.SeenOrRemember(Id(3));  // evicts 1
  EXPECT_FALSE(ring.SeenOrRemember(Id(1)));  // not recognised any more: new
  EXPECT_TRUE(ring.SeenOrRemember(Id(1)));
  EXPECT_FALSE(ring.Contains(Id(2)));  // evicted to make room for 1
}

TEST(DedupRingTest, CapacityOne) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(1, 0, 0));
  EXPECT_FALSE(ring.SeenOrRemember(Id(1)));
  EXPECT_TRUE(ring.SeenOrRemember(Id(1)));
  EXPECT_FALSE(ring.SeenOrRemember(Id(2)));
  EXPECT_FALSE(ring.Contains(Id(1)));
}

TEST(DedupRingTest, RejectsBadCapacity) {
  DedupRing a, b;
  EXPECT_FALSE(a.Init(0, 0, 0));
  EXPECT_FALSE(b.Init(DedupRing::kMaxCapacity + 1, 0, 0));
}

// Against a simple model (a FIFO of IDs in a std::set), with random IDs and
// many repeats, so that probe chains and backward-shift deletion are exercised.
TEST(DedupRingTest, MatchesAModelUnderRandomLoad) {
  for (size_t capacity : {1u, 3u, 64u, 1000u}) {
    DedupRing ring;
    ASSERT_TRUE(ring.Init(capacity, 0x1234, 0x5678));
    std::vector<uint64_t> fifo;
    std::set<uint64_t> model;
    std::mt19937_64 rng(capacity);
    for (int i = 0; i < 20000; ++i) {
      uint64_t n = rng() % (capacity * 3 + 1);
      bool expect_seen = model.count(n) != 0;
      ASSERT_EQ(ring.SeenOrRemember(Id(n)), expect_seen) << "capacity " << capacity << " step " << i;
      if (!expect_seen) {
        fifo.push_back(n);
        model.insert(n);
        if (fifo.size() > capacity) {
          model.erase(fifo.front());
          fifo.erase(fifo.begin());
        }
      }
    }
    EXPECT_EQ(ring.size(), model.size());
  }
}

// With the key unknown, IDs that differ only in a few bits still spread out:
// a long run of sequential IDs fills the table without long probe chains.
TEST(DedupRingTest, SequentialIdsStayFast) {
  DedupRing ring;
  ASSERT_TRUE(ring.Init(1 << 16, 42, 43));
  for (uint64_t i = 0; i < (1 << 18); ++i) ASSERT_FALSE(ring.SeenOrRemember(Id(i)));
  EXPECT_EQ(ring.size(), size_t{1} << 16);
}

}  // namespace
}  // namespace floodchat
