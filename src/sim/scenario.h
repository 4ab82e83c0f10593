// A simulator run as its command line describes it, and its figures:
//
//   floodchat-sim --nodes N [--peers D] [--graph mesh|random:D] [--broadcast tree|flood]
//                 [--messages M] [--senders K] [--burst] [--churn FRACTION]
//                 [--latency-ms LO-HI] [--seed S] [--seen N]
//                 [--partition SECONDS] [--store BYTES] [--graft-floor-ms MS]
//                 [--own-to-all] [--swap-hops N] [--warm N] [--hops N]
//
// mesh: nodes start over the first 5 s of virtual time, each with -c the
// address of one node started before it, and membership builds the network
// (--peers D, --max-peers 32) as the real nodes do; messages start 10 s
// later. random:D: a fixed random D-regular graph, each edge a -c from its
// lower-numbered node, automatic dialling off (--peers 0); messages start
// 2 s after the nodes. Messages: M in all from K senders chosen at random,
// taking turns, one every 10 ms (--burst: all within 100 ms). --churn F:
// halfway through the messages, a fraction F of the nodes (never a sender)
// is killed. The run ends 10 s after the last message. Tables are sized to
// the run. --partition S: the nodes below N/2 and the others are cut apart
// for S seconds from when messages would begin; the messages are sent during
// the cut, each sender also says one 1 s before it and one 65 s after the heal
// (so every node knows every origin's sequence: what it misses is a gap it
// knows of), and the run ends 130 s after the heal (the diallers' backoff
// reaches 60 s), so what is figured is the repair. --store: every node's
// message store (default 1 MiB; 0: none). Tables are sized to
// the run: --seen defaults to 512 (4096 with --burst), the address book to
// 1024 up to 2,000 nodes and 128 beyond, the late-duplicate record to the
// senders. --broadcast: the nodes' policy (default tree, which the binary
// has as --broadcast tree; its default is flood);
// --graft-floor-ms, --own-to-all and --swap-hops (0: never) set the tree's
// knobs. --hops N: the hop limit of every node's messages (the binary's
// --hops, default 64). --warm N: N messages more, from nodes that are not senders, in the
// 2 s before the messages begin (a real node's presence event goes out when
// it starts, so its network's trees have formed before anyone types); they
// count in deliveries and missed, not in rmr_after_10. --churn: the longest
// a message sent after the kill took to reach every survivor is repair_ms.
#ifndef FLOODCHAT_SIM_SCENARIO_H_
#define FLOODCHAT_SIM_SCENARIO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace floodchat {
namespace sim {

struct Scenario {
  size_t nodes = 0;
  size_t peers = 5;
  size_t degree = 0;  // random:D; 0 for mesh
  size_t messages = 100;
  size_t senders = 1;
  bool burst = false;
  double churn = 0;
  uint32_t latency_lo_ms = 10, latency_hi_ms = 50;
  uint64_t seed = 1;
  size_t seen = 0;  // 0: sized to the run
  uint64_t partition_ms = 0;
  size_t store_bytes = size_t{1} << 20;
  bool flood = false;  // --broadcast flood (default tree)
  size_t warm = 0;     // --warm N
  uint64_t graft_floor_ms = 100;
  bool own_to_all = false;
  uint8_t swap_hops = 4;  // 0: never swap
  uint8_t hop_limit = 64;  // --hops N: every node's, as the binary's --hops
  // --linger S: how long the run goes on after the last message (not with
  // --partition, which has its own), so that anti-entropy has rounds to
  // find what the live paths missed.
  uint64_t linger_ms = 10000;
  // A graph given by the caller (tests): used instead of mesh or random:D.
  std::vector<std::pair<uint32_t, uint32_t>> edges;
};

struct Result {
  uint64_t nodes = 0, messages = 0, deliveries = 0, missed = 0, duplicates_printed = 0;
  uint64_t payload_sends = 0, control_bytes = 0, ldh = 0;
  double rmr = 0, sim_seconds = 0, wall_seconds = 0;
  // RMR over the messages after the first 10 (the tree's first ones flood).
  double rmr_after_10 = 0;
  // From a message's send to its last first delivery: the median and the
  // largest over the messages.
  uint64_t last_delivery_ms_median = 0, last_delivery_ms_max = 0;
  // The tree's work, summed over the nodes alive at the end.
  uint64_t grafts = 0, graft_answers = 0, prunes = 0, swaps = 0;
  uint64_t peak_rss_kib = 0;
  // --partition: from the heal to the last first delivery of any message.
  // --churn: the longest a message sent after the kill took to reach every
  // survivor.
  uint64_t repair_ms = 0;
  // What live nodes count as unrecovered, all told, and the nodes whose
  // count is not exactly what they missed.
  uint64_t unrecovered = 0, unrecovered_mismatched = 0;
  // Not in the JSON line: the mesh when the messages began.
  uint32_t degree_min = 0, degree_max = 0;
  double degree_mean = 0;
  uint64_t events = 0;
};

// Parses argv[1..]; false with *error (no "floodchat-sim: " prefix).
bool ParseScenario(int argc, const char* const* argv, Scenario* s, std::string* error);
Result RunScenario(const Scenario& s);
std::string ResultJson(const Result& r);

// A random D-regular simple graph on n nodes (n * d even, d < n), from a
// seed: each edge once, lower node first.
std::vector<std::pair<uint32_t, uint32_t>> RandomRegularGraph(uint32_t n, uint32_t d,
                                                              uint64_t seed);

}  // namespace sim
}  // namespace floodchat

#endif  // FLOODCHAT_SIM_SCENARIO_H_
