// The protocol's dispatch between the policies, through a fake of the
// connections: each frame type goes where it belongs, a bad frame is a
// protocol error, and the broadcast policy hears only of connections that
// stay.
#include "node/protocol.h"

#include <gtest/gtest.h>

#include "fake_links.h"

namespace floodchat {
namespace {

using floodchat_test::FakeLinks;
using floodchat_test::FrameOf;
using floodchat_test::Ipv4;
using floodchat_test::MessageFrame;

constexpr uint64_t kSelf = 500;

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProtocolConfig c;
    c.max_text = 10;
    c.membership.self_id = kSelf;
    c.membership.peers = 0;
    c.flood.node_id = kSelf;
    c.flood.seen = 64;
    ASSERT_TRUE(p_.Init(c));
  }

  PeerId Inbound(PeerId id, uint64_t node_id, uint64_t now = 1) {
    EXPECT_TRUE(p_.OnAccepted(id, now));
    PeerUp up;
    up.node_id = node_id;
    up.address = Ipv4(10, 0, 0, static_cast<uint8_t>(id), 9);
    up.nick = "n";
    EXPECT_EQ(p_.OnPeerUp(id, up, now), UpVerdict::kLive);
    return id;
  }
  // Hands `bytes` (one whole frame) to the protocol as if from `peer`.
  bool Frame(PeerId peer, uint64_t node_id, std::string bytes, const char** why,
             std::string rest = std::string()) {
    std::string all = bytes + rest;
    Incoming in;
    in.peer = peer;
    in.node_id = node_id;
    in.frame = FrameOf(all);
    in.bytes = reinterpret_cast<uint8_t*>(&all[0]);
    in.rest = in.bytes + bytes.size();
    in.rest_size = rest.size();
    return p_.OnFrame(in, 5, why);
  }
  std::string Bytes(const Buffer& b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }

  FakeLinks links_;
  Log log_{-1};
  Protocol p_{&links_, &links_, &log_};
};

TEST_F(ProtocolTest, MessageGoesToTheBroadcastPolicyAndIsDeliveredOnce) {
  Inbound(1, 11);
  Inbound(2, 12);
  const char* why = nullptr;
  std::string m = MessageFrame(11, 1, "eve", "hi");
  EXPECT_TRUE(Frame(1, 11, m, &why, MessageFrame(11, 2, "eve", "next")));
  ASSERT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.delivered[0].text, "hi");
  EXPECT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);  // forwarded
  EXPECT_TRUE(Frame(2, 12, m, &why));
  EXPECT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(p_.broadcast().counters().duplicates, 1u);
}

TEST_F(ProtocolTest, NeighboursOwnMessageUpdatesItsNick) {
  Inbound(1, 11);
  const char* why = nullptr;
  EXPECT_TRUE(Frame(1, 11, MessageFrame(11, 1, "eve2", "renamed"), &why));
  EXPECT_EQ(links_.nicks[1], "eve2");
  // Someone else's message, or one that travelled further, says nothing of it.
  EXPECT_TRUE(Frame(1, 11, MessageFrame(99, 1, "zed", "x"), &why));
  EXPECT_TRUE(Frame(1, 11, MessageFrame(11, 2, "old", "x", 2), &why));
  EXPECT_EQ(links_.nicks[1], "eve2");
}

// A message from a peer's store comes in a repair frame: taken once,
// counted as repaired, forwarded as a plain message frame with its hop count
// raised; its nick is not taken as the neighbour's (it may be old). Inside
// the limit, a message too long is refused as it would be alone.
TEST_F(ProtocolTest, RepairFramesAreTakenAsTheMessageInsideAndCounted) {
  Inbound(1, 11);
  Inbound(2, 12);
  const char* why = nullptr;
  std::string m = MessageFrame(11, 1, "oldnick", "fixed");
  Buffer r;
  AppendRepair(reinterpret_cast<const uint8_t*>(m.data()), m.size(), &r);
  EXPECT_TRUE(Frame(1, 11, Bytes(r), &why)) << why;
  ASSERT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(links_.delivered[0].text, "fixed");
  EXPECT_EQ(p_.repair().counters().repaired, 1u);
  EXPECT_EQ(links_.nicks.count(1), 0u);
  ASSERT_EQ(links_.SentTo(2, kTypeMessage).size(), 1u);
  EXPECT_TRUE(links_.SentTo(2, kTypeRepair).empty());
  EXPECT_EQ(static_cast<uint8_t>(links_.SentTo(2, kTypeMessage)[0][kFrameHeaderBytes + kHopsOffset]),
            2);
  // The same again, as repair or live: a copy, not counted.
  EXPECT_TRUE(Frame(2, 12, Bytes(r), &why));
  EXPECT_TRUE(Frame(2, 12, m, &why));
  EXPECT_EQ(links_.delivered.size(), 1u);
  EXPECT_EQ(p_.repair().counters().repaired, 1u);
  std::string too_long = MessageFrame(11, 2, "eve", "eleven bytes");
  Buffer r2;
  AppendRepair(reinterpret_cast<const uint8_t*>(too_long.data()), too_long.size(), &r2);
  EXPECT_FALSE(Frame(1, 11, Bytes(r2), &why));
  EXPECT_STREQ(why, "message longer than --max-size");
  // A repair frame around a message cut short closes the connection.
  Buffer cut;
  AppendRepair(reinterpret_cast<const uint8_t*>(m.data()), m.size() - 1, &cut);
  EXPECT_FALSE(Frame(1, 11, Bytes(cut), &why));
  EXPECT_STREQ(why, "repair frame that does not hold exactly one frame");
}

