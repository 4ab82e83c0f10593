// Membership through a fake of the connections and a hand-held clock: what it
// dials and when, what it tells peers, which duplicate it retires.
#include "membership/membership.h"

#include <gtest/gtest.h>

#include "fake_links.h"

namespace floodchat {
namespace {

using floodchat_test::FakeLinks;
using floodchat_test::FrameOf;
using floodchat_test::Ipv4;

constexpr uint64_t kSelf = 500;

class MembershipTest : public ::testing::Test {
 protected:
  explicit MembershipTest(size_t peers = 0, size_t max_peers = 32) {
    log_.CaptureInto(&said_);
    MembershipConfig c;
    c.self_id = kSelf;
    c.peers = peers;
    c.max_peers = max_peers;
    c.seed = 42;
    m_ = std::make_unique<Membership>(c, &links_, &log_);
  }

  Endpoint Target(const std::string& host, uint16_t port) {
    Endpoint e;
    e.host = host;
    e.port = port;
    return e;
  }
  PeerUp Up(uint64_t node_id, bool outbound, PeerAddress address = PeerAddress()) {
    PeerUp u;
    u.node_id = node_id;
    u.outbound = outbound;
    u.address = address;
    u.nick = "n";
    return u;
  }
  AddressList Offer(std::vector<PeerAddress> addresses, uint8_t flags = 0) {
    AddressList l;
    l.flags = flags;
    l.count = addresses.size();
    for (size_t i = 0; i < addresses.size(); ++i) l.addresses[i] = addresses[i];
    return l;
  }
  AddressList ParseAddressFrame(const std::string& bytes) {
    AddressList l;
    const char* why = nullptr;
    EXPECT_TRUE(ParseAddresses(FrameOf(bytes), &l, &why));
    return l;
  }
  bool Said(const std::string& needle) const {
    for (const auto& s : said_)
      if (s.find(needle) != std::string::npos) return true;
    return false;
  }

  FakeLinks links_;
  std::vector<std::string> said_;
  Log log_{2};
  std::unique_ptr<Membership> m_;
};

class MembershipWithPeers : public MembershipTest {
 protected:
  MembershipWithPeers() : MembershipTest(3, 4) {}
};

TEST_F(MembershipTest, TargetIsDialledAtOnceAndKeptOnlyOnce) {
  m_->AddTarget(Target("10.0.0.1", 7), 10);
  ASSERT_EQ(links_.dialled_hosts.size(), 1u);
  EXPECT_EQ(links_.dialled_hosts[0], "10.0.0.1:7");
  m_->AddTarget(Target("10.0.0.1", 7), 11);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
  EXPECT_TRUE(Said("10.0.0.1:7: already kept connected"));
  EXPECT_EQ(m_->counters().attempts, 1u);
  EXPECT_EQ(m_->OpenConnections(), 1u);
}

TEST_F(MembershipTest, FailedAttemptsBackOffAndOnlyTheFirstIsAnError) {
  m_->AddTarget(Target("10.0.0.1", 7), 1000);
  PeerId first = links_.dial_ids[0];
  m_->OnPeerDown(first, "Connection refused", 1000);
  EXPECT_EQ(m_->counters().failures, 1u);
  ASSERT_FALSE(said_.empty());
  EXPECT_EQ(said_.back().rfind("connect to 10.0.0.1:7: Connection refused; retrying in ", 0), 0u)
      << said_.back();
  // The first wait is 0.5 to 1 s: not before, and by then a second attempt.
  m_->Tick(1000, false);
  m_->Tick(1499, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
  for (uint64_t t = 1500; t <= 2000 && links_.dialled_hosts.size() == 1; t += 10) m_->Tick(t, false);
  ASSERT_EQ(links_.dialled_hosts.size(), 2u);
  ASSERT_EQ(m_->WaitingTargets(2000).size(), 0u);  // being dialled: not waiting
  m_->OnPeerDown(links_.dial_ids[1], "Connection refused", 2000);
  std::vector<WaitingTarget> w = m_->WaitingTargets(2000);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].failures, 2u);
  EXPECT_GE(w[0].wait_ms, 1000u);  // the second wait is 1 to 2 s
  EXPECT_LE(w[0].wait_ms, 2000u);
}

TEST_F(MembershipTest, AnAddressStillFailingAfterFiveTriesIsSaidOnceMore) {
  Log quiet{1};  // the default verbosity: no debug lines
  std::vector<std::string> said;
  quiet.CaptureInto(&said);
  MembershipConfig c;
  c.self_id = kSelf;
  c.seed = 7;
  Membership m(c, &links_, &quiet);
  m.AddTarget(Target("10.0.0.1", 7), 0);
  uint64_t now = 0;
  for (uint32_t attempt = 1; attempt <= 8; ++attempt) {
    ASSERT_EQ(links_.dial_ids.size(), attempt);
    m.OnPeerDown(links_.dial_ids.back(), "Connection refused", now);
    for (size_t tries = 0; links_.dial_ids.size() == attempt && tries < 200; ++tries) {
      now += 1000;
      m.Tick(now, false);
    }
  }
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0].rfind("connect to 10.0.0.1:7: Connection refused; retrying in ", 0), 0u);
  EXPECT_EQ(said[1],
            "connect to 10.0.0.1:7: 5 attempts in a row failed (Connection refused); still "
            "retrying, up to a minute apart (/disconnect 10.0.0.1:7 stops it)");
}

