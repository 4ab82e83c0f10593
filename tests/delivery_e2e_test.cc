// Delivery, end to end on 127.0.0.1: links that go quiet without closing,
// through a proxy the test controls (proxy.h). Times are printed as figures;
// the bounds asserted are the documented ones with room for a loaded machine.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "proxy.h"

namespace floodchat_test {
namespace {

// Waits until `p` says its connection to `nick` ended: an orderly close, or
// a reset (when the proxy cut it with bytes of ours still unread there).
bool WaitLinkDown(Proc* p, const std::string& nick, int timeout_ms) {
  const std::string closed = "(" + nick + "): connection closed";
  const std::string reset = "(" + nick + "): Connection reset by peer";
  long long end = NowMs() + timeout_ms;
  for (;;) {
    const std::string& e = p->err();
    if (e.find(closed) != std::string::npos || e.find(reset) != std::string::npos) return true;
    if (NowMs() >= end) return false;
    Proc::PumpAll(20);
  }
}

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

void Report(const std::string& what) {
  printf("[ figures  ] %s\n", what.c_str());
  fflush(stdout);
}

const char kKey[] = "5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d";

// A node on 127.0.0.1 port 0 that makes no connections of its own, with
// `extra` arguments.
Node Start(const std::string& nick, std::vector<std::string> extra) {
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", nick, "--peers", "0", "-f", "text"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Proc::Start(args);
}

// a <- proxy <- b, both with --keepalive 1 (a keepalive each idle second, a
// peer silent for 3 s closed). The proxy then stops forwarding without
// closing: both ends close the link on their own, within the documented
// 3 s of their last news of the other.
void SilentPeerIsDetected(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--keepalive", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  Node a = Start("a", args);
  int a_port = a->Port();
  ASSERT_GT(a_port, 0) << a->err();
  Proxy proxy(a_port);
  ASSERT_GT(proxy.port(), 0);
  std::vector<std::string> b_args = args;
  b_args.push_back("-c");
  b_args.push_back(Addr(proxy.port()));
  Node b = Start("b", b_args);
  ASSERT_GT(b->Port(), 0) << b->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 1)) << b->err();
  b->Write("before\n");
  ASSERT_TRUE(a->WaitLineCount(1, 5000));
  // Idle for 4 s, longer than the silence that closes: keepalives hold it.
  PumpFor(4000);
  EXPECT_EQ(Count(a->err(), "nothing received"), 0u) << a->err();
  EXPECT_EQ(Count(b->err(), "nothing received"), 0u) << b->err();
  b->Write("idle\n");
  ASSERT_TRUE(a->WaitLineCount(2, 5000)) << a->err();

  proxy.SetMode(Proxy::Mode::kStall);
  long long t0 = NowMs();
  const std::string said = "nothing received for 3 s; closed";
  ASSERT_TRUE(a->WaitStderr(said, 10000)) << a->err();
  long long a_ms = NowMs() - t0;
  ASSERT_TRUE(b->WaitStderr(said, 10000)) << b->err();
  long long b_ms = NowMs() - t0;
  // Nothing was heard after the stall began, and the last news before it is
  // at most a keepalive time (1 s) old: closed no sooner than 2 s after.
  EXPECT_GE(a_ms, 1900);
  EXPECT_GE(b_ms, 1900);
  EXPECT_EQ(Stat(a.get(), "peers"), 0);
  EXPECT_EQ(Stat(b.get(), "peers"), 0);
  // The link back: b dials again through the proxy and the two talk.
  proxy.SetMode(Proxy::Mode::kForward);
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 2, 15000)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 2, 15000)) << b->err();
  b->Write("after\n");
  ASSERT_TRUE(a->WaitLineCount(3, 5000)) << a->err();
  EXPECT_EQ(a->lines()[2], "after");
  char figures[200];
  snprintf(figures, sizeof figures,
           "silent peer%s, --keepalive 1: closed by a %lld ms and by b %lld ms after the link "
           "went silent (bound 3000 after the last news)",
           extra.empty() ? "" : " (keyed)", a_ms, b_ms);
  Report(figures);
}

TEST(Delivery, SilentPeerIsDetectedAndClosed) { SilentPeerIsDetected({}); }

