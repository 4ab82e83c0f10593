// The transport on real loopback sockets, in this process, reporting to a
// fake of the protocol that records every event: what a hello reports, that
// frames arrive whole and in order, and the contract of links.h, that no
// Links call reports an event before it returns.
#include "transport/transport.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <string>
#include <vector>

#include "fake_links.h"
#include "harness.h"

namespace floodchat {
namespace {

using floodchat_test::FrameOf;
using floodchat_test::MessageFrame;

class RecordingEvents : public LinkEvents {
 public:
  bool OnAccepted(PeerId peer, uint64_t now) override {
    Note("accepted");
    accepted.push_back(peer);
    return accept;
  }
  void AppendRefusal(Buffer* out, uint64_t now) override {
    AppendAddresses(kTypeFull, 0, nullptr, 0, out);
  }
  UpVerdict OnPeerUp(PeerId peer, const PeerUp& u, uint64_t now) override {
    Note("up");
    up.push_back(peer);
    ups.push_back(u);
    nicks.emplace_back(u.nick);
    return UpVerdict::kLive;
  }
  Level OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now,
                      std::string* why) override {
    Note("full");
    *why = "full";
    return Level::kDebug;
  }
  bool OnFrame(const Incoming& in, uint64_t now, const char** why) override {
    Note("frame");
    frames.emplace_back(reinterpret_cast<const char*>(in.bytes), in.frame.wire_size);
    frame_nodes.push_back(in.node_id);
    return true;
  }
  void OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now) override {
    Note("down");
    down.push_back(peer);
    errors.push_back(last_error);
  }
  void Note(const char* what) {
    if (inside_links_call) during_call.push_back(what);
  }

  bool accept = true;
  bool inside_links_call = false;
  std::vector<std::string> during_call;
  std::vector<PeerId> accepted, up, down;
  std::vector<PeerUp> ups;
  std::vector<std::string> nicks, errors, frames;
  std::vector<uint64_t> frame_nodes;
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    log_.CaptureInto(&said_);
    a_id_.node_id = 0xaaaa;
    a_id_.nick = "alice";
    b_id_.node_id = 0xbbbb;
    b_id_.nick = "bob";
  }
  std::unique_ptr<Transport> Make(const Identity* id, RecordingEvents* events, Limits limits = Limits(),
                                  const Log* log = nullptr) {
    TransportConfig c;
    c.limits = limits;
    c.max_text = 65536;
    return std::make_unique<Transport>(c, id, &no_keys_, events, log != nullptr ? log : &log_);
  }
  // One turn of the loop for each transport, as node.cc runs them.
  void Turn(std::vector<Transport*> ts, int timeout_ms = 10) {
    std::vector<net::PollEntry> poll;
    std::vector<size_t> first;
    uint64_t now = net::NowMs() + skew_ms_;
    for (Transport* t : ts) {
      t->Reap();
      first.push_back(poll.size());
      t->FillPoll(&poll, false, now);
    }
    std::string error;
    ASSERT_TRUE(net::Poll(&poll, timeout_ms, &error)) << error;
    now = net::NowMs() + skew_ms_;
    for (size_t i = 0; i < ts.size(); ++i) ts[i]->HandlePoll(poll.data() + first[i], now);
    for (Transport* t : ts) {
      t->Flush(now);
      t->CheckTimers(now);
    }
  }
  template <typename Pred>
  bool TurnUntil(std::vector<Transport*> ts, Pred done, int turns = 300) {
    for (int i = 0; i < turns && !done(); ++i) Turn(ts);
    return done();
  }
  PeerAddress Loopback(uint16_t port) { return floodchat_test::Ipv4(127, 0, 0, 1, port); }

  // Added to the clock the turns read: time passes without waiting for it.
  uint64_t skew_ms_ = 0;
  std::vector<NetworkKey> no_keys_;
  std::vector<std::string> said_;
  Log log_{2};
  Identity a_id_, b_id_;
};

