#include "membership/address_book.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace floodchat {
namespace {

PeerAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  PeerAddress x;
  x.family = 4;
  x.ip[0] = a;
  x.ip[1] = b;
  x.ip[2] = c;
  x.ip[3] = d;
  x.port = port;
  return x;
}

PeerAddress Nth(int i) { return V4(10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 5000); }

auto NoneConnected = [](uint64_t) { return false; };

TEST(BackoffTest, DoublesFromOneSecondToAMinuteWithJitter) {
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    uint64_t w1 = BackoffMs(1, &rng);
    EXPECT_GE(w1, 500u);
    EXPECT_LE(w1, 1000u);
    uint64_t w3 = BackoffMs(3, &rng);
    EXPECT_GE(w3, 2000u);
    EXPECT_LE(w3, 4000u);
    for (uint32_t f : {7u, 8u, 1000u, 0xffffffffu}) {
      uint64_t w = BackoffMs(f, &rng);
      EXPECT_GE(w, 30000u) << f;
      EXPECT_LE(w, 60000u) << f;
    }
  }
  std::set<uint64_t> distinct;
  for (int i = 0; i < 50; ++i) distinct.insert(BackoffMs(5, &rng));
  EXPECT_GT(distinct.size(), 10u);  // jittered, not one fixed delay
}

// Two connections between nodes A and B: c1 dialled by A, c2 dialled by B.
// Whichever hello each end sees first, both ends must keep the same one.
TEST(ChooseConnectionTest, BothEndsKeepTheSameConnection) {
  for (auto ids : {std::pair<uint64_t, uint64_t>{1, 2}, {2, 1}, {0xffff, 0x1000}, {7, ~0ull}}) {
    uint64_t a = ids.first, b = ids.second;
    int kept_at[2];  // 1 or 2
    for (int end = 0; end < 2; ++end) {
      uint64_t self = end == 0 ? a : b, peer = end == 0 ? b : a;
      bool c1_out = end == 0, c2_out = end == 1;
      // c1 first, then c2:
      Keep k = ChooseConnection(self, peer, c1_out, c2_out);
      ASSERT_NE(k, Keep::kBoth);
      int first_order = k == Keep::kExisting ? 1 : 2;
      // c2 first, then c1:
      k = ChooseConnection(self, peer, c2_out, c1_out);
      int second_order = k == Keep::kExisting ? 2 : 1;
      EXPECT_EQ(first_order, second_order) << "order matters at one end";
      kept_at[end] = first_order;
    }
    EXPECT_EQ(kept_at[0], kept_at[1]) << a << " " << b;
    EXPECT_EQ(kept_at[0], a < b ? 1 : 2);  // the smaller ID's dial survives
  }
}

TEST(ChooseConnectionTest, OneDiallerClosesItsNewerConnection) {
  EXPECT_EQ(ChooseConnection(1, 2, true, true), Keep::kExisting);
  EXPECT_EQ(ChooseConnection(2, 1, true, true), Keep::kExisting);
  EXPECT_EQ(ChooseConnection(1, 2, false, false), Keep::kBoth);
}

TEST(AddressBookTest, LearnsOnlyDialableAddressesOnce) {
  AddressBook book(16);
  EXPECT_TRUE(book.Learn(V4(127, 0, 0, 1, 4000), 10));
  EXPECT_FALSE(book.Learn(V4(127, 0, 0, 1, 4000), 11));  // known
  EXPECT_FALSE(book.Learn(V4(127, 0, 0, 1, 0), 10));     // no port
  EXPECT_FALSE(book.Learn(V4(0, 0, 0, 0, 4000), 10));    // unspecified
  EXPECT_FALSE(book.Learn(V4(224, 0, 0, 1, 4000), 10));  // multicast
  EXPECT_FALSE(book.Learn(V4(255, 255, 255, 255, 4000), 10));
  PeerAddress six;
  six.family = 6;
  six.port = 4000;
  EXPECT_FALSE(book.Learn(six, 10));  // ::
  six.ip[15] = 1;
  EXPECT_TRUE(book.Learn(six, 10));  // ::1
  six.ip[0] = 0xff;
  EXPECT_FALSE(book.Learn(six, 10));  // multicast
  PeerAddress none;
  EXPECT_FALSE(book.Learn(none, 10));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.Find(V4(127, 0, 0, 1, 4000))->last_heard, 11u);
}