TEST(Delivery, SilentPeerIsDetectedAndClosedKeyed) {
  TempFile key(std::string(kKey) + "\n");
  SilentPeerIsDetected({"-k", key.path()});
}

// How many times each of `texts` is among `node`'s lines.
std::map<std::string, int> Tally(const Proc& node) {
  std::map<std::string, int> n;
  for (const std::string& l : node.lines()) ++n[l];
  return n;
}

// Waits until every node but a text's sender has printed each text once
// (or until timeout_ms); true if so.
bool AllPrintedOnce(const std::vector<Proc*>& nodes,
                    const std::vector<std::pair<Proc*, std::string>>& sent, int timeout_ms) {
  long long end = NowMs() + timeout_ms;
  for (;;) {
    bool done = true;
    for (Proc* p : nodes) {
      size_t want = 0;
      for (const auto& s : sent) want += s.first != p;
      if (p->lines().size() < want) done = false;
    }
    if (done || NowMs() > end) break;
    Proc::PumpAll(50);
  }
  Settle();
  for (Proc* p : nodes) {
    std::map<std::string, int> n = Tally(*p);
    for (const auto& s : sent) {
      int want = s.first == p ? 0 : 1;
      if (n[s.second] != want) return false;
    }
    size_t want = 0;
    for (const auto& s : sent) want += s.first != p;
    if (p->lines().size() != want) return false;
  }
  return true;
}

std::string Missing(const std::vector<Proc*>& nodes, const std::vector<std::string>& names,
                    const std::vector<std::pair<Proc*, std::string>>& sent) {
  std::string out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::map<std::string, int> n = Tally(*nodes[i]);
    for (const auto& s : sent) {
      int want = s.first == nodes[i] ? 0 : 1;
      if (n[s.second] != want)
        out += names[i] + " printed '" + s.second + "' " + std::to_string(n[s.second]) + " times\n";
    }
  }
  return out;
}

// Two groups of 5 (a star each: l1..l4 on l0, r1..r4 on r0) joined by one
// link r0 -> proxy -> l0. The link is cut for 20 s while 10 messages are
// sent on each side; both sides reconnect by themselves, and anti-entropy
// brings every node the other side's 10, once.
void PartitionHeals(const std::vector<std::string>& extra, const char* label) {
  std::vector<Node> l, r;
  std::vector<std::string> args = {"--peers", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  l.push_back(Start("l0", args));
  ASSERT_GT(l[0]->Port(), 0) << l[0]->err();
  Proxy link(l[0]->Port());
  ASSERT_GT(link.port(), 0);
  r.push_back(Start("r0", args));
  ASSERT_GT(r[0]->Port(), 0) << r[0]->err();
  for (int i = 1; i < 5; ++i) {
    std::vector<std::string> a = args;
    a.push_back("-c");
    a.push_back(Addr(l[0]->Port()));
    l.push_back(Start("l" + std::to_string(i), a));
    a.back() = Addr(r[0]->Port());
    r.push_back(Start("r" + std::to_string(i), a));
  }
  r[0]->Write("/connect " + Addr(link.port()) + "\n");
  ASSERT_TRUE(WaitConnected(l[0].get(), 5, 10000)) << l[0]->err();
  ASSERT_TRUE(WaitConnected(r[0].get(), 5, 10000)) << r[0]->err();
  for (int i = 1; i < 5; ++i) {
    ASSERT_TRUE(WaitConnectedTo(l[0].get(), "l" + std::to_string(i), 1)) << l[0]->err();
    ASSERT_TRUE(WaitConnectedTo(r[0].get(), "r" + std::to_string(i), 1)) << r[0]->err();
  }
  std::vector<Proc*> all;
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    all.push_back(l[i].get());
    names.push_back("l" + std::to_string(i));
  }
  for (int i = 0; i < 5; ++i) {
    all.push_back(r[i].get());
    names.push_back("r" + std::to_string(i));
  }
  std::vector<std::pair<Proc*, std::string>> sent;
  // One message before the cut, from each side, so that both know each
  // other's origins... and one from a node that is heard first during the cut.
  sent.push_back({l[1].get(), "before-l1"});
  sent.push_back({r[1].get(), "before-r1"});
  l[1]->Write("before-l1\n");
  r[1]->Write("before-r1\n");
  ASSERT_TRUE(AllPrintedOnce(all, sent, 10000)) << Missing(all, names, sent);

  link.SetMode(Proxy::Mode::kCut);
  ASSERT_TRUE(WaitLinkDown(r[0].get(), "l0", 5000)) << r[0]->err();
  for (int k = 0; k < 10; ++k) {
    Proc* ls = l[1 + k % 4].get();  // l1..l4, and r1..r4: not the link's ends
    Proc* rs = r[1 + (k + 1) % 4].get();
    std::string lt = "cut-l-" + std::to_string(k), rt = "cut-r-" + std::to_string(k);
    sent.push_back({ls, lt});
    sent.push_back({rs, rt});
    ls->Write(lt + "\n");
    rs->Write(rt + "\n");
    PumpFor(100);
  }
  PumpFor(20000 - 1000);
  link.SetMode(Proxy::Mode::kForward);
  long long healed = NowMs();
  bool once = AllPrintedOnce(all, sent, 90000);
  long long repaired_ms = NowMs() - healed;
  EXPECT_TRUE(once) << Missing(all, names, sent);
  long long resent = 0;
  for (Proc* p : all) resent += Stat(p, "resent");
  // Each side lacked the other's 10 cut messages: the link's two ends sent
  // at least those, and repair reached the others through them.
  EXPECT_GE(Stat(l[0].get(), "resent") + Stat(r[0].get(), "resent"), 20);
  // Received: the link's ends took exactly the other side's 10 from repair
  // frames; the others had them forwarded live, so repaired nothing.
  EXPECT_EQ(Stat(l[0].get(), "repaired"), 10);
  EXPECT_EQ(Stat(r[0].get(), "repaired"), 10);
  long long repaired = 0;
  for (Proc* p : all) repaired += Stat(p, "repaired");
  EXPECT_EQ(repaired, 20);
  char figures[360];
  snprintf(figures, sizeof figures,
           "partition%s: 2 groups of 5, cut 20 s, 10 messages each side: every node had all %zu "
           "once %lld ms after the link was back (the dialler's backoff included); %lld "
           "messages resent in all, %lld repaired (received)",
           label, sent.size(), repaired_ms, resent, repaired);
  Report(figures);
}