TEST_F(MembershipTest, LosingTheLastPeerIsSaid) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  m_->AddTarget(Target("10.0.0.2", 7), 0);
  PeerId retired = kNoPeer;
  ASSERT_EQ(m_->OnPeerUp(links_.dial_ids[0], Up(77, true), 1, &retired), UpVerdict::kLive);
  ASSERT_EQ(m_->OnPeerUp(links_.dial_ids[1], Up(78, true), 1, &retired), UpVerdict::kLive);
  m_->OnPeerDown(links_.dial_ids[0], "connection closed", 2);
  EXPECT_FALSE(Said("not connected to any peer now"));
  m_->OnPeerDown(links_.dial_ids[1], "connection closed", 3);
  m_->Tick(3 + Membership::kLonelyNoticeMs - 1, false);
  EXPECT_FALSE(Said("not connected to any peer now"));  // one may come back at once
  EXPECT_EQ(m_->NextWake(), 3 + Membership::kLonelyNoticeMs);
  m_->Tick(3 + Membership::kLonelyNoticeMs, false);
  EXPECT_TRUE(Said("not connected to any peer now"));
  // Alone for a moment only: nothing said.
  said_.clear();
  m_->AddTarget(Target("10.0.0.3", 7), 10000);
  PeerId third = links_.dial_ids.back();
  ASSERT_EQ(m_->OnPeerUp(third, Up(79, true), 10001, &retired), UpVerdict::kLive);
  m_->OnPeerDown(third, "connection closed", 10002);
  m_->AddTarget(Target("10.0.0.4", 7), 10003);
  ASSERT_EQ(m_->OnPeerUp(links_.dial_ids.back(), Up(80, true), 10004, &retired), UpVerdict::kLive);
  m_->Tick(20000, false);
  EXPECT_FALSE(Said("not connected to any peer now"));
}

TEST_F(MembershipTest, NameThatDoesNotResolveIsRetriedToo) {
  links_.unresolvable["nowhere.invalid"] = 1;
  m_->AddTarget(Target("nowhere.invalid", 7), 0);
  EXPECT_EQ(m_->counters().attempts, 1u);
  EXPECT_EQ(m_->counters().failures, 1u);
  EXPECT_TRUE(Said("connect to nowhere.invalid:7: no such host; retrying in "));
  EXPECT_EQ(m_->OpenConnections(), 0u);
}

