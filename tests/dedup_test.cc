#include "broadcast/dedup.h"
#include "broadcast/origins.h"

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

// Records `counter` of `origin`; true if it was new.
bool New(OriginTable* t, uint64_t origin, uint64_t counter) {
  return !t->CoveredOrRecord(From(origin, counter));
}

OriginTable::Summary Of(const OriginTable& t, uint64_t origin) {
  OriginTable::Summary s;
  EXPECT_TRUE(t.Find(origin, &s));
  return s;
}

TEST(OriginTableTest, InOrderEachCounterIsNewOnceAndTheFloorFollows) {
  OriginTable t;
  ASSERT_TRUE(t.Init(42));
  for (uint64_t c = 1000; c < 20000; ++c) {
    ASSERT_TRUE(New(&t, 7, c));
    ASSERT_FALSE(New(&t, 7, c));
  }
  EXPECT_EQ(Of(t, 7).floor, 20000u);
  EXPECT_EQ(Of(t, 7).top, 20000u);
  // Every earlier counter, however old, is a copy: the seen table may have
  // forgotten them all.
  for (uint64_t c = 1000; c < 20000; c += 7) EXPECT_FALSE(New(&t, 7, c)) << c;
  EXPECT_EQ(t.skipped(), 0u);
  EXPECT_EQ(t.Gaps(7), 0u);
}

TEST(OriginTableTest, OutOfOrderCountersAreGapsUntilTheyArriveOnce) {
  OriginTable t;
  ASSERT_TRUE(t.Init(1));
  ASSERT_TRUE(New(&t, 7, 10));
  ASSERT_TRUE(New(&t, 7, 15));  // 11..14 still on their way
  EXPECT_EQ(Of(t, 7).floor, 11u);
  EXPECT_EQ(Of(t, 7).top, 16u);
  EXPECT_EQ(t.Gaps(7), 4u);
  EXPECT_TRUE(t.IsGap(7, 12));
  EXPECT_FALSE(t.IsGap(7, 15));
  EXPECT_FALSE(t.IsGap(7, 16));  // not sent yet, as far as this node knows
  for (uint64_t c = 14; c >= 11; --c) EXPECT_TRUE(New(&t, 7, c));
  for (uint64_t c = 10; c < 16; ++c) EXPECT_FALSE(New(&t, 7, c));
  EXPECT_EQ(Of(t, 7).floor, 16u);
  EXPECT_EQ(t.Gaps(7), 0u);
  EXPECT_TRUE(New(&t, 9, 12));  // another origin's 12 is its own
}

TEST(OriginTableTest, WhatAnOriginSentJustBeforeItWasFirstHeardIsTakenOnce) {
  OriginTable t;
  ASSERT_TRUE(t.Init(2));
  ASSERT_TRUE(New(&t, 7, 5000));
  // Not gaps: the node starts from the present.
  EXPECT_EQ(Of(t, 7).floor, 5001u);
  EXPECT_EQ(t.Gaps(7), 0u);
  EXPECT_TRUE(New(&t, 7, 4999));
  EXPECT_FALSE(New(&t, 7, 4999));
  EXPECT_TRUE(New(&t, 7, 5000 - OriginTable::kJoinGrace));
  EXPECT_FALSE(New(&t, 7, 5000 - OriginTable::kJoinGrace - 1));  // older: settled
}