TEST_F(ProtocolTest, AddressesGoToMembership) {
  Inbound(1, 11);
  Buffer b;
  PeerAddress a[2] = {Ipv4(10, 1, 0, 1, 7), Ipv4(10, 1, 0, 2, 7)};
  AppendAddresses(kTypeAddresses, 0, a, 2, &b);
  const char* why = nullptr;
  EXPECT_TRUE(Frame(1, 11, Bytes(b), &why));
  EXPECT_EQ(p_.membership().book().size(), 3u);  // the two and the peer's own
}

TEST_F(ProtocolTest, BadFramesAreProtocolErrorsAndUnknownTypesAreSkipped) {
  Inbound(1, 11);
  const char* why = nullptr;
  EXPECT_FALSE(Frame(1, 11, MessageFrame(11, 1, "eve", "eleven bytes"), &why));
  EXPECT_STREQ(why, "message longer than --max-size");
  std::string bad = MessageFrame(11, 2, "eve", "x", 9, 8);  // hops over the limit
  EXPECT_FALSE(Frame(1, 11, bad, &why));
  EXPECT_STREQ(why, "hop count out of range");
  Buffer hello;
  AppendHello(11, "eve", 9, &hello);
  EXPECT_FALSE(Frame(1, 11, Bytes(hello), &why));
  EXPECT_STREQ(why, "second hello");
  Buffer full;
  AppendAddresses(kTypeFull, 0, nullptr, 0, &full);
  EXPECT_FALSE(Frame(1, 11, Bytes(full), &why));
  EXPECT_STREQ(why, "full frame after the hello");
  std::string later = std::string("\0\0\0\3\x42zz", 7);  // a type from a later version
  EXPECT_TRUE(Frame(1, 11, later, &why));
  EXPECT_TRUE(links_.delivered.empty());
}

TEST_F(ProtocolTest, RetiredDuplicateIsNoLongerSentMessages) {
  // Node 900 (larger than us) connected in, then we dialled it: ours wins.
  Inbound(1, 900);
  Endpoint e;
  e.host = "10.0.0.9";
  e.port = 9;
  p_.AddTarget(e, 2);
  PeerId out = links_.dial_ids[0];
  PeerUp up;
  up.outbound = true;
  up.node_id = 900;
  up.address = Ipv4(10, 0, 0, 9, 9);
  EXPECT_EQ(p_.OnPeerUp(out, up, 3), UpVerdict::kLive);
  ASSERT_EQ(links_.retired.size(), 1u);
  EXPECT_EQ(links_.retired[0], 1u);
  p_.Originate("me", "after", 4);
  EXPECT_TRUE(links_.SentTo(1, kTypeMessage).empty());
  EXPECT_EQ(links_.SentTo(out, kTypeMessage).size(), 1u);
}

TEST_F(ProtocolTest, ConnectionToItselfNeverCarriesMessages) {
  EXPECT_TRUE(p_.OnAccepted(1, 0));
  PeerUp up;
  up.node_id = kSelf;
  EXPECT_EQ(p_.OnPeerUp(1, up, 1), UpVerdict::kSelf);
  p_.OnPeerDown(1, "", 1);
  p_.Originate("me", "alone", 2);
  EXPECT_TRUE(links_.sent.empty());
  EXPECT_EQ(p_.broadcast().PendingMessages(), 1u);
}

TEST_F(ProtocolTest, LinesWaitingForAPeerKeepMembershipDiallingWhileLeaving) {
  Endpoint e;
  e.host = "10.0.0.9";
  e.port = 9;
  p_.AddTarget(e, 0);
  p_.OnPeerDown(links_.dial_ids[0], "Connection refused", 0);
  p_.Originate("me", "waiting", 0);
  p_.BeginDrain(0);
  for (uint64_t t = 0; t < 3000; t += 100) p_.Tick(t);
  EXPECT_EQ(links_.dialled_hosts.size(), 2u);
  // It comes up: the line goes, and nothing holds the node back any more.
  PeerUp up;
  up.outbound = true;
  up.node_id = 900;
  EXPECT_EQ(p_.OnPeerUp(links_.dial_ids[1], up, 3000), UpVerdict::kLive);
  EXPECT_EQ(links_.SentTo(links_.dial_ids[1], kTypeMessage).size(), 1u);
  EXPECT_EQ(p_.broadcast().PendingMessages(), 0u);
}

}  // namespace
}  // namespace floodchat