TEST_F(MembershipTest, ConnectionToItselfIsNeverDialledAgain) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  PeerId id = links_.dial_ids[0];
  PeerId retired = kNoPeer;
  EXPECT_EQ(m_->OnPeerUp(id, Up(kSelf, true, Ipv4(10, 0, 0, 1, 7)), 5, &retired),
            UpVerdict::kSelf);
  m_->OnPeerDown(id, "", 5);
  EXPECT_EQ(m_->counters().failures, 0u);
  for (uint64_t t = 0; t < 300000; t += 1000) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
  EXPECT_TRUE(m_->WaitingTargets(300000).empty());
}

TEST_F(MembershipTest, LiveConnectionIsToldAddressesAndALostOneIsRedialledSoon) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  PeerId id = links_.dial_ids[0];
  PeerId retired = kNoPeer;
  EXPECT_EQ(m_->OnPeerUp(id, Up(77, true, Ipv4(10, 0, 0, 1, 7)), 5, &retired), UpVerdict::kLive);
  EXPECT_EQ(retired, kNoPeer);
  EXPECT_EQ(m_->LiveConnections(), 1u);
  // --peers 0: nothing asked; the sample offers the one address in use only
  // to others, so this peer is sent nothing.
  EXPECT_TRUE(links_.SentTo(id, kTypeAddresses).empty());
  m_->OnPeerDown(id, "connection closed", 1000);
  EXPECT_EQ(m_->counters().failures, 0u);  // it worked: not a failure
  for (uint64_t t = 1000; t <= 2000 && links_.dialled_hosts.size() == 1; t += 10) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 2u);
}

TEST_F(MembershipTest, DisconnectClosesATargetAndStopsRetryingItUntilConnectAgain) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  m_->AddTarget(Target("10.0.0.2", 7), 0);
  PeerId one = links_.dial_ids[0], two = links_.dial_ids[1];
  PeerId retired = kNoPeer;
  ASSERT_EQ(m_->OnPeerUp(one, Up(77, true, Ipv4(10, 0, 0, 1, 7)), 5, &retired), UpVerdict::kLive);
  std::vector<PeerId> closed;
  EXPECT_EQ(m_->Disconnect("10.0.0.1:7", {}, 10, &closed), 1u);
  EXPECT_EQ(closed.size(), 1u);
  EXPECT_EQ(links_.retired, (std::vector<PeerId>{one}));
  m_->OnPeerDown(one, "closed here", 11);
  // Never dialled again, and not listed as waiting; the other target is.
  for (uint64_t t = 11; t < 120000; t += 500) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 2u);
  std::vector<WaitingTarget> w = m_->WaitingTargets(120000);
  EXPECT_TRUE(w.empty());  // 10.0.0.2 is still being dialled
  // Twice is nothing to do; /connect keeps it again and dials at once.
  EXPECT_EQ(m_->Disconnect("10.0.0.1:7", {}, 120000, &closed), 0u);
  EXPECT_EQ(closed.size(), 0u);
  m_->AddTarget(Target("10.0.0.1", 7), 120001);
  ASSERT_EQ(links_.dialled_hosts.size(), 3u);
  EXPECT_EQ(links_.dialled_hosts[2], "10.0.0.1:7");
  // A connection named by its peer id (a nick, an inbound address) drops the
  // target that led to it too, and the in-flight attempt of a target is
  // retired with it.
  EXPECT_EQ(m_->Disconnect("", {two}, 120002, &closed), 1u);
  EXPECT_EQ(closed.size(), 1u);
  EXPECT_EQ(links_.retired.back(), two);
  // An inbound connection named by id is closed although no target is dropped.
  ASSERT_TRUE(m_->OnAccepted(2000, 120003));
  ASSERT_EQ(m_->OnPeerUp(2000, Up(88, false), 120004, &retired), UpVerdict::kLive);
  EXPECT_EQ(m_->Disconnect("", {2000}, 120005, &closed), 0u);
  EXPECT_EQ(closed.size(), 1u);
  EXPECT_EQ(links_.retired.back(), 2000u);
}

