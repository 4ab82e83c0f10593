// The flooding policy through a fake of the connections and a hand-held
// clock: what it sends where, what it delivers, what it keeps.
#include "broadcast/flood.h"

#include <gtest/gtest.h>

#include "fake_links.h"

namespace floodchat {
namespace {

using floodchat_test::FakeLinks;
using floodchat_test::FrameOf;
using floodchat_test::MessageFrame;

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.CaptureInto(&said_);
    FloodConfig c;
    c.node_id = 0xabc;
    c.counter_start = 100;
    c.seen = 64;
    c.hop_limit = 8;
    c.store_bytes = 1 << 20;
    ASSERT_TRUE(flood_.Init(c));
  }

  // Offers `frame` (a whole message frame) as if it came from `from`.
  void Offer(PeerId from, std::string frame, uint64_t now = 1) {
    Frame f = FrameOf(frame);
    Message m;
    const char* why = nullptr;
    ASSERT_TRUE(ParseMessage(f, &m, &why)) << why;
    flood_.OnMessage(from, m, reinterpret_cast<uint8_t*>(&frame[0]), frame.size(), now);
  }

  FakeLinks links_;
  std::vector<std::string> said_;
  Log log_{2};
  Flood flood_{&links_, &links_, &log_};
};

TEST_F(FloodTest, OwnLineGoesToEveryPeerEncodedOnce) {
  flood_.OnPeerUp(1, 0);
  flood_.OnPeerUp(2, 0);
  flood_.OnPeerUp(3, 0);
  flood_.Originate("me", "hello", 5);
  ASSERT_EQ(links_.sent.size(), 3u);
  for (const auto& f : links_.sent) {
    EXPECT_EQ(f.type, kTypeMessage);
    EXPECT_EQ(f.bytes, links_.sent[0].bytes);  // the same bytes to each
  }
  Message m;
  const char* why = nullptr;
  ASSERT_TRUE(ParseMessage(FrameOf(links_.sent[0].bytes), &m, &why));
  EXPECT_EQ(GetU64(m.id.bytes), 0xabcu);
  EXPECT_EQ(GetU64(m.id.bytes + 8), 100u);
  EXPECT_EQ(m.hops, 1);
  EXPECT_EQ(m.hop_limit, 8);
  EXPECT_EQ(m.text, "hello");
  EXPECT_TRUE(links_.delivered.empty());  // own lines are not printed here
  EXPECT_EQ(flood_.counters().sent, 1u);
  EXPECT_EQ(flood_.counters().payload_sends, 3u);
}

TEST_F(FloodTest, LinesWhileAloneWaitForTheFirstPeer) {
  flood_.Originate("me", "one", 1);
  flood_.Originate("me", "two", 2);
  EXPECT_TRUE(links_.sent.empty());
  EXPECT_EQ(flood_.PendingMessages(), 2u);
  EXPECT_GT(flood_.PendingBytes(), 0u);
  flood_.OnPeerUp(7, 3);
  ASSERT_EQ(links_.SentTo(7, kTypeMessage).size(), 2u);
  EXPECT_EQ(links_.send_calls, 1u);  // both in one queueing
  EXPECT_EQ(flood_.PendingMessages(), 0u);
  EXPECT_EQ(flood_.PendingBytes(), 0u);
  flood_.OnPeerUp(8, 4);  // the second peer gets nothing old
  EXPECT_TRUE(links_.SentTo(8, kTypeMessage).empty());
  ASSERT_FALSE(said_.empty());
  EXPECT_EQ(said_.back(), "sent 2 queued messages to peer7");
}