TEST(AddressBookTest, StaysWithinCapacityAndKeepsWhatIsInUse) {
  AddressBook book(32);
  Rng rng(2);
  // Eight addresses in use, eight more that worked once, then a flood.
  for (int i = 0; i < 8; ++i) book.Connected(Nth(i), 100 + i, 1000);
  for (int i = 8; i < 16; ++i) {
    book.Connected(Nth(i), 100 + i, 1000);
    book.Disconnected(Nth(i), 2000, &rng);
  }
  for (int i = 16; i < 5000; ++i) book.Learn(Nth(i), 3000 + i);
  EXPECT_EQ(book.size(), 32u);
  for (int i = 0; i < 16; ++i) EXPECT_NE(book.Find(Nth(i)), nullptr) << i;
  // The newest flood entries made room by replacing the older ones.
  EXPECT_NE(book.Find(Nth(4999)), nullptr);
  EXPECT_EQ(book.Find(Nth(17)), nullptr);
}

TEST(AddressBookTest, FailingAddressesGoFirstWhenFull) {
  AddressBook book(4);
  Rng rng(3);
  for (int i = 0; i < 4; ++i) book.Learn(Nth(i), 10);
  book.DialStarted(Nth(2), 20);
  book.DialFailed(Nth(2), 21, &rng);
  EXPECT_TRUE(book.Learn(Nth(9), 30));
  EXPECT_EQ(book.Find(Nth(2)), nullptr);
  EXPECT_EQ(book.size(), 4u);
}

TEST(AddressBookTest, BackoffThenForgottenAfterRepeatedFailures) {
  AddressBook book;
  Rng rng(4);
  PeerAddress a = Nth(1);
  book.Learn(a, 1);
  uint64_t now = 1000;
  uint64_t last_wait = 0;
  for (uint32_t i = 1; i < AddressBook::kMaxFailures; ++i) {
    PeerAddress got;
    ASSERT_TRUE(book.Pick(now, &rng, NoneConnected, &got)) << i;
    book.DialStarted(got, now);
    EXPECT_FALSE(book.Pick(now, &rng, NoneConnected, &got));  // being dialled
    book.DialFailed(a, now, &rng);
    const BookEntry* e = book.Find(a);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->failures, i);
    uint64_t wait = e->retry_at - now;
    EXPECT_GE(wait, std::min<uint64_t>(kBackoffMinMs << (i - 1), kBackoffMaxMs) / 2);
    EXPECT_FALSE(book.Pick(e->retry_at - 1, &rng, NoneConnected, &got));  // still backing off
    if (i > 1) {
      EXPECT_GE(wait * 2 + 1, last_wait);
    }
    last_wait = wait;
    now = e->retry_at;
  }
  book.DialStarted(a, now);
  book.DialFailed(a, now, &rng);
  EXPECT_EQ(book.Find(a), nullptr);  // aged out
  EXPECT_EQ(book.size(), 0u);
}

TEST(AddressBookTest, SuccessClearsFailuresAndCountsAsReconnectLater) {
  AddressBook book;
  Rng rng(5);
  PeerAddress a = Nth(1);
  book.DialStarted(a, 10);
  book.DialFailed(a, 11, &rng);
  EXPECT_FALSE(book.Connected(a, 77, 2000));  // first success: not a reconnect
  EXPECT_EQ(book.Find(a)->failures, 0u);
  EXPECT_EQ(book.Find(a)->node_id, 77u);
  EXPECT_FALSE(book.Connected(a, 77, 2500));  // a second one at once: not either
  book.Released(a);  // closed as a duplicate
  EXPECT_FALSE(book.Connected(a, 77, 2600));
  book.Released(a);
  book.Disconnected(a, 3000, &rng);  // lost
  EXPECT_TRUE(book.Connected(a, 77, 4000));
  EXPECT_EQ(book.Find(a)->connections, 1u);
}