TEST_F(MembershipTest, InboundPastMaxPeersIsRefusedWithAddressesToTry) {
  MembershipConfig c;
  c.self_id = kSelf;
  c.max_peers = 2;
  Membership m(c, &links_, &log_);
  EXPECT_TRUE(m.OnAccepted(1, 0));
  EXPECT_TRUE(m.OnAccepted(2, 0));
  EXPECT_FALSE(m.OnAccepted(3, 0));
  // Addresses learned from a peer's hello are offered in the full frame.
  PeerId retired;
  m.OnPeerUp(1, Up(11, false, Ipv4(10, 0, 0, 9, 9)), 1, &retired);
  Buffer full;
  m.AppendRefusal(&full, 2);
  std::string bytes(reinterpret_cast<const char*>(full.data()), full.size());
  Frame f = FrameOf(bytes);
  EXPECT_EQ(f.type, kTypeFull);
  AddressList l = ParseAddressFrame(bytes);
  ASSERT_EQ(l.count, 1u);
  EXPECT_TRUE(l.addresses[0] == Ipv4(10, 0, 0, 9, 9));
  m.OnPeerDown(2, "", 3);
  EXPECT_TRUE(m.OnAccepted(4, 3));
}

TEST_F(MembershipTest, DuplicateRuleKeepsTheConnectionTheSmallerIdDialled) {
  // We are 500. Node 77 (smaller) dialled us, and we dialled it: both ends
  // keep the one 77 dialled, our inbound one.
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  PeerId out = links_.dial_ids[0];
  PeerId retired = kNoPeer;
  ASSERT_EQ(m_->OnPeerUp(out, Up(77, true, Ipv4(10, 0, 0, 1, 7)), 1, &retired), UpVerdict::kLive);
  ASSERT_TRUE(m_->OnAccepted(5, 1));
  EXPECT_EQ(m_->OnPeerUp(5, Up(77, false, Ipv4(10, 0, 0, 1, 7)), 2, &retired), UpVerdict::kLive);
  EXPECT_EQ(retired, out);
  ASSERT_EQ(links_.retired.size(), 1u);
  EXPECT_EQ(links_.retired[0], out);
  EXPECT_TRUE(Said("peer1000: already connected to this node (via peer5); closing this one"));
  EXPECT_EQ(m_->OpenConnections(), 1u);
  // The retired one's end later is no failure and no news.
  m_->OnPeerDown(out, "", 3);
  EXPECT_EQ(m_->counters().failures, 0u);
  EXPECT_EQ(m_->LiveConnections(), 1u);
  // The target is reached through the inbound connection: not redialled.
  for (uint64_t t = 3; t < 120000; t += 1000) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
}

TEST_F(MembershipTest, DuplicateRuleRetiresTheNewOneWhenTheOldOneWins) {
  // Node 900 (larger) dialled us and we dialled it: the one we dialled wins.
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired = kNoPeer;
  ASSERT_EQ(m_->OnPeerUp(5, Up(900, false), 1, &retired), UpVerdict::kLive);
  m_->AddTarget(Target("10.0.0.1", 7), 2);
  PeerId out = links_.dial_ids[0];
  EXPECT_EQ(m_->OnPeerUp(out, Up(900, true, Ipv4(10, 0, 0, 1, 7)), 3, &retired), UpVerdict::kLive);
  EXPECT_EQ(retired, 5u);
  // The other way round: our outbound one first, then its inbound one.
  FakeLinks links2;
  MembershipConfig c;
  c.self_id = kSelf;
  Membership m(c, &links2, &log_);
  m.AddTarget(Target("10.0.0.1", 7), 0);
  PeerId out2 = links2.dial_ids[0];
  ASSERT_EQ(m.OnPeerUp(out2, Up(900, true), 1, &retired), UpVerdict::kLive);
  ASSERT_TRUE(m.OnAccepted(6, 2));
  EXPECT_EQ(m.OnPeerUp(6, Up(900, false), 3, &retired), UpVerdict::kRetire);
  EXPECT_EQ(retired, kNoPeer);
  EXPECT_TRUE(links2.retired.empty());  // the transport retires the one it asked about
}

