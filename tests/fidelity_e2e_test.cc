// Keeps the simulator honest: the same fixed graph of 100 nodes, run as real
// floodchat processes and in the simulator, must cost the same payload sends
// per message in flood mode (and both what the formula says). The real
// nodes' sends are counted where they arrive: every message frame a node
// reads is counted once in /stats, as received or as a duplicate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "sim/scenario.h"

namespace floodchat_test {
namespace {

constexpr uint32_t kNodes = 100;
constexpr uint32_t kDegree = 4;
constexpr size_t kMessages = 5;

// received + duplicates over every node, from a fresh /stats of each; -1 if
// some node did not answer in time.
long long MessageFramesRead(const std::vector<std::unique_ptr<Proc>>& nodes) {
  std::vector<size_t> before;
  for (auto& n : nodes) {
    before.push_back(Count(n->err(), "stats: "));
    n->Write("/stats\n");
  }
  long long end = NowMs() + 5000;
  for (size_t i = 0; i < nodes.size(); ++i) {
    while (Count(nodes[i]->err(), "stats: ") <= before[i]) {
      if (NowMs() >= end) return -1;
      Proc::PumpAll(20);
    }
  }
  long long total = 0;
  for (auto& n : nodes) {
    const std::string& e = n->err();
    size_t line = e.rfind("stats: ");
    for (const char* name : {" received=", " duplicates="}) {
      size_t at = e.find(name, line);
      if (at == std::string::npos) return -1;
      total += atoll(e.c_str() + at + strlen(name));
    }
  }
  return total;
}

TEST(Fidelity, FloodCostsTheSameOnRealProcessesAndInTheSimulator) {
  auto edges = floodchat::sim::RandomRegularGraph(kNodes, kDegree, 2026);
  std::vector<std::vector<uint32_t>> targets(kNodes);
  for (auto& e : edges) targets[e.first].push_back(e.second);

  // Each edge is a -c from its lower node, so nodes start from the top.
  std::vector<std::unique_ptr<Proc>> nodes(kNodes);
  std::vector<int> ports(kNodes, -1);
  for (int v = kNodes - 1; v >= 0; --v) {
    std::vector<std::string> args = {"-n", "n" + std::to_string(v), "-l", "127.0.0.1:0",
                                     "--peers", "0", "-f", "text", "--broadcast", "flood"};
    for (uint32_t t : targets[v]) {
      args.push_back("-c");
      args.push_back("127.0.0.1:" + std::to_string(ports[t]));
    }
    nodes[v] = Proc::Start(args);
    ASSERT_NE(nodes[v], nullptr);
    ports[v] = nodes[v]->Port();
    ASSERT_GT(ports[v], 0) << nodes[v]->err();
  }
  for (uint32_t v = 0; v < kNodes; ++v)
    ASSERT_TRUE(WaitConnected(nodes[v].get(), kDegree, 20000)) << v << ": " << nodes[v]->err();

  // Five messages from five nodes, one at a time.
  std::mt19937 rng(7);
  std::vector<uint32_t> senders;
  while (senders.size() < kMessages) {
    uint32_t s = rng() % kNodes;
    if (std::find(senders.begin(), senders.end(), s) == senders.end()) senders.push_back(s);
  }
  for (size_t k = 0; k < kMessages; ++k) {
    nodes[senders[k]]->Write("fidelity " + std::to_string(k) + "\n");
    for (uint32_t v = 0; v < kNodes; ++v) {
      if (v == senders[k]) continue;
      std::string want = "fidelity " + std::to_string(k);
      ASSERT_TRUE(nodes[v]->WaitLines(
          [&want](const std::vector<std::string>& l) { return CountLine(l, want) == 1; }, 10000))
          << v << " did not print " << want;
    }
  }

  // The simulator on the same graph.
  floodchat::sim::Scenario s;
  s.flood = true;
  s.nodes = kNodes;
  s.edges = edges;
  s.messages = kMessages;
  s.senders = kMessages;
  floodchat::sim::Result r = floodchat::sim::RunScenario(s);
  const long long formula = static_cast<long long>(kMessages) * (kNodes * (kDegree - 1) + 1);
  EXPECT_EQ(r.payload_sends, static_cast<uint64_t>(formula));
  EXPECT_EQ(r.deliveries, kMessages * (kNodes - 1));
  EXPECT_EQ(r.missed, 0u);

  // The real count reaches the same (the last duplicates may still be on
  // their way when the last line is printed), and goes no further.
  long long real = -1;
  long long end = NowMs() + 10000;
  while (NowMs() < end) {
    real = MessageFramesRead(nodes);
    if (real >= formula) break;
    PumpFor(100);
  }
  Settle();
  EXPECT_EQ(MessageFramesRead(nodes), real);
  EXPECT_EQ(real, static_cast<long long>(r.payload_sends));
  size_t printed = 0;
  for (auto& n : nodes) printed += n->lines().size();
  EXPECT_EQ(printed, r.deliveries);
  printf("fidelity: %zu messages on a random %u-regular graph of %u nodes: %lld payload sends by "
         "the real nodes, %llu in the simulator, %lld by the formula N(D-1)+1 per message\n",
         kMessages, kDegree, kNodes, real, static_cast<unsigned long long>(r.payload_sends),
         formula);
}

}  // namespace
}  // namespace floodchat_test