TEST_F(FloodTest, NewMessageIsDeliveredOnceAndForwardedToTheOthersWithOneMoreHop) {
  flood_.OnPeerUp(1, 0);
  flood_.OnPeerUp(2, 0);
  flood_.OnPeerUp(3, 0);
  std::string frame = MessageFrame(0x55, 9, "bob", "hi", 2, 8);
  Offer(2, frame);
  ASSERT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.delivered[0].text, "hi");
  EXPECT_EQ(links_.delivered[0].hops, 2);
  EXPECT_TRUE(links_.SentTo(2, kTypeMessage).empty());  // never back to its sender
  std::string forwarded = MessageFrame(0x55, 9, "bob", "hi", 3, 8);
  ASSERT_EQ(links_.SentTo(1, kTypeMessage).size(), 1u);
  EXPECT_EQ(links_.SentTo(1, kTypeMessage)[0], forwarded);
  EXPECT_EQ(links_.SentTo(3, kTypeMessage)[0], forwarded);
  // The same message again, from anyone: dropped.
  Offer(1, frame);
  Offer(3, MessageFrame(0x55, 9, "bob", "hi", 5, 8));
  EXPECT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.sent.size(), 2u);
  EXPECT_EQ(flood_.counters().received, 1u);
  EXPECT_EQ(flood_.counters().duplicates, 2u);
}

TEST_F(FloodTest, MessageAtItsHopLimitIsDeliveredButGoesNoFurther) {
  flood_.OnPeerUp(1, 0);
  flood_.OnPeerUp(2, 0);
  Offer(1, MessageFrame(0x55, 1, "bob", "last hop", 8, 8));
  EXPECT_EQ(links_.delivered.size(), 1u);
  EXPECT_TRUE(links_.sent.empty());
}

TEST_F(FloodTest, OwnEchoIsNotDelivered) {
  flood_.OnPeerUp(1, 0);
  flood_.Originate("me", "round", 1);
  std::string echo = links_.sent[0].bytes;
  echo[kFrameHeaderBytes + kHopsOffset] = 4;  // came back around a cycle
  Offer(1, echo);
  EXPECT_TRUE(links_.delivered.empty());
  EXPECT_EQ(links_.sent.size(), 1u);
}

TEST_F(FloodTest, PeerDownStopsSendingToItAndTheLastOneMakesLinesWaitAgain) {
  flood_.OnPeerUp(1, 0);
  flood_.OnPeerUp(2, 0);
  flood_.OnPeerDown(1, 1);
  flood_.Originate("me", "x", 2);
  EXPECT_TRUE(links_.SentTo(1, kTypeMessage).empty());
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  flood_.OnPeerDown(2, 3);
  flood_.OnPeerDown(2, 3);  // twice is harmless
  flood_.Originate("me", "y", 4);
  EXPECT_EQ(flood_.PendingMessages(), 1u);
  EXPECT_TRUE(flood_.peers().empty());
}

TEST_F(FloodTest, CopiesTheSeenTableForgotAreDroppedByTheirOriginsRecord) {
  // The seen table of 64 IDs forgets message 0 after 64 more from the same
  // origin; its copy is still known by the origin's record, and dropped.
  flood_.OnPeerUp(1, 0);
  flood_.OnPeerUp(2, 0);
  for (uint64_t c = 0; c <= 64; ++c) Offer(1, MessageFrame(0x77, c, "o", "m"));
  ASSERT_EQ(links_.delivered.size(), 65u);
  size_t sent = links_.SentTo(2, kTypeMessage).size();
  EXPECT_FALSE(flood_.seen().Contains(floodchat_test::IdOf(0x77, 0)));
  Offer(1, MessageFrame(0x77, 0, "o", "m"), 1000);
  EXPECT_EQ(links_.delivered.size(), 65u);                  // not printed
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), sent);   // not forwarded
  EXPECT_EQ(flood_.counters().late_duplicates, 1u);
  EXPECT_EQ(flood_.counters().received, 65u);
  EXPECT_TRUE(said_.empty());
}