TEST_F(MembershipTest, TwoInboundFromOneNodeAreBothKeptForItsDiallerToChoose) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  ASSERT_TRUE(m_->OnAccepted(6, 0));
  PeerId retired = kNoPeer;
  EXPECT_EQ(m_->OnPeerUp(5, Up(900, false), 1, &retired), UpVerdict::kLive);
  EXPECT_EQ(m_->OnPeerUp(6, Up(900, false), 2, &retired), UpVerdict::kLive);
  EXPECT_EQ(retired, kNoPeer);
  EXPECT_EQ(m_->LiveConnections(), 2u);
}

TEST_F(MembershipWithPeers, KeepsPeersConnectionsFromTheBookAndAsksWhenShort) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired;
  ASSERT_EQ(m_->OnPeerUp(5, Up(900, false, Ipv4(10, 0, 0, 5, 5)), 0, &retired), UpVerdict::kLive);
  // Short of --peers 3: the hello's answer asks for addresses.
  auto asked = links_.SentTo(5, kTypeAddresses);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(ParseAddressFrame(asked[0]).flags & kAddressesAsk, kAddressesAsk);
  // The peer offers four; two are dialled (3 connections in all).
  m_->OnAddresses(5, Offer({Ipv4(10, 0, 1, 1, 1), Ipv4(10, 0, 1, 2, 1), Ipv4(10, 0, 1, 3, 1),
                            Ipv4(10, 0, 1, 4, 1)}), 10);
  EXPECT_TRUE(Said("peer5: offered 4 addresses, 4 new"));
  m_->Tick(10, false);
  EXPECT_EQ(links_.dialled_addresses.size(), 2u);
  EXPECT_EQ(m_->OpenConnections(), 3u);
  EXPECT_FALSE(links_.dialled_addresses[0] == links_.dialled_addresses[1]);
  // One fails: another address replaces it, never the failed one at once.
  PeerAddress failed = links_.dialled_addresses[0];
  m_->OnPeerDown(links_.dial_ids[0], "Connection refused", 20);
  m_->Tick(20, false);
  ASSERT_EQ(links_.dialled_addresses.size(), 3u);
  EXPECT_FALSE(links_.dialled_addresses[2] == failed);
  EXPECT_EQ(m_->OpenConnections(), 3u);
}

TEST_F(MembershipWithPeers, ANodeClosedByDisconnectIsNotPickedFromTheBookAgain) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired;
  ASSERT_EQ(m_->OnPeerUp(5, Up(900, false, Ipv4(10, 0, 0, 5, 5)), 0, &retired), UpVerdict::kLive);
  m_->OnAddresses(5, Offer({Ipv4(10, 0, 1, 1, 1)}), 10);
  m_->Tick(10, false);
  ASSERT_EQ(links_.dialled_addresses.size(), 1u);
  PeerId dialled = links_.dial_ids[0];
  ASSERT_EQ(m_->OnPeerUp(dialled, Up(901, true, Ipv4(10, 0, 1, 1, 1)), 20, &retired),
            UpVerdict::kLive);
  std::vector<PeerId> closed;
  EXPECT_EQ(m_->Disconnect("", {dialled}, 30, &closed), 0u);  // no target: none dropped
  EXPECT_EQ(closed.size(), 1u);
  m_->OnPeerDown(dialled, "closed here", 31);
  // Short of --peers 3 for ten minutes, and that address is the only one known.
  for (uint64_t t = 31; t < 600000; t += 1000) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_addresses.size(), 1u);
}

TEST_F(MembershipWithPeers, ADisconnectedNodeReachedAtAnotherGossipedAddressIsClosed) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired;
  ASSERT_EQ(m_->OnPeerUp(5, Up(900, false, Ipv4(10, 0, 0, 5, 5)), 0, &retired), UpVerdict::kLive);
  std::vector<PeerId> closed;
  m_->Disconnect("", {5}, 1, &closed);
  m_->OnPeerDown(5, "closed here", 2);
  // An address nobody has told us is node 900's; dialled, it turns out to be.
  ASSERT_TRUE(m_->OnAccepted(6, 3));
  ASSERT_EQ(m_->OnPeerUp(6, Up(901, false, Ipv4(10, 0, 0, 6, 6)), 3, &retired), UpVerdict::kLive);
  m_->OnAddresses(6, Offer({Ipv4(10, 0, 1, 9, 1)}), 4);
  m_->Tick(4, false);
  ASSERT_EQ(links_.dialled_addresses.size(), 1u);
  EXPECT_EQ(m_->OnPeerUp(links_.dial_ids.back(), Up(900, true, Ipv4(10, 0, 1, 9, 1)), 5, &retired),
            UpVerdict::kRetire);
  EXPECT_EQ(m_->LiveConnections(), 1u);
}

