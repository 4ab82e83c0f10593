// The simulator: that it counts right, that it is deterministic, and that its
// network does what its header says (kills, restarts, cuts).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "sim/network.h"
#include "sim/scenario.h"

namespace floodchat {
namespace sim {
namespace {

// 1 + sum over nodes of (degree - 1): what flooding one message costs on a
// graph where every node is reached.
uint64_t FloodSends(uint32_t n, const std::vector<std::pair<uint32_t, uint32_t>>& edges) {
  std::vector<uint64_t> degree(n, 0);
  for (auto& e : edges) {
    ++degree[e.first];
    ++degree[e.second];
  }
  uint64_t sends = 1;
  for (uint64_t d : degree) sends += d - 1;
  return sends;
}

TEST(SimTest, RandomRegularGraphIsRegularSimpleAndFixedBySeed) {
  auto g = RandomRegularGraph(1000, 5, 7);
  EXPECT_EQ(g.size(), 2500u);
  std::vector<int> degree(1000, 0);
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (auto& e : g) {
    EXPECT_LT(e.first, e.second);
    EXPECT_TRUE(seen.insert(e).second) << e.first << "-" << e.second;
    ++degree[e.first];
    ++degree[e.second];
  }
  for (int d : degree) EXPECT_EQ(d, 5);
  EXPECT_EQ(g, RandomRegularGraph(1000, 5, 7));
  EXPECT_NE(g, RandomRegularGraph(1000, 5, 8));
}

TEST(SimTest, FloodingSendsOnePlusTheSumOfDegreesLessOnePerMessage) {
  // An irregular graph: a path of 40 with a star of 10 on its end and a few
  // chords, so degrees run from 1 to 12.
  std::vector<std::pair<uint32_t, uint32_t>> edges;
  for (uint32_t v = 0; v + 1 < 40; ++v) edges.emplace_back(v, v + 1);
  for (uint32_t v = 40; v < 50; ++v) edges.emplace_back(39, v);
  edges.emplace_back(0, 20);
  edges.emplace_back(5, 30);
  edges.emplace_back(10, 45);
  Scenario s;
  s.flood = true;
  s.nodes = 50;
  s.edges = edges;
  s.messages = 20;
  s.senders = 4;
  Result r = RunScenario(s);
  EXPECT_EQ(r.payload_sends, 20 * FloodSends(50, edges));
  EXPECT_EQ(r.deliveries, 20u * 49);
  EXPECT_EQ(r.missed, 0u);
  EXPECT_EQ(r.duplicates_printed, 0u);
  EXPECT_NEAR(r.rmr, static_cast<double>(r.payload_sends) / r.deliveries - 1, 1e-9);
  EXPECT_GE(r.ldh, 10u);  // the path is long, the chords shorten it
  // On a D-regular graph that is the seed's N(D - 1) + 1.
  Scenario regular;
  regular.flood = true;
  regular.nodes = 200;
  regular.degree = 6;
  regular.messages = 10;
  Result q = RunScenario(regular);
  EXPECT_EQ(q.payload_sends, 10u * (200 * 5 + 1));
  EXPECT_EQ(q.missed, 0u);
}

// --hops is every node's hop limit, as the binary's: with 10 a message
// ends 10 links from its sender; with 64, a path of 40 is crossed whole.
TEST(SimTest, TheHopLimitEndsAMessagesTravel) {
  std::vector<std::pair<uint32_t, uint32_t>> path;
  for (uint32_t v = 0; v + 1 < 40; ++v) path.emplace_back(v, v + 1);
  for (bool flood : {true, false}) {
    Scenario s;
    s.flood = flood;
    s.nodes = 40;
    s.edges = path;
    s.messages = 3;
    s.hop_limit = 10;
    Result r = RunScenario(s);
    EXPECT_LE(r.ldh, 10u) << flood;
    EXPECT_GT(r.missed, 0u) << flood;  // 21 nodes at most within 10 hops of a sender
    s.hop_limit = 64;
    Result whole = RunScenario(s);
    EXPECT_EQ(whole.missed, 0u) << flood;
    EXPECT_EQ(whole.deliveries, 3u * 39) << flood;
    EXPECT_GE(whole.ldh, 20u) << flood;  // one end is 20 hops or more away
  }
}

// --linger: the run goes on that long after the last message.
TEST(SimTest, TheRunLingersAsLongAsAsked) {
  Scenario s;
  s.nodes = 10;
  s.messages = 2;
  Result short_run = RunScenario(s);
  s.linger_ms = 30000;
  Result long_run = RunScenario(s);
  EXPECT_DOUBLE_EQ(long_run.sim_seconds - short_run.sim_seconds, 20.0);
  EXPECT_EQ(long_run.missed, 0u);
}

TEST(SimTest, SameSeedSameFigures) {
  Scenario s;
  s.nodes = 300;
  s.messages = 30;
  s.senders = 3;
  s.seed = 11;
  Result a = RunScenario(s), b = RunScenario(s);
  EXPECT_EQ(a.payload_sends, b.payload_sends);
  EXPECT_EQ(a.control_bytes, b.control_bytes);
  EXPECT_EQ(a.ldh, b.ldh);
  EXPECT_EQ(a.events, b.events);
  s.seed = 12;
  EXPECT_NE(RunScenario(s).control_bytes, a.control_bytes);
}

TEST(SimTest, MembershipBuildsAMeshThatReachesEveryone) {
  Scenario s;
  s.nodes = 400;
  s.peers = 5;
  s.messages = 20;
  Result r = RunScenario(s);
  EXPECT_GE(r.degree_min, 5u);
  EXPECT_LE(r.degree_max, 32u);
  EXPECT_EQ(r.missed, 0u);
  EXPECT_EQ(r.deliveries, 20u * 399);
  EXPECT_EQ(r.duplicates_printed, 0u);
}

TEST(SimTest, ChurnCountsOnlySurvivorsAsMissing) {
  Scenario s;
  s.nodes = 300;
  s.messages = 100;
  s.churn = 0.3;
  Result r = RunScenario(s);
  // Each message reaches at least the survivors' share; those that started
  // before the kill reached everyone.
  EXPECT_GT(r.deliveries, 100u * 209);
  EXPECT_LT(r.deliveries, 100u * 299);
  EXPECT_EQ(r.duplicates_printed, 0u);
}

class SimNetworkTest : public ::testing::Test {
 protected:
  // A chain 0 - 1 - 2, each edge a -c from its lower node, no other dialling.
  void Chain() {
    SimConfig c;
    c.nodes = 3;
    c.peers = 0;
    c.latency_lo_ms = c.latency_hi_ms = 10;
    net_ = std::make_unique<SimNetwork>(c);
    net_->Start(0, t0_, {1});
    net_->Start(1, t0_, {2});
    net_->Start(2, t0_, {});
  }
  uint32_t Delivered(uint32_t index) { return net_->messages()[index].deliveries; }
  bool Got(uint32_t node, uint32_t index) {
    return (net_->messages()[index].delivered[node / 64] >> (node % 64) & 1) != 0;
  }