TEST(OriginTableTest, ACounterBeyondTheWindowSettlesItAndKeepsTheGapsItPassed) {
  const uint64_t w = OriginTable::kWindow;
  OriginTable t;
  ASSERT_TRUE(t.Init(3));
  ASSERT_TRUE(New(&t, 7, 0));
  ASSERT_TRUE(New(&t, 7, 3));  // gaps 1 and 2
  for (uint64_t c = 4; c < w; ++c) ASSERT_TRUE(New(&t, 7, c));
  EXPECT_EQ(t.Gaps(7), 2u);
  EXPECT_EQ(t.skipped(), 0u);
  // Counter w + 1 needs the window to start at 2: gap 1 is passed (counted
  // as not had, still taken if it comes), 2 stays in the window.
  ASSERT_TRUE(New(&t, 7, w + 1));
  EXPECT_EQ(t.skipped(), 1u);
  EXPECT_EQ(t.Gaps(7), 2u);  // 2 and w
  EXPECT_FALSE(t.Covers(From(7, 1)));
  EXPECT_TRUE(New(&t, 7, 1));   // come by a slower way: taken once
  EXPECT_FALSE(New(&t, 7, 1));  // and then a copy
  EXPECT_TRUE(t.Covers(From(7, 1)));
  EXPECT_EQ(t.skipped(), 0u);
  EXPECT_FALSE(New(&t, 7, 0));  // below the window, had: a copy
  EXPECT_TRUE(New(&t, 7, 2));
  EXPECT_TRUE(New(&t, 7, w));  // shares 0's bit, which the slide cleared
  EXPECT_EQ(Of(t, 7).floor, w + 2);
  // A jump far ahead: the counters between that were never heard of and
  // the window no longer reaches are given up; those it still reaches stay
  // gaps.
  ASSERT_TRUE(New(&t, 7, 10 * w));
  EXPECT_EQ(t.skipped(), (10 * w - w + 1) - (w + 2));
  EXPECT_FALSE(New(&t, 7, w + 5));  // given up: settled
  EXPECT_EQ(t.Gaps(7), w - 1);  // [9w + 1, 10w)
  EXPECT_EQ(Of(t, 7).floor, 10 * w - w + 1);
  EXPECT_TRUE(New(&t, 7, 10 * w - 5));
  EXPECT_FALSE(New(&t, 7, 10 * w - 5));
}

// Every other counter of origin 9 comes, from 0 to far beyond the window:
// each slide passes one gap. The last base is (end - 2) - w + 1, so the odd
// counters 1 to end - 3 - w are passed, more than the ring holds. Returns
// the newest passed.
uint64_t PassEveryOddCounter(OriginTable* t) {
  const uint64_t end = 2 * (OriginTable::kWindow + OriginTable::kPassedRing + 10);
  for (uint64_t c = 0; c < end; c += 2) EXPECT_TRUE(New(t, 9, c)) << c;
  return end - 3 - OriginTable::kWindow;
}

TEST(OriginTableTest, PassedGapsAreBoundedTheOldestGivenUpAndEachTakenOnce) {
  const uint64_t w = OriginTable::kWindow, n = OriginTable::kPassedRing;
  OriginTable t;
  ASSERT_TRUE(t.Init(3));
  const uint64_t newest = PassEveryOddCounter(&t);
  const uint64_t end = newest + 3 + w;
  uint64_t passed_total = (end - w) / 2 - 1;
  ASSERT_GT(passed_total, n);
  EXPECT_EQ(t.skipped(), passed_total);
  EXPECT_FALSE(New(&t, 9, 1));  // the oldest: given up, taken for a copy
  uint64_t oldest_kept = end - 3 - w - 2 * (n - 1);
  EXPECT_FALSE(New(&t, 9, oldest_kept - 2));
  // The gaps still kept come, in the order they were passed (as a slower
  // path brings them), each twice: each is taken once.
  uint64_t taken = 0;
  for (uint64_t c = oldest_kept; c <= end - 3 - w; c += 2) {
    taken += New(&t, 9, c) ? 1 : 0;
    EXPECT_FALSE(New(&t, 9, c)) << c;
  }
  EXPECT_EQ(taken, n);
  for (uint64_t c = oldest_kept; c <= end - 3 - w; c += 2) EXPECT_FALSE(New(&t, 9, c)) << c;
  EXPECT_EQ(t.skipped(), passed_total - n);
}

TEST(OriginTableTest, PassedGapsThatComeNewestFirstAreStillTakenAtMostOnce) {
  const uint64_t n = OriginTable::kPassedRing;
  OriginTable t;
  ASSERT_TRUE(t.Init(3));
  const uint64_t newest = PassEveryOddCounter(&t);
  // Each one that comes is remembered in the same ring, pushing out the
  // oldest passed: about half are taken, none twice.
  uint64_t taken = 0;
  for (uint64_t k = 0; k <= newest / 2; ++k) {
    uint64_t c = newest - 2 * k;
    taken += New(&t, 9, c) ? 1 : 0;
    EXPECT_FALSE(New(&t, 9, c)) << c;
  }
  EXPECT_EQ(taken, n / 2);
  for (uint64_t c = 1; c <= newest; c += 2) EXPECT_FALSE(New(&t, 9, c)) << c;
}