TEST_F(MembershipTest, LeavingRetriesATargetSoonWhateverItsBackoff) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  uint64_t now = 0;
  for (int i = 0; i < 7; ++i) {
    m_->OnPeerDown(links_.dial_ids.back(), "Connection refused", now);
    size_t dials = links_.dial_ids.size();
    while (links_.dial_ids.size() == dials) m_->Tick(now += 1000, false);
  }
  m_->OnPeerDown(links_.dial_ids.back(), "Connection refused", now);
  ASSERT_GT(m_->WaitingTargets(now)[0].wait_ms, 10000u);  // a long backoff by now
  m_->BeginDrain(now);
  EXPECT_LE(m_->WaitingTargets(now)[0].wait_ms, Membership::kLeavingRetryMs);
  // A target dropped by /disconnect while its attempt is under way: that
  // attempt's end is no failure, and nothing is said of it.
  m_->Tick(now + Membership::kLeavingRetryMs, true);
  uint64_t failures = m_->counters().failures;
  std::vector<PeerId> closed;
  m_->Disconnect("10.0.0.1:7", {}, now + 600, &closed);
  ASSERT_EQ(closed.size(), 1u);
  said_.clear();
  m_->OnPeerDown(closed[0], "timed out", now + 700);
  EXPECT_EQ(m_->counters().failures, failures);
  EXPECT_TRUE(said_.empty()) << said_[0];
}

TEST_F(MembershipWithPeers, RequestsAreAnsweredAtMostEveryFiveSecondsPerPeer) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired;
  m_->OnPeerUp(5, Up(900, false, Ipv4(10, 0, 0, 5, 5)), 0, &retired);
  ASSERT_TRUE(m_->OnAccepted(6, 0));
  m_->OnPeerUp(6, Up(901, false, Ipv4(10, 0, 0, 6, 6)), 0, &retired);
  size_t before = links_.SentTo(5, kTypeAddresses).size();
  m_->OnAddresses(5, Offer({}, kAddressesAsk), 100);
  m_->OnAddresses(5, Offer({}, kAddressesAsk), 200);
  m_->OnAddresses(5, Offer({}, kAddressesAsk), 5099);
  EXPECT_EQ(links_.SentTo(5, kTypeAddresses).size(), before + 1);
  m_->OnAddresses(5, Offer({}, kAddressesAsk), 5100);
  auto answers = links_.SentTo(5, kTypeAddresses);
  ASSERT_EQ(answers.size(), before + 2);
  // The answer offers 6's address, never 5's own.
  AddressList l = ParseAddressFrame(answers.back());
  ASSERT_EQ(l.count, 1u);
  EXPECT_TRUE(l.addresses[0] == Ipv4(10, 0, 0, 6, 6));
}

TEST_F(MembershipWithPeers, GossipGoesToEveryPeerEvery15To30Seconds) {
  ASSERT_TRUE(m_->OnAccepted(5, 0));
  PeerId retired;
  m_->OnPeerUp(5, Up(900, false, Ipv4(10, 0, 0, 5, 5)), 0, &retired);
  ASSERT_TRUE(m_->OnAccepted(6, 0));
  m_->OnPeerUp(6, Up(901, false, Ipv4(10, 0, 0, 6, 6)), 0, &retired);
  m_->Tick(0, false);  // starts the gossip clock
  // Samples offered unasked (flags 0); the node also asks every 5 s, being
  // short of addresses, and those are not counted here.
  auto offers = [this]() {
    size_t n = 0;
    for (const std::string& f : links_.SentTo(6, kTypeAddresses))
      if (ParseAddressFrame(f).flags == 0) ++n;
    return n;
  };
  size_t before = offers();
  std::vector<uint64_t> at;
  for (uint64_t t = 0; t <= 120000; t += 100) {
    size_t n = offers();
    m_->Tick(t, false);
    if (offers() > n) at.push_back(t);
  }
  EXPECT_GT(offers(), before);
  ASSERT_GE(at.size(), 4u);
  // Every 15 to 30 s, checked at the once-a-second maintenance.
  for (size_t i = 1; i < at.size(); ++i) {
    EXPECT_GE(at[i] - at[i - 1], 14000u);
    EXPECT_LE(at[i] - at[i - 1], 31000u);
  }
}