TEST_F(TransportTest, HellosReportWhoAndWhereAndFramesArriveInOrder) {
  RecordingEvents ea, eb;
  auto a = Make(&a_id_, &ea);
  auto b = Make(&b_id_, &eb);
  Endpoint at;
  at.host = "127.0.0.1";
  at.port = 0;
  ASSERT_TRUE(a->Listen(at, true));
  ASSERT_NE(a->listen_port(), 0);
  eb.inside_links_call = true;
  PeerId to_a = b->DialAddress(Loopback(a->listen_port()));
  eb.inside_links_call = false;
  EXPECT_NE(to_a, kNoPeer);
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return ea.up.size() == 1 && eb.up.size() == 1; }));
  // B dialled: outbound, at the address it dialled. A accepted: inbound, and
  // B does not listen, so no address.
  EXPECT_TRUE(eb.ups[0].outbound);
  EXPECT_TRUE(eb.ups[0].address == Loopback(a->listen_port()));
  EXPECT_EQ(eb.ups[0].node_id, 0xaaaau);
  EXPECT_EQ(eb.nicks[0], "alice");
  EXPECT_FALSE(ea.ups[0].outbound);
  EXPECT_EQ(ea.ups[0].address.family, 0);
  EXPECT_EQ(ea.nicks[0], "bob");
  EXPECT_EQ(ea.accepted.size(), 1u);
  EXPECT_EQ(a->LivePeers(), 1u);
  // Frames from A, queued in one turn, arrive whole, in order, tagged with
  // A's node ID.
  PeerId to_b = ea.up[0];
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) {
    sent.push_back(MessageFrame(0xaaaa, i, "alice", std::string(i * 37, 'x')));
    a->Send(to_b, reinterpret_cast<const uint8_t*>(sent.back().data()), sent.back().size());
  }
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return eb.frames.size() == 50; }));
  EXPECT_EQ(eb.frames, sent);
  for (uint64_t n : eb.frame_nodes) EXPECT_EQ(n, 0xaaaau);
  EXPECT_EQ(b->Describe(to_a), "127.0.0.1:" + std::to_string(a->listen_port()) + " (alice)");
  EXPECT_EQ(a->counters().bytes_out, b->counters().bytes_in);
}

// The other end closes one of two connections to this node while the second
// is still being set up here: at the default verbosity nothing is said, not
// the closing, nor the second "connected to".
TEST_F(TransportTest, ADuplicateClosedByTheOtherEndIsNotNews) {
  std::vector<std::string> b_said;
  Log b_log{1};
  b_log.CaptureInto(&b_said);
  RecordingEvents ea, eb;
  auto a = Make(&a_id_, &ea);
  auto b = Make(&b_id_, &eb, Limits(), &b_log);
  Endpoint at;
  at.host = "127.0.0.1";
  at.port = 0;
  ASSERT_TRUE(a->Listen(at, true));
  b->DialAddress(Loopback(a->listen_port()));
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return ea.up.size() == 1 && eb.up.size() == 1; }));
  ASSERT_EQ(b_said.size(), 1u);
  EXPECT_EQ(b_said[0].rfind("connected to ", 0), 0u);
  // A second connection: b connects and says hello, a takes it up, and only
  // then retires the first, so that b reads the first one's end before the
  // second one's hello.
  b->DialAddress(Loopback(a->listen_port()));
  for (int i = 0; i < 20; ++i) Turn({b.get()});
  ASSERT_TRUE(TurnUntil({a.get()}, [&] { return ea.up.size() == 2; }));
  ASSERT_EQ(eb.up.size(), 1u);
  a->Retire(ea.up[0]);
  for (int i = 0; i < 20; ++i) Turn({a.get()});
  ASSERT_TRUE(TurnUntil({b.get()}, [&] { return eb.up.size() == 2 && eb.down.size() == 1; }));
  long long until = floodchat_test::NowMs() + Transport::kChurnGraceMs + 500;
  while (floodchat_test::NowMs() < until) Turn({a.get(), b.get()});
  EXPECT_EQ(b_said.size(), 1u) << b_said.back();
  // With no other connection being set up, a closing is said at once.
  a->Retire(ea.up[1]);
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return eb.down.size() == 2; }));
  ASSERT_EQ(b_said.size(), 2u);
  EXPECT_NE(b_said[1].find("(alice): connection closed"), std::string::npos) << b_said[1];
}

TEST_F(TransportTest, ADialRefusedAtOnceIsReportedByTheLoopNotInsideTheCall) {
  RecordingEvents e;
  auto t = Make(&b_id_, &e);
  int port = floodchat_test::FreePort();
  ASSERT_GT(port, 0);
  e.inside_links_call = true;
  PeerId id = t->DialAddress(Loopback(static_cast<uint16_t>(port)));
  std::string error;
  Endpoint nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = static_cast<uint16_t>(port);
  PeerId id2 = t->DialHost(nowhere, &error);
  e.inside_links_call = false;
  EXPECT_NE(id, kNoPeer);
  EXPECT_NE(id2, id);
  EXPECT_TRUE(e.during_call.empty());
  ASSERT_TRUE(TurnUntil({t.get()}, [&] { return e.down.size() == 2; }));
  EXPECT_EQ(e.errors[0], "Connection refused");
  EXPECT_TRUE(e.up.empty());
  // Gone and reaped: its id names nothing, and is not given out again.
  Turn({t.get()});
  EXPECT_EQ(t->Describe(id), "?");
  t->Send(id, reinterpret_cast<const uint8_t*>("\0\0\0\1\7"), 5);  // ignored
  PeerId again = t->DialAddress(Loopback(static_cast<uint16_t>(port)));
  EXPECT_NE(again, id);
  EXPECT_NE(again, id2);
}

