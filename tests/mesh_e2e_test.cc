// End-to-end tests of the self-healing mesh: many real floodchat processes on
// 127.0.0.1 that find each other from one bootstrap address, lose nodes to
// SIGKILL and repair the network. The graph is read from each node's /peers.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "harness.h"

namespace floodchat_test {
namespace {

using Node = std::unique_ptr<Proc>;

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

struct Mesh {
  std::vector<Node> nodes;  // null once killed
  std::vector<std::string> names;

  Proc* at(size_t i) { return nodes[i].get(); }
  bool alive(size_t i) const { return nodes[i] != nullptr; }
  std::vector<size_t> Alive() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes.size(); ++i)
      if (alive(i)) out.push_back(i);
    return out;
  }
  void Kill(size_t i) {
    nodes[i]->Signal(SIGKILL);
    nodes[i]->Wait(5000);
    nodes[i].reset();
  }
};

// Starts `n` nodes named n0, n1, ...; each one after the first names only
// node 0 with -c. Default mesh settings unless `extra` says otherwise.
Mesh StartMesh(size_t n, const std::vector<std::string>& extra = {}) {
  Mesh m;
  int port0 = -1;
  for (size_t i = 0; i < n; ++i) {
    std::string name = "n" + std::to_string(i);
    std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", name};
    if (i > 0) {
      args.push_back("-c");
      args.push_back(Addr(port0));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    Node p = Proc::Start(args);
    EXPECT_GT(p->Port(), 0) << p->err();
    if (i == 0) port0 = p->Port();
    m.nodes.push_back(std::move(p));
    m.names.push_back(name);
  }
  return m;
}

// The nicks of a node's live connections, from a fresh /peers report.
std::set<std::string> LivePeers(Proc* node) {
  size_t before = Count(node->err(), "peers: ");
  node->Write("/peers\n");
  long long end = NowMs() + 3000;
  for (;;) {
    const std::string& e = node->err();
    size_t head = e.rfind("peers: ");
    if (Count(e, "peers: ") > before && head != std::string::npos) {
      size_t announced = static_cast<size_t>(atoll(e.c_str() + head + 7));
      std::set<std::string> nicks;
      size_t at = e.find('\n', head);
      // Connection lines: "  ADDRESS NICK inbound|outbound|... [(LINK)]".
      while (at != std::string::npos && e.compare(at + 1, 2, "  ") == 0) {
        size_t eol = e.find('\n', at + 1);
        if (eol == std::string::npos) break;
        std::string line = e.substr(at + 3, eol - at - 3);
        // A tree node ends the line with its link's state: " (eager)".
        if (!line.empty() && line.back() == ')' && line.rfind(" (") != std::string::npos)
          line.erase(line.rfind(" ("));
        size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
        if (sp1 != std::string::npos && sp2 > sp1) {
          std::string state = line.substr(sp2 + 1);
          if (state == "inbound" || state == "outbound")
            nicks.insert(line.substr(sp1 + 1, sp2 - sp1 - 1));
        }
        at = eol;
      }
      if (nicks.size() == announced) return nicks;
    }
    if (NowMs() >= end) return {};
    Proc::PumpAll(10);
  }
}

struct Graph {
  std::map<std::string, std::set<std::string>> edges;  // as each node reports
  size_t MinDegree() const {
    size_t d = ~size_t{0};
    for (const auto& e : edges) d = std::min(d, e.second.size());
    return d;
  }
  // Connected among the nodes in `edges`, counting an edge either end reports.
  bool IsConnected() const {
    if (edges.empty()) return true;
    std::map<std::string, std::set<std::string>> both;
    for (const auto& e : edges)
      for (const auto& to : e.second)
        if (edges.count(to)) {
          both[e.first].insert(to);
          both[to].insert(e.first);
        }
    std::set<std::string> seen = {edges.begin()->first};
    std::vector<std::string> todo = {edges.begin()->first};
    while (!todo.empty()) {
      std::string at = todo.back();
      todo.pop_back();
      for (const auto& to : both[at])
        if (seen.insert(to).second) todo.push_back(to);
    }
    return seen.size() == edges.size();
  }
  std::string Degrees() const {  // "min/median/max"
    std::vector<size_t> d;
    for (const auto& e : edges) d.push_back(e.second.size());
    std::sort(d.begin(), d.end());
    if (d.empty()) return "-";
    return std::to_string(d.front()) + "/" + std::to_string(d[d.size() / 2]) + "/" +
           std::to_string(d.back());
  }
};

Graph ReadGraph(Mesh* m) {
  Graph g;
  for (size_t i : m->Alive()) g.edges[m->names[i]] = LivePeers(m->at(i));
  return g;
}

// Polls the graph until every live node has at least `degree` connections
// and the graph is connected; false after timeout_ms.
bool WaitForMesh(Mesh* m, size_t degree, int timeout_ms, Graph* out) {
  long long end = NowMs() + timeout_ms;
  for (;;) {
    *out = ReadGraph(m);
    if (out->MinDegree() >= degree && out->IsConnected()) return true;
    if (NowMs() >= end) return false;
    PumpFor(300);
  }
}

// Waits until every live node but `from` has printed `line` once; checks that
// nobody printed it twice and the sender did not print it.
void ExpectEveryoneGotOnce(Mesh* m, size_t from, const std::string& line, int timeout_ms) {
  for (size_t i : m->Alive()) {
    if (i == from) continue;
    ASSERT_TRUE(m->at(i)->WaitLines(
        [&](const std::vector<std::string>& lines) { return CountLine(lines, line) > 0; },
        timeout_ms))
        << m->names[i] << " never printed \"" << line << "\"";
  }
  Settle();
  for (size_t i : m->Alive())
    EXPECT_EQ(CountLine(m->at(i)->lines(), line), i == from ? 0u : 1u) << m->names[i] << ": " << line;
}

// A record of the figures a run produced, for the closing note and the log.
void Report(const std::string& what) {
  printf("[ figures  ] %s\n", what.c_str());
  fflush(stdout);
}

TEST(Mesh, BootstrapFromOneNodeThenLoseIt) {
  const size_t kNodes = 20;
  long long t0 = NowMs();
  Mesh m = StartMesh(kNodes);
  long long started = NowMs() - t0;
  Graph g;
  ASSERT_TRUE(WaitForMesh(&m, std::min<size_t>(5, kNodes - 1), 30000, &g))
      << "degrees " << g.Degrees() << (g.IsConnected() ? "" : ", not connected");
  Report("bootstrap of 20: started in " + std::to_string(started) + " ms, formed " +
         std::to_string(NowMs() - t0) + " ms after the first start; connections per node "
         "min/median/max " + g.Degrees());
  // Every node knows more than node 0 now: without it the rest stays one mesh.
  m.Kill(0);
  long long t1 = NowMs();
  ASSERT_TRUE(WaitForMesh(&m, 1, 15000, &g)) << "degrees " << g.Degrees();
  std::mt19937 rng(static_cast<unsigned>(NowMs()));
  std::vector<size_t> alive = m.Alive();
  size_t from = alive[rng() % alive.size()];
  m.at(from)->Write("after node 0 went\n");
  ExpectEveryoneGotOnce(&m, from, m.names[from] + ": after node 0 went", 10000);
  Report("bootstrap of 20: after killing node 0, all 19 connected and reached in " +
         std::to_string(NowMs() - t1) + " ms; connections " + ReadGraph(&m).Degrees());
}

TEST(Mesh, ChurnNineOfThirtyKilledAllSurvivorsGetEveryMessageOnce) {
  const size_t kNodes = 30, kKill = 9, kMessages = 20;
  Mesh m = StartMesh(kNodes);
  Graph before;
  ASSERT_TRUE(WaitForMesh(&m, 5, 40000, &before))
      << "degrees " << before.Degrees() << (before.IsConnected() ? "" : ", not connected");
  unsigned seed = static_cast<unsigned>(NowMs());
  std::mt19937 rng(seed);
  std::vector<size_t> order(kNodes);
  for (size_t i = 0; i < kNodes; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::string killed;
  for (size_t k = 0; k < kKill; ++k) {
    m.nodes[order[k]]->Signal(SIGKILL);
    killed += " " + m.names[order[k]];
  }
  long long t_kill = NowMs();
  for (size_t k = 0; k < kKill; ++k) m.Kill(order[k]);  // reap
  std::vector<size_t> alive = m.Alive();
  ASSERT_EQ(alive.size(), kNodes - kKill);

  // A probe from a random survivor every 250 ms until one has reached every
  // other survivor: how long after the kills the network carried a message
  // to everyone again, as a user would see it.
  long long healed_ms = -1;
  size_t healed_by = 0;
  std::vector<std::pair<size_t, std::string>> probes;
  long long next_probe = NowMs();
  while (healed_ms < 0 && NowMs() < t_kill + 30000) {
    if (NowMs() >= next_probe) {
      size_t from = alive[rng() % alive.size()];
      std::string text = "probe " + std::to_string(probes.size());
      m.at(from)->Write(text + "\n");
      probes.emplace_back(from, m.names[from] + ": " + text);
      next_probe += 250;
    }
    Proc::PumpAll(5);
    for (size_t k = 0; k < probes.size() && healed_ms < 0; ++k) {
      bool all = true;
      for (size_t i : alive)
        if (i != probes[k].first && CountLine(m.at(i)->lines(), probes[k].second) == 0) all = false;
      if (all) {
        healed_ms = NowMs() - t_kill;
        healed_by = k + 1;
      }
    }
  }
  ASSERT_GE(healed_ms, 0) << "no probe reached every survivor within 30 s";

  Graph after;
  ASSERT_TRUE(WaitForMesh(&m, 5, 30000, &after)) << "degrees " << after.Degrees();
  long long repaired_ms = NowMs() - t_kill;
  std::vector<std::pair<size_t, std::string>> sent;
  for (size_t k = 0; k < kMessages; ++k) {
    size_t from = alive[rng() % alive.size()];
    std::string text = "churn message " + std::to_string(k);
    m.at(from)->Write(text + "\n");
    sent.emplace_back(from, m.names[from] + ": " + text);
  }
  for (const auto& s : sent) ExpectEveryoneGotOnce(&m, s.first, s.second, 10000);
  // Nothing, probes included, was printed twice anywhere.
  for (size_t i : alive) {
    std::set<std::string> distinct(m.at(i)->lines().begin(), m.at(i)->lines().end());
    EXPECT_EQ(distinct.size(), m.at(i)->lines().size()) << m.names[i];
  }
  char figures[512];
  snprintf(figures, sizeof figures,
           "churn 30, killed%s (seed %u): probe %zu of %zu reached all 21 survivors %lld ms "
           "after the kills; every survivor seen with >=5 connections %lld ms after them; "
           "connections per node min/median/max before %s, after %s",
           killed.c_str(), seed, healed_by, probes.size(), healed_ms, repaired_ms,
           before.Degrees().c_str(),
           after.Degrees().c_str());
  Report(figures);
}

TEST(Mesh, KilledNodeRestartedWithAnySurvivorRejoins) {
  Mesh m = StartMesh(8);
  Graph g;
  ASSERT_TRUE(WaitForMesh(&m, 5, 20000, &g)) << g.Degrees();
  m.Kill(3);
  // It comes back under a new nick, told only about node 6.
  std::vector<std::string> args = {"-l", "127.0.0.1:0", "-n", "back", "-c", Addr(m.at(6)->Port())};
  m.nodes[3] = Proc::Start(args);
  m.names[3] = "back";
  ASSERT_GT(m.at(3)->Port(), 0);
  ASSERT_TRUE(WaitForMesh(&m, 5, 20000, &g)) << g.Degrees();
  EXPECT_GE(g.edges["back"].size(), 5u);
  m.at(0)->Write("welcome back\n");
  ExpectEveryoneGotOnce(&m, 0, "n0: welcome back", 5000);
  m.at(3)->Write("glad to be here\n");
  ExpectEveryoneGotOnce(&m, 3, "back: glad to be here", 5000);
}

// Both nodes name each other with -c and start together: whoever dials first,
// they end with one connection, and it stays one (no flapping).
TEST(Mesh, SimultaneousDialEndsWithExactlyOneConnection) {
  for (const char* peers : {"5", "0"}) {
    int pa = FreePort(), pb = FreePort();
    ASSERT_GT(pa, 0);
    ASSERT_GT(pb, 0);
    Node a = Proc::Start({"-l", Addr(pa), "-n", "a", "-c", Addr(pb), "--peers", peers});
    Node b = Proc::Start({"-l", Addr(pb), "-n", "b", "-c", Addr(pa), "--peers", peers});
    ASSERT_GT(a->Port(), 0) << a->err();
    ASSERT_GT(b->Port(), 0) << b->err();
    ASSERT_TRUE(WaitConnected(a.get(), 1, 5000)) << a->err();
    ASSERT_TRUE(WaitConnected(b.get(), 1, 5000)) << b->err();
    // Long enough for a's retry of b after a first refused attempt.
    PumpFor(2500);
    EXPECT_EQ(LivePeers(a.get()), std::set<std::string>{"b"}) << a->err();
    EXPECT_EQ(LivePeers(b.get()), std::set<std::string>{"a"}) << b->err();
    a->Write("from a\n");
    b->Write("from b\n");
    ASSERT_TRUE(b->WaitLineCount(1, 5000));
    ASSERT_TRUE(a->WaitLineCount(1, 5000));
    Settle();
    EXPECT_EQ(b->lines(), std::vector<std::string>{"a: from a"});
    EXPECT_EQ(a->lines(), std::vector<std::string>{"b: from b"});
    EXPECT_EQ(Stat(a.get(), "peers"), 1);
    EXPECT_EQ(Stat(b.get(), "peers"), 1);
  }
}

// Pairs of running nodes told to dial each other in the same instant: both
// hellos cross, both ends resolve the pair the same way.
TEST(Mesh, CrossedDialsKeepOneConnectionAndLoseNothing) {
  for (int round = 0; round < 4; ++round) {
    Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0"});
    Node b = Proc::Start({"-l", "127.0.0.1:0", "-n", "b", "--peers", "0"});
    ASSERT_GT(a->Port(), 0);
    ASSERT_GT(b->Port(), 0);
    // Lines typed while alone go with the first connection, whichever survives.
    a->Write("queued in a\n");
    b->Write("queued in b\n");
    a->Write("/connect " + Addr(b->Port()) + "\n");
    b->Write("/connect " + Addr(a->Port()) + "\n");
    ASSERT_TRUE(a->WaitLineCount(1, 5000)) << a->err();
    ASSERT_TRUE(b->WaitLineCount(1, 5000)) << b->err();
    Settle();
    EXPECT_EQ(LivePeers(a.get()), std::set<std::string>{"b"}) << a->err();
    EXPECT_EQ(LivePeers(b.get()), std::set<std::string>{"a"}) << b->err();
    EXPECT_EQ(a->lines(), std::vector<std::string>{"b: queued in b"});
    EXPECT_EQ(b->lines(), std::vector<std::string>{"a: queued in a"});
  }
}

TEST(Mesh, FullNodeRefusesAndPointsElsewhere) {
  Node hub = Proc::Start({"-l", "127.0.0.1:0", "-n", "hub", "--peers", "0", "--max-peers", "2"});
  ASSERT_GT(hub->Port(), 0);
  Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "--peers", "0", "-c", Addr(hub->Port())});
  Node b = Proc::Start({"-l", "127.0.0.1:0", "-n", "b", "--peers", "0", "-c", Addr(hub->Port())});
  ASSERT_TRUE(WaitConnected(hub.get(), 2)) << hub->err();
  Node c = Proc::Start({"-l", "127.0.0.1:0", "-n", "c", "-c", Addr(hub->Port())});
  ASSERT_GT(c->Port(), 0);
  ASSERT_TRUE(c->WaitStderr("refused: the node is full; it offered 2 other addresses", 5000))
      << c->err();
  // c found a or b through the addresses in the refusal.
  ASSERT_TRUE(WaitConnected(c.get(), 1, 5000)) << c->err();
  c->Write("around the full hub\n");
  ASSERT_TRUE(hub->WaitLineCount(1, 5000));
  EXPECT_EQ(hub->lines()[0], "c: around the full hub");
  EXPECT_GE(Stat(hub.get(), "refused"), 1);
  EXPECT_EQ(Stat(hub.get(), "peers"), 2);
  // With --peers 0 the hub dialled nothing by itself, though it knows c now.
  EXPECT_EQ(Stat(hub.get(), "attempts"), 0);
  EXPECT_EQ(hub->Wait(0), -1);
}