// What the store keeps: own messages (sent or waiting), presence events, and
// accepted messages as they are sent on, hop count raised; copies are not
// kept again, nor messages at their hop limit.
TEST_F(FloodTest, TheStoreKeepsEveryNewMessageAsItIsSentOn) {
  flood_.SetWallOffset(1000000);
  flood_.Originate("me", "alone", 5);  // waits for a peer, and is kept
  flood_.OnPeerUp(1, 6);
  flood_.OnPeerUp(2, 6);
  flood_.Announce("me", "\x01", false, 7);
  Offer(1, MessageFrame(0x77, 9, "bob", "hi", 2));
  Offer(2, MessageFrame(0x77, 9, "bob", "hi", 3));  // a copy
  Offer(1, MessageFrame(0x78, 1, "eve", "far", 8, 8));  // at its hop limit
  const MessageStore& st = flood_.store();
  ASSERT_EQ(st.size(), 3u);  // eve's, at its hop limit, goes no further: not kept
  const MessageStore::Entry* own = st.Find(0xabc, 100);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->sent_ms, 1000005u);
  EXPECT_EQ(own->type, kTypeMessage);
  const MessageStore::Entry* presence = st.Find(0xabc, 101);
  ASSERT_NE(presence, nullptr);
  EXPECT_EQ(presence->type, kTypePresence);
  // Kept with the hop count it was forwarded with: the bytes peer 2 got.
  const MessageStore::Entry* bob = st.Find(0x77, 9);
  ASSERT_NE(bob, nullptr);
  std::string kept(reinterpret_cast<const char*>(bob->frame.get()), bob->size);
  ASSERT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);  // "alone" went to peer 1 only
  EXPECT_EQ(kept, links_.SentTo(2, kTypeMessage)[0]);
  EXPECT_EQ(static_cast<uint8_t>(kept[kFrameHeaderBytes + kHopsOffset]), 3);
  EXPECT_EQ(st.Find(0x78, 1), nullptr);
}

TEST_F(FloodTest, SendsOnAGraphAreOnePlusTheSumOfDegreesLessOne) {
  // Three policies in a triangle, wired by hand: a message from one costs
  // 2 + 1 + 1 = 1 + sum(deg - 1) sends.
  FakeLinks l[3];
  Log quiet(-1);
  Flood f0(&l[0], &l[0], &quiet), f1(&l[1], &l[1], &quiet), f2(&l[2], &l[2], &quiet);
  Flood* f[3] = {&f0, &f1, &f2};
  for (int i = 0; i < 3; ++i) {
    FloodConfig c;
    c.node_id = static_cast<uint64_t>(i + 1);
    ASSERT_TRUE(f[i]->Init(c));
    for (int j = 0; j < 3; ++j)
      if (j != i) f[i]->OnPeerUp(static_cast<PeerId>(j + 1), 0);  // peer id = node index + 1
  }
  f0.Originate("n0", "t", 1);
  // Deliver every frame sent until none is left; each frame's sender is the
  // node whose fake holds it.
  size_t sends = 0;
  for (bool more = true; more;) {
    more = false;
    for (int i = 0; i < 3; ++i) {
      std::vector<floodchat_test::SentFrame> out;
      out.swap(l[i].sent);
      for (auto& s : out) {
        ++sends;
        more = true;
        Frame fr = FrameOf(s.bytes);
        Message m;
        const char* why = nullptr;
        ASSERT_TRUE(ParseMessage(fr, &m, &why));
        f[s.to - 1]->OnMessage(static_cast<PeerId>(i + 1), m, reinterpret_cast<uint8_t*>(&s.bytes[0]),
                               s.bytes.size(), 2);
      }
    }
  }
  EXPECT_EQ(sends, 4u);
  EXPECT_EQ(l[1].delivered.size(), 1u);
  EXPECT_EQ(l[2].delivered.size(), 1u);
  EXPECT_EQ(f0.counters().payload_sends + f1.counters().payload_sends + f2.counters().payload_sends,
            4u);
}

}  // namespace
}  // namespace floodchat