TEST_F(MembershipWithPeers, DialledNodeThatIsFullOffersAddressesAndThatIsNoError) {
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  PeerId id = links_.dial_ids[0];
  std::string why;
  EXPECT_EQ(m_->OnRefusedFull(id, Offer({Ipv4(10, 0, 2, 1, 1), Ipv4(10, 0, 2, 2, 1)}), 1, &why),
            Level::kInfo);  // a target: worth a line
  EXPECT_EQ(why, "refused: the node is full; it offered 2 other addresses (2 new)");
  said_.clear();
  m_->OnPeerDown(id, why, 1);
  EXPECT_EQ(m_->book().size(), 2u);
  ASSERT_EQ(said_.size(), 1u);
  EXPECT_EQ(said_[0].rfind("connect to 10.0.0.1:7: refused: the node is full", 0), 0u);
  m_->Tick(1, false);
  EXPECT_EQ(links_.dialled_addresses.size(), 2u);  // the offered ones
}

TEST_F(MembershipWithPeers, WhileLeavingOnlyAWaitingMessageJustifiesADial) {
  m_->OnAddresses(kNoPeer, Offer({Ipv4(10, 0, 1, 1, 1)}), 0);  // unknown peer: ignored
  EXPECT_EQ(m_->book().size(), 0u);
  m_->AddTarget(Target("10.0.0.1", 7), 0);
  m_->OnPeerDown(links_.dial_ids[0], "Connection refused", 0);
  m_->BeginDrain(0);
  for (uint64_t t = 0; t < 5000; t += 100) m_->Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
  for (uint64_t t = 5000; t < 10000; t += 100) m_->Tick(t, true);
  EXPECT_EQ(links_.dialled_hosts.size(), 2u);
  EXPECT_TRUE(m_->StillTrying());
  // A refusal while leaving with a message is retried within half a second,
  // however many failures came before.
  m_->OnPeerDown(links_.dial_ids[1], "Connection refused", 10000);
  EXPECT_EQ(m_->counters().failures, 2u);
  std::vector<WaitingTarget> w = m_->WaitingTargets(10000);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_LE(w[0].wait_ms, Membership::kLeavingRetryMs);
  for (uint64_t t = 10000; t <= 10500; t += 50) m_->Tick(t, true);
  ASSERT_EQ(links_.dialled_hosts.size(), 3u);
  // An attempt the node gives up itself (nothing left to send) is no failure.
  m_->OnPeerDown(links_.dial_ids[2], "", 10600);
  EXPECT_EQ(m_->counters().failures, 2u);
}

TEST_F(MembershipTest, TargetWaitsForAFreeSlotAtMaxPeers) {
  MembershipConfig c;
  c.self_id = kSelf;
  c.max_peers = 1;
  Membership m(c, &links_, &log_);
  ASSERT_TRUE(m.OnAccepted(5, 0));
  m.AddTarget(Target("10.0.0.1", 7), 0);
  EXPECT_TRUE(links_.dialled_hosts.empty());
  EXPECT_EQ(m.counters().attempts, 0u);
  m.OnPeerDown(5, "", 100);
  for (uint64_t t = 100; t < 2000; t += 100) m.Tick(t, false);
  EXPECT_EQ(links_.dialled_hosts.size(), 1u);
}

}  // namespace
}  // namespace floodchat