TEST_F(TransportTest, AQueueOverItsBoundIsDroppedByTheLoopNotInsideSend) {
  RecordingEvents ea, eb;
  Limits small;
  small.queue_hard = 256 * 1024;
  small.backlog.soft = 64 * 1024;
  small.backlog.stall_ms = 0;  // holds nothing back: the bound applies at once
  small.backlog.stopped_ms = 0;
  auto a = Make(&a_id_, &ea, small);
  auto b = Make(&b_id_, &eb);
  Endpoint at;
  at.host = "127.0.0.1";
  ASSERT_TRUE(a->Listen(at, true));
  b->DialAddress(Loopback(a->listen_port()));
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return ea.up.size() == 1 && eb.up.size() == 1; }));
  // B stops reading; A queues far past its bound in one go.
  std::string frame = MessageFrame(0xaaaa, 1, "alice", std::string(60000, 'y'));
  ea.inside_links_call = true;
  for (int i = 0; i < 200; ++i)
    a->Send(ea.up[0], reinterpret_cast<const uint8_t*>(frame.data()), frame.size());
  ea.inside_links_call = false;
  EXPECT_TRUE(ea.during_call.empty());
  EXPECT_TRUE(ea.down.empty());
  ASSERT_TRUE(TurnUntil({a.get()}, [&] { return ea.down.size() == 1; }, 5));
  EXPECT_EQ(ea.errors[0].rfind("dropped: ", 0), 0u) << ea.errors[0];
  EXPECT_NE(ea.errors[0].find("bytes queued, over --queue-max: the peer takes them slower"),
            std::string::npos);
  EXPECT_GT(a->counters().shed_bytes, 256u * 1024);
}

TEST_F(TransportTest, OverMaxPeersAnInboundConnectionGetsAFullFrameAndIsNoEvent) {
  RecordingEvents ea, eb;
  ea.accept = false;
  auto a = Make(&a_id_, &ea);
  auto b = Make(&b_id_, &eb);
  Endpoint at;
  at.host = "127.0.0.1";
  ASSERT_TRUE(a->Listen(at, true));
  b->DialAddress(Loopback(a->listen_port()));
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return eb.down.size() == 1; }));
  EXPECT_EQ(eb.errors[0], "full");  // B was told by a full frame
  EXPECT_TRUE(ea.up.empty());
  EXPECT_TRUE(ea.down.empty());  // A's policies never knew of it
  EXPECT_EQ(a->counters().refused, 1u);
}

// Keepalives: idle ends keep each other alive without a word to the
// policies; an end that falls silent is closed after three keepalive times,
// not before.
TEST_F(TransportTest, IdleLinksAreKeptAliveAndASilentOneIsClosedAfterThreeKeepalives) {
  RecordingEvents ea, eb;
  Limits limits;
  limits.keepalive_ms = 1000;
  auto a = Make(&a_id_, &ea, limits);
  auto b = Make(&b_id_, &eb, limits);
  Endpoint at;
  at.host = "127.0.0.1";
  ASSERT_TRUE(a->Listen(at, true));
  b->DialAddress(Loopback(a->listen_port()));
  ASSERT_TRUE(TurnUntil({a.get(), b.get()}, [&] { return ea.up.size() == 1 && eb.up.size() == 1; }));
  uint64_t a_out = a->counters().bytes_out, b_out = b->counters().bytes_out;
  // Ten seconds of idleness, a second at a time: a keepalive each way each
  // second, and nobody is closed.
  for (int second = 0; second < 10; ++second) {
    skew_ms_ += 1001;
    for (int i = 0; i < 3; ++i) Turn({a.get(), b.get()}, 0);
  }
  EXPECT_TRUE(ea.down.empty());
  EXPECT_TRUE(eb.down.empty());
  EXPECT_TRUE(ea.frames.empty());  // keepalives are the transport's own
  EXPECT_TRUE(eb.frames.empty());
  EXPECT_EQ(a->counters().bytes_out - a_out, 10u * 6);  // one 6-byte frame a second
  EXPECT_EQ(b->counters().bytes_out - b_out, 10u * 6);
  EXPECT_EQ(a->counters().bytes_in, b->counters().bytes_out);
  // B falls silent (its loop stops turning): A closes it once 3 s have passed
  // with nothing from B.
  skew_ms_ += 2900;
  for (int i = 0; i < 3; ++i) Turn({a.get()}, 0);
  EXPECT_TRUE(ea.down.empty());
  skew_ms_ += 200;
  ASSERT_TRUE(TurnUntil({a.get()}, [&] { return ea.down.size() == 1; }, 5));
  EXPECT_EQ(ea.errors[0], "nothing received for 3 s; closed");
  EXPECT_EQ(a->LivePeers(), 0u);
}

}  // namespace
}  // namespace floodchat