TEST(AddressBookTest, PickSkipsSelfInUseAndConnectedNodes) {
  AddressBook book;
  Rng rng(6);
  book.Learn(Nth(1), 1);
  book.Learn(Nth(2), 1);
  book.Learn(Nth(3), 1);
  book.Learn(Nth(4), 1);
  book.DialStarted(Nth(1), 2);
  book.DialRedundant(Nth(1), 999, true);  // led back to this node
  book.Connected(Nth(2), 20, 2);          // in use
  book.DialStarted(Nth(3), 2);
  book.DialRedundant(Nth(3), 30, false);  // node 30, reached another way
  std::set<int> picked;
  for (int i = 0; i < 50; ++i) {
    PeerAddress got;
    ASSERT_TRUE(book.Pick(10, &rng, [](uint64_t id) { return id == 30; }, &got));
    picked.insert(got.ip[3]);
  }
  EXPECT_EQ(picked, std::set<int>{4});
  // Once node 30 is no longer connected, its address is a candidate again.
  for (int i = 0; i < 50; ++i) {
    PeerAddress got;
    ASSERT_TRUE(book.Pick(10, &rng, NoneConnected, &got));
    picked.insert(got.ip[3]);
  }
  EXPECT_EQ(picked, (std::set<int>{3, 4}));
}

TEST(AddressBookTest, PickIsRandomAndNeverTheSameTwiceInARow) {
  AddressBook book;
  Rng rng(7);
  for (int i = 0; i < 10; ++i) book.Learn(Nth(i), 1);
  std::set<int> seen;
  PeerAddress last;
  for (int i = 0; i < 500; ++i) {
    PeerAddress got;
    ASSERT_TRUE(book.Pick(5, &rng, NoneConnected, &got));
    EXPECT_FALSE(got == last) << i;
    last = got;
    seen.insert(got.ip[3]);
  }
  EXPECT_EQ(seen.size(), 10u);
  // With one candidate left, it is picked again rather than nothing.
  AddressBook one;
  one.Learn(Nth(1), 1);
  PeerAddress a, b;
  EXPECT_TRUE(one.Pick(5, &rng, NoneConnected, &a));
  EXPECT_TRUE(one.Pick(5, &rng, NoneConnected, &b));
  EXPECT_TRUE(a == b);
}

TEST(AddressBookTest, SampleOffersOnlyRecentlyReachableAddresses) {
  AddressBook book;
  Rng rng(8);
  const uint64_t now = 100 * 60 * 1000;
  book.Learn(Nth(1), now);                  // only heard of: not offered
  book.Connected(Nth(2), 2, now - 1);       // in use
  book.Connected(Nth(3), 3, 1000);          // worked, long ago
  book.Disconnected(Nth(3), 1000, &rng);
  book.Connected(Nth(4), 4, now - 5000);    // worked recently
  book.Disconnected(Nth(4), now - 5000, &rng);
  book.Connected(Nth(5), 5, now - 5000);    // worked, then failed
  book.Disconnected(Nth(5), now - 5000, &rng);
  book.DialStarted(Nth(5), now - 100);
  book.DialFailed(Nth(5), now - 90, &rng);
  PeerAddress out[16];
  size_t n = book.Sample(now, &rng, 16, PeerAddress(), out);
  std::set<int> got;
  for (size_t i = 0; i < n; ++i) got.insert(out[i].ip[3]);
  EXPECT_EQ(got, (std::set<int>{2, 4}));
  n = book.Sample(now, &rng, 16, Nth(2), out);  // never the receiver's own
  ASSERT_EQ(n, 1u);
  EXPECT_TRUE(out[0] == Nth(4));
}

TEST(AddressBookTest, SampleIsBoundedDistinctAndVaries) {
  AddressBook book;
  Rng rng(9);
  for (int i = 0; i < 100; ++i) book.Connected(Nth(i), 1000 + i, 50);
  std::set<int> ever;
  for (int round = 0; round < 20; ++round) {
    PeerAddress out[16];
    size_t n = book.Sample(60, &rng, 16, PeerAddress(), out);
    ASSERT_EQ(n, 16u);
    std::set<int> once;
    for (size_t i = 0; i < n; ++i) once.insert(out[i].ip[2] * 256 + out[i].ip[3]);
    EXPECT_EQ(once.size(), 16u);
    ever.insert(once.begin(), once.end());
  }
  EXPECT_GT(ever.size(), 60u);  // different rounds offer different subsets
}

}  // namespace
}  // namespace floodchat