TEST(Delivery, PartitionOfTwoGroupsHealsAndEveryNodeGetsEveryMessageOnce) {
  PartitionHeals({}, "");
}

TEST(Delivery, PartitionHealsKeyed) {
  TempFile key(std::string(kKey) + "\n");
  PartitionHeals({"-k", key.path()}, " (keyed)");
}

// A node stopped (SIGSTOP) for 10 s: its peer drops it (keepalives), it
// comes back after SIGCONT, reconnects by itself and is sent everything it
// missed, once.
TEST(Delivery, AStoppedNodeGetsWhatWasSaidWhileItSlept) {
  Node a = Start("a", {"--keepalive", "1"});
  ASSERT_GT(a->Port(), 0) << a->err();
  Node b = Start("b", {"--keepalive", "1", "-c", Addr(a->Port())});
  Node s = Start("s", {"--keepalive", "1", "-c", Addr(a->Port())});
  ASSERT_TRUE(WaitConnected(a.get(), 2)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "s", 1)) << a->err();
  b->Write("before\n");
  ASSERT_TRUE(s->WaitLineCount(1, 5000)) << s->err();
  s->Signal(SIGSTOP);
  ASSERT_TRUE(a->WaitStderr("nothing received for 3 s; closed", 10000)) << a->err();
  for (int k = 0; k < 20; ++k) b->Write("asleep-" + std::to_string(k) + "\n");
  PumpFor(10000 - 3000);
  s->Signal(SIGCONT);
  long long woke = NowMs();
  ASSERT_TRUE(s->WaitLineCount(21, 30000)) << s->lines().size() << "\n" << s->err();
  long long ms = NowMs() - woke;
  Settle();
  ASSERT_EQ(s->lines().size(), 21u);
  EXPECT_EQ(s->lines()[0], "before");
  std::map<std::string, int> n = Tally(*s);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(n["asleep-" + std::to_string(k)], 1) << k;
  // Some may have waited in s's socket buffer and been read when it woke;
  // the rest came from a's store.
  long long repaired = Stat(s.get(), "repaired");
  EXPECT_GT(repaired, 0);
  EXPECT_LE(repaired, 20);
  char figures[200];
  snprintf(figures, sizeof figures,
           "stopped node: 10 s asleep, its 20 missed messages all printed once %lld ms after "
           "SIGCONT, %lld of them repaired",
           ms, repaired);
  Report(figures);
}