TEST(OriginTableTest, TheLeastRecentlyHeardOriginIsEvicted) {
  OriginTable t;
  ASSERT_TRUE(t.Init(5, 4));
  for (uint64_t o = 1; o <= 4; ++o) ASSERT_TRUE(New(&t, o, 100));
  ASSERT_FALSE(New(&t, 1, 100));  // 1 is now the most recently heard; 2 the least
  ASSERT_TRUE(New(&t, 5, 100));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.evictions(), 1u);
  OriginTable::Summary s;
  EXPECT_FALSE(t.Find(2, &s));
  EXPECT_TRUE(t.Find(1, &s));
  // An evicted origin starts over: its old counter passes for new (the seen
  // table is what catches that copy), its next one is new once.
  EXPECT_TRUE(New(&t, 2, 100));
  EXPECT_TRUE(New(&t, 2, 101));
  EXPECT_FALSE(New(&t, 2, 101));
  EXPECT_EQ(t.size(), 4u);
}

TEST(OriginTableTest, ManyOriginsThroughASmallTableKeepTheIndexWhole) {
  // Evictions move index entries (backward-shift deletion): every origin
  // still in the table must stay reachable.
  OriginTable t;
  ASSERT_TRUE(t.Init(6, 64));
  std::mt19937_64 rng(11);
  std::vector<uint64_t> recent;
  for (int i = 0; i < 5000; ++i) {
    uint64_t o = rng();
    ASSERT_TRUE(New(&t, o, 1));
    recent.push_back(o);
  }
  for (size_t i = recent.size() - 64; i < recent.size(); ++i)
    EXPECT_FALSE(New(&t, recent[i], 1)) << i;
  EXPECT_EQ(t.size(), 64u);
}

TEST(OriginTableTest, CountersAreFollowedAcrossTheWrap) {
  OriginTable t;
  ASSERT_TRUE(t.Init(6));
  ASSERT_TRUE(New(&t, 7, UINT64_MAX - 1));
  EXPECT_FALSE(New(&t, 7, UINT64_MAX - 1));
  EXPECT_TRUE(New(&t, 7, UINT64_MAX));
  EXPECT_TRUE(New(&t, 7, 0));
  EXPECT_TRUE(New(&t, 7, 1));
  EXPECT_FALSE(New(&t, 7, UINT64_MAX));
  EXPECT_FALSE(New(&t, 7, 0));
  EXPECT_EQ(Of(t, 7).floor, 2u);
  EXPECT_EQ(t.skipped(), 0u);
}

TEST(OriginTableTest, CoversLooksWithoutRecording) {
  OriginTable t;
  ASSERT_TRUE(t.Init(8));
  EXPECT_FALSE(t.Covers(From(7, 1)));
  ASSERT_TRUE(New(&t, 7, 1));
  EXPECT_TRUE(t.Covers(From(7, 1)));
  EXPECT_FALSE(t.Covers(From(7, 2)));
  EXPECT_TRUE(New(&t, 7, 2));
}

TEST(OriginTableTest, RandomArrivalsOfShuffledCopiesAreNewExactlyOnce) {
  // Several origins, each counter delivered 3 times in a shuffled order that
  // keeps every copy within 2000 places of its first: each is new once.
  OriginTable t;
  ASSERT_TRUE(t.Init(9, 16));
  std::mt19937_64 rng(3);
  std::vector<std::pair<uint64_t, uint64_t>> arrivals;
  for (uint64_t c = 0; c < 30000; ++c)
    for (int k = 0; k < 3; ++k) arrivals.push_back({1 + c % 5, 777 + c / 5});
  for (size_t i = 0; i + 1 < arrivals.size(); ++i) {
    size_t j = i + rng() % std::min<size_t>(2000, arrivals.size() - i);
    std::swap(arrivals[i], arrivals[j]);
  }
  std::set<std::pair<uint64_t, uint64_t>> had;
  for (auto& a : arrivals) {
    bool fresh = had.insert(a).second;
    ASSERT_EQ(New(&t, a.first, a.second), fresh) << a.first << " " << a.second;
  }
  for (uint64_t o = 1; o <= 5; ++o) EXPECT_EQ(t.Gaps(o), 0u);
  EXPECT_EQ(t.skipped(), 0u);
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