// A node whose only peer goes away keeps trying it, keeps what is typed
// meanwhile, and reconnects when the peer is back on the same port.
// a is the binary under test; b, the peer that goes and comes back, is always
// the native build. Under Wine a Windows b could not come back: its killed
// connection's TIME_WAIT holds the port for a minute (the Windows build sets
// no SO_REUSEADDR, and Linux lets a bind through only when both sockets have
// it), and in one CI run Wine's server held it for more than 75 s. A native b
// sets SO_REUSEADDR on both, so its port is free again at once.
TEST(Mesh, LonelyNodeKeepsRetryingAndReconnects) {
  int pb = FreePort();
  ASSERT_GT(pb, 0);
  Node a = Proc::Start({"-l", "127.0.0.1:0", "-n", "a", "-c", Addr(pb)});
  ASSERT_GT(a->Port(), 0);
  ASSERT_TRUE(a->WaitStderr("connect to " + Addr(pb) + ": ", 5000)) << a->err();
  EXPECT_NE(a->err().find("retrying in"), std::string::npos) << a->err();
  Node b = Proc::StartNative({"-l", Addr(pb), "-n", "b", "--peers", "0"});
  ASSERT_EQ(b->Port(), pb) << b->err();
  ASSERT_TRUE(WaitConnected(a.get(), 1, 10000)) << a->err();
  size_t said = Count(a->err(), "(b): ");
  b->Signal(SIGKILL);
  b->Wait(5000);
  b.reset();
  // The line is typed once a knows b is gone. The kernel may close a killed
  // process's sockets a moment after its parent has reaped it, so a line
  // written just after the kill can still be handed to the dying connection
  // and lost with it (as a line written an instant before a crash would be:
  // nothing acknowledges a message yet).
  long long until = NowMs() + 5000;
  while (Count(a->err(), "(b): ") == said && NowMs() < until) Proc::PumpAll(20);
  ASSERT_GT(Count(a->err(), "(b): "), said) << a->err();
  a->Write("typed while b was gone\n");
  PumpFor(2000);  // a fails a few times meanwhile
  EXPECT_EQ(a->Wait(0), -1);  // and is still running
  b = Proc::StartNative({"-l", Addr(pb), "-n", "b", "--peers", "0"});
  ASSERT_EQ(b->Port(), pb) << b->err();
  // a's next attempt may be up to a minute away: its backoff has grown.
  ASSERT_TRUE(b->WaitLineCount(1, 90000)) << a->err();
  EXPECT_EQ(b->lines()[0], "a: typed while b was gone");
  EXPECT_GE(Stat(a.get(), "reconnects"), 1);
  EXPECT_GE(Stat(a.get(), "failures"), 2);
  EXPECT_GE(Stat(a.get(), "attempts"), 4);
}

}  // namespace
}  // namespace floodchat_test