// A late joiner: with --history 50 it prints exactly the last 50 of the 200
// messages said before it came, in order, then live ones; without it, none
// of the old ones (joining is not a repair).
TEST(Delivery, ALateJoinerGetsTheHistoryItAsksForAndNothingElse) {
  Node a = Start("a", {});
  ASSERT_GT(a->Port(), 0) << a->err();
  Node b = Start("b", {"-c", Addr(a->Port())});
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 1)) << b->err();
  std::string burst;
  for (int k = 0; k < 200; ++k) burst += "m" + std::to_string(k) + "\n";
  b->Write(burst);
  ASSERT_TRUE(a->WaitLineCount(200, 10000)) << a->err();
  Node with = Start("with", {"--history", "50", "-c", Addr(a->Port())});
  Node without = Start("without", {"-c", Addr(a->Port())});
  ASSERT_TRUE(WaitConnectedTo(a.get(), "with", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "without", 1)) << a->err();
  ASSERT_TRUE(with->WaitLineCount(50, 10000)) << with->err();
  b->Write("live\n");
  ASSERT_TRUE(with->WaitLineCount(51, 10000)) << with->err();
  ASSERT_TRUE(without->WaitLineCount(1, 10000)) << without->err();
  Settle();
  ASSERT_EQ(with->lines().size(), 51u);
  for (int k = 0; k < 50; ++k) EXPECT_EQ(with->lines()[k], "m" + std::to_string(150 + k));
  EXPECT_EQ(with->lines()[50], "live");
  ASSERT_EQ(without->lines().size(), 1u);
  EXPECT_EQ(without->lines()[0], "live");
}

// A slow link is not a loss: a -> b -> proxy -> c, the proxy holding b's
// link to c to 2 MB/s, and a sends 16 MB, sixteen times b's --queue-max of
// 1 MiB (and more than the sockets' buffers hold). While the link merely runs slow, b holds a back to its pace; when
// it stalls for 3 s (as a congested or flapping link does), b stops holding
// a back, sheds c's queue at the bound and says so; c comes back and is sent
// what it lacks from b's store, paced: c prints every message once.
TEST(Delivery, ASlowLinkShedsThenRepairsAndTheFarEndGetsEverythingOnce) {
  const int kMessages = 16000;
  Node b = Start("b", {"--queue-max", "1048576"});
  ASSERT_GT(b->Port(), 0) << b->err();
  Proxy slow(b->Port());
  ASSERT_GT(slow.port(), 0);
  slow.SetRate(2 * 1000 * 1000);
  Node a = Start("a", {"-c", Addr(b->Port())});
  Node c = Start("c", {"-c", Addr(slow.port())});
  ASSERT_TRUE(WaitConnectedTo(b.get(), "a", 1)) << b->err();
  ASSERT_TRUE(WaitConnectedTo(b.get(), "c", 1)) << b->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "b", 1)) << a->err();
  ASSERT_TRUE(WaitConnectedTo(c.get(), "b", 1)) << c->err();
  std::string burst;
  for (int k = 0; k < kMessages; ++k) {
    std::string head = "s" + std::to_string(k) + " ";
    burst += head + std::string(1000 - head.size(), 'p') + "\n";
  }
  long long t0 = NowMs();
  a->Write(burst);
  PumpFor(500);
  slow.SetMode(Proxy::Mode::kStall);
  PumpFor(3000);
  slow.SetMode(Proxy::Mode::kForward);
  ASSERT_TRUE(c->WaitLineCount(kMessages, 90000))
      << c->lines().size() << "\n" << b->err() << c->err();
  long long ms = NowMs() - t0;
  Settle();
  std::map<std::string, int> n = Tally(*c);
  EXPECT_EQ(c->lines().size(), static_cast<size_t>(kMessages));
  for (int k = 0; k < kMessages; k += 1) {
    std::string head = "s" + std::to_string(k) + " ";
    ASSERT_EQ(n[head + std::string(1000 - head.size(), 'p')], 1) << k;
  }
  long long shed = Stat(b.get(), "shed");
  long long resent = Stat(b.get(), "resent");
  long long repaired = Stat(c.get(), "repaired");
  EXPECT_GT(Count(b->err(), "(c): dropped: "), 0u) << b->err();
  EXPECT_GT(shed, 0);
  EXPECT_GT(resent, 0);
  // What c took from repair frames is what b shed of it, and b may have
  // resent more than that (copies that c dropped).
  EXPECT_GT(repaired, 0);
  EXPECT_LE(repaired, resent);
  char figures[340];
  snprintf(figures, sizeof figures,
           "slow link: 16,000 x 1 KB through a 2 MB/s link stalled 3 s, b --queue-max 1 MiB: "
           "b shed %lld bytes in %zu drops and resent %lld messages; c repaired %lld and printed "
           "%zu, each once, %lld ms after the first was sent",
           shed, Count(b->err(), "(c): dropped: "), resent, repaired, c->lines().size(), ms);
  Report(figures);
}