  const uint64_t t0_ = SimNetwork::kEpochMs;
  std::unique_ptr<SimNetwork> net_;
};

TEST_F(SimNetworkTest, ConnectionsComeUpInTwoLatenciesAndBytesTakeOne) {
  Chain();
  net_->RunUntil(t0_ + 19);
  EXPECT_EQ(net_->Degrees(), (std::vector<uint32_t>{0, 0, 0}));
  net_->RunUntil(t0_ + 30);  // dial 10 ms, hello back 10 ms, our hello 10 ms
  EXPECT_EQ(net_->Degrees(), (std::vector<uint32_t>{1, 2, 1}));
  net_->Send(0, 0, t0_ + 100);
  net_->RunUntil(t0_ + 119);
  EXPECT_EQ(Delivered(0), 1u);
  EXPECT_TRUE(Got(1, 0));
  net_->RunUntil(t0_ + 120);
  EXPECT_EQ(Delivered(0), 2u);
  EXPECT_EQ(net_->messages()[0].max_hops, 2u);
}

TEST_F(SimNetworkTest, KilledNodeCutsOffItsSideAndARestartedOneRejoins) {
  // 3 - 0 - 1 - 2: with 1 down, 0's message reaches 3 only.
  SimConfig c;
  c.nodes = 4;
  c.peers = 0;
  c.latency_lo_ms = c.latency_hi_ms = 10;
  net_ = std::make_unique<SimNetwork>(c);
  net_->Start(0, t0_, {1, 3});
  net_->Start(1, t0_, {2});
  net_->Start(2, t0_, {});
  net_->Start(3, t0_, {});
  net_->Kill(1, t0_ + 100);
  net_->Send(0, 0, t0_ + 200);
  net_->Restart(1, t0_ + 300);
  // The restarted 1 redials 2 at once; 0 redials 1 after its backoff.
  net_->Send(0, 1, t0_ + 3000);
  net_->RunUntil(t0_ + 4000);
  EXPECT_TRUE(Got(3, 0));
  EXPECT_FALSE(Got(2, 0));
  EXPECT_FALSE(Got(1, 0));
  EXPECT_EQ(Delivered(1), 3u);
  // Message 0 is missed by 2 only: 1 was not up from its sending on.
  EXPECT_EQ(net_->Missed(), 1u);
  EXPECT_TRUE(net_->Alive(1));
  EXPECT_EQ(net_->AliveSince(1), t0_ + 300);
}

TEST_F(SimNetworkTest, LineOfANodeLeftAloneWaitsForItsNextPeer) {
  Chain();
  net_->Kill(1, t0_ + 100);
  net_->Send(0, 0, t0_ + 200);  // 0 is alone: the message waits
  net_->Restart(1, t0_ + 300);
  net_->RunUntil(t0_ + 3000);
  EXPECT_EQ(Delivered(0), 2u);
  EXPECT_EQ(net_->Missed(), 0u);
}

TEST_F(SimNetworkTest, CutResetsTheLinkUntilItIsRestored) {
  Chain();
  net_->Cut(1, 2, t0_ + 100);
  net_->Send(0, 0, t0_ + 200);
  net_->Restore(1, 2, t0_ + 5000);
  net_->Send(2, 1, t0_ + 30000);  // after 1's retries (which back off) get through
  net_->RunUntil(t0_ + 31000);
  EXPECT_TRUE(Got(1, 0));
  EXPECT_FALSE(Got(2, 0));
  EXPECT_TRUE(Got(0, 1));
  EXPECT_TRUE(Got(1, 1));
  EXPECT_EQ(net_->Missed(), 1u);
}

TEST(SimScenarioTest, CommandLineIsCheckedAndJsonHasTheFieldsInOrder) {
  Scenario s;
  std::string error;
  const char* ok[] = {"sim", "--nodes", "10", "--peers", "3", "--graph", "random:4",
                      "--broadcast", "flood", "--messages", "5", "--senders", "2", "--burst",
                      "--churn", "0.2", "--latency-ms", "5-9", "--seed", "3", "--hops", "9",
                      "--linger", "30"};
  ASSERT_TRUE(ParseScenario(24, ok, &s, &error)) << error;
  EXPECT_EQ(s.hop_limit, 9u);
  EXPECT_EQ(s.linger_ms, 30000u);
  EXPECT_EQ(s.nodes, 10u);
  EXPECT_EQ(s.degree, 4u);
  EXPECT_EQ(s.latency_lo_ms, 5u);
  EXPECT_EQ(s.latency_hi_ms, 9u);
  EXPECT_TRUE(s.burst);
  EXPECT_DOUBLE_EQ(s.churn, 0.2);
  std::map<std::string, std::string> bad = {
      {"--nodes x", "--nodes: x: not a number in range"},
      {"--nodes 1", "--nodes: at least 2 are needed"},
      {"--nodes 10 --graph ring", "--graph: ring: expected mesh or random:D"},
      {"--nodes 9 --graph random:3", "--graph: random:D needs D below --nodes and --nodes times D even"},
      {"--nodes 10 --broadcast star", "--broadcast: star: expected tree or flood"},
      {"--nodes 10 --churn 1", "--churn: 1: expected a fraction from 0 to below 1"},
      {"--nodes 10 --latency-ms 9-5", "--latency-ms: 9-5: expected LO-HI, 1 <= LO <= HI <= 1000"},
      {"--nodes 10 --senders 11", "--senders: from 1 to --nodes"},
      {"--nodes 10 --hops 0", "--hops: 0: not a number in range"},
      {"--nodes 10 --hops 256", "--hops: 256: not a number in range"},
      {"--nodes 10 --linger 0", "--linger: 0: not a number in range"},
      {"--nodes 10 --linger 3601", "--linger: 3601: not a number in range"},
      {"--nodes 10 --frob", "--frob: unknown option"},
      {"--nodes", "--nodes: needs a value"},
  };
  for (const auto& [args, want] : bad) {
    std::vector<std::string> words = {"sim"};
    size_t at = 0;
    while (at < args.size()) {
      size_t sp = args.find(' ', at);
      words.push_back(args.substr(at, sp == std::string::npos ? std::string::npos : sp - at));
      at = sp == std::string::npos ? args.size() : sp + 1;
    }
    std::vector<const char*> argv;
    for (auto& w : words) argv.push_back(w.c_str());
    Scenario t;
    EXPECT_FALSE(ParseScenario(static_cast<int>(argv.size()), argv.data(), &t, &error)) << args;
    EXPECT_EQ(error, want) << args;
  }
  Result r;
  r.nodes = 3;
  r.rmr = 0.5;
  EXPECT_EQ(ResultJson(r),
            "{\"nodes\":3,\"messages\":0,\"deliveries\":0,\"missed\":0,\"duplicates_printed\":0,"
            "\"payload_sends\":0,\"rmr\":0.5000,\"rmr_after_10\":0.0000,\"ldh\":0,"
            "\"last_delivery_ms_median\":0,\"last_delivery_ms_max\":0,\"control_bytes\":0,\"grafts\":0,\"graft_answers\":0,"
            "\"prunes\":0,\"swaps\":0,\"sim_seconds\":0.000,"
            "\"wall_seconds\":0.000,\"peak_rss_kib\":0,\"repair_ms\":0,\"unrecovered\":0,"
            "\"unrecovered_mismatched\":0}");
}

// Two halves of a random 4-regular graph cut apart for 20 s while 60
// messages are sent on both sides: after the heal, anti-entropy brings every
// node every message once. Without stores, nothing can be repaired.
TEST(SimTest, APartitionHealsThroughRepairAndOnlyWithAStore) {
  Scenario s;
  s.nodes = 200;
  s.degree = 4;
  s.messages = 60;
  s.senders = 10;
  s.partition_ms = 20000;
  s.seed = 5;
  Result r = RunScenario(s);
  EXPECT_EQ(r.messages, 60u + 2 * 10);  // each sender's two bookends
  EXPECT_EQ(r.missed, 0u);
  EXPECT_EQ(r.duplicates_printed, 0u);
  EXPECT_EQ(r.deliveries, 80u * 199);
  EXPECT_GT(r.repair_ms, 0u);
  EXPECT_EQ(r.unrecovered, 0u);
  EXPECT_EQ(r.unrecovered_mismatched, 0u);
  // No store: nothing is repaired, and every node counts exactly what it
  // missed as unrecovered.
  s.store_bytes = 0;
  Result lost = RunScenario(s);
  EXPECT_GT(lost.missed, 0u);
  EXPECT_EQ(lost.duplicates_printed, 0u);
  EXPECT_EQ(lost.unrecovered, lost.missed);
  EXPECT_EQ(lost.unrecovered_mismatched, 0u);
  // A store too small for the cut (about 12 of the 60 messages): some are
  // repaired, the rest are counted, exactly, node by node.
  s.store_bytes = 12 * 250;
  Result some = RunScenario(s);
  EXPECT_GT(some.missed, 0u);
  EXPECT_LT(some.missed, lost.missed);
  EXPECT_EQ(some.duplicates_printed, 0u);
  EXPECT_EQ(some.unrecovered, some.missed);
  EXPECT_EQ(some.unrecovered_mismatched, 0u);
}

// The broadcast tree in the simulator, on one mesh of 500 nodes (the same
// seed builds the same mesh whatever the policy): after its first messages
// a single sender's cost almost one send per node, with last-delivery hops
// as flooding's; many senders cost more (each origin's tree forms by its
// own prunes and grafts) but under 0.2; killing 30% of the nodes midway
// loses nothing for the survivors.
TEST(SimTreeTest, OneSendPerNodeManySendersAndChurnLoseNothing) {
  Scenario s;
  s.nodes = 500;
  s.messages = 200;
  s.seed = 3;
  Result tree = RunScenario(s);
  s.flood = true;
  Result flood = RunScenario(s);
  EXPECT_EQ(tree.missed, 0u);
  EXPECT_EQ(tree.duplicates_printed, 0u);
  EXPECT_EQ(tree.deliveries, 200u * 499);
  EXPECT_LE(tree.rmr_after_10, 0.05);
  EXPECT_GT(flood.rmr_after_10, 5.0);
  EXPECT_LE(tree.ldh, flood.ldh + 3);
  EXPECT_GT(tree.prunes, 0u);

  Scenario many;
  many.nodes = 500;
  many.messages = 400;
  many.senders = 20;
  many.seed = 3;
  Result m = RunScenario(many);
  EXPECT_EQ(m.missed, 0u);
  EXPECT_EQ(m.duplicates_printed, 0u);
  EXPECT_LE(m.rmr_after_10, 0.2);

  Scenario churn;
  churn.nodes = 500;
  churn.messages = 200;
  churn.churn = 0.3;
  churn.seed = 3;
  Result c = RunScenario(churn);
  EXPECT_EQ(c.missed, 0u);
  EXPECT_EQ(c.duplicates_printed, 0u);
  EXPECT_EQ(c.unrecovered, 0u);
  EXPECT_GT(c.grafts, 0u);  // the tree was mended by grafts
  EXPECT_GT(c.repair_ms, 0u);
  // A burst of 300 in 100 ms: on a network whose trees formed (one message
  // before it, as a real node's presence event is), about one send per
  // node; on a cold one too, where the burst is on its way before the
  // first prunes arrive, as the links of a forming tree hold back all but
  // its first message until the peer grafts (several sends per node
  // without).
  Scenario burst;
  burst.nodes = 500;
  burst.messages = 300;
  burst.burst = true;
  burst.warm = 1;
  burst.seed = 3;
  Result warm = RunScenario(burst);
  EXPECT_EQ(warm.missed, 0u);
  EXPECT_EQ(warm.messages, 301u);
  EXPECT_LE(warm.rmr_after_10, 0.2);
  burst.warm = 0;
  Result cold = RunScenario(burst);
  EXPECT_EQ(cold.missed, 0u);
  EXPECT_EQ(cold.duplicates_printed, 0u);
  EXPECT_LE(cold.rmr_after_10, 0.2);
  printf("[ figures  ] simulated tree, 500 nodes: one sender RMR %.4f after 10 (flood %.2f), LDH %llu "
         "(flood %llu); 20 senders RMR %.4f; 30%% killed: %llu missed, longest delivery after the "
         "kill %llu ms; a burst of 300 in 100 ms RMR %.4f warm, %.4f cold\n",
         tree.rmr_after_10, flood.rmr_after_10, static_cast<unsigned long long>(tree.ldh),
         static_cast<unsigned long long>(flood.ldh), m.rmr_after_10,
         static_cast<unsigned long long>(c.missed), static_cast<unsigned long long>(c.repair_ms),
         warm.rmr_after_10, cold.rmr_after_10);
}

}  // namespace
}  // namespace sim
}  // namespace floodchat