// A store too small for the cut: a -> m -> proxy -> z, m's store holds about
// two of the ten 1 KB messages a sends while the proxy is cut. After the
// heal z gets those two, and once its gaps have stood still for three digest
// intervals it says how many from a could not be recovered: what it printed
// and what it counts as unrecovered add up exactly to what was sent.
TEST(Delivery, WhatAStoreTooSmallLostIsReportedExactly) {
  Node m = Start("m", {"--store", "2600"});
  ASSERT_GT(m->Port(), 0) << m->err();
  Proxy link(m->Port());
  ASSERT_GT(link.port(), 0);
  Node a = Start("a", {"--store", "0", "-c", Addr(m->Port())});
  Node z = Start("z", {"-c", Addr(link.port())});
  ASSERT_TRUE(WaitConnectedTo(m.get(), "a", 1)) << m->err();
  ASSERT_TRUE(WaitConnectedTo(m.get(), "z", 1)) << m->err();
  ASSERT_TRUE(WaitConnectedTo(a.get(), "m", 1)) << a->err();
  a->Write("before\n");
  ASSERT_TRUE(z->WaitLineCount(1, 5000)) << z->err();
  link.SetMode(Proxy::Mode::kCut);
  ASSERT_TRUE(WaitLinkDown(z.get(), "m", 5000)) << z->err();
  const int kCut = 10;
  for (int k = 0; k < kCut; ++k) {
    std::string head = "cut" + std::to_string(k) + " ";
    a->Write(head + std::string(1000 - head.size(), 'p') + "\n");
  }
  ASSERT_TRUE(m->WaitLineCount(1 + kCut, 5000)) << m->err();
  link.SetMode(Proxy::Mode::kForward);
  const std::string said = "messages from a could not be recovered (no peer holds them)";
  long long healed = NowMs();
  ASSERT_TRUE(z->WaitStderr(said, 90000)) << z->err() << "printed " << z->lines().size();
  long long report_ms = NowMs() - healed;
  Settle();
  long long unrecovered = Stat(z.get(), "unrecovered");
  size_t printed = z->lines().size();
  EXPECT_GT(unrecovered, 0);
  EXPECT_GT(printed, 1u);  // the ones m still had were repaired
  EXPECT_EQ(static_cast<long long>(printed) + unrecovered, 1 + kCut);
  EXPECT_EQ(Stat(z.get(), "repaired"), static_cast<long long>(printed) - 1);  // all but "before"
  EXPECT_NE(z->err().find(std::to_string(unrecovered) + " " + said), std::string::npos) << z->err();
  std::map<std::string, int> n = Tally(*z);
  for (const auto& kv : n) EXPECT_EQ(kv.second, 1) << kv.first;
  EXPECT_EQ(Count(z->err(), said), 1u);  // said once
  char figures[200];
  snprintf(figures, sizeof figures,
           "store too small: z printed %zu of 11 and counted %lld unrecovered, said %lld ms "
           "after the heal",
           printed, unrecovered, report_ms);
  Report(figures);
}

}  // namespace
}  // namespace floodchat_test
